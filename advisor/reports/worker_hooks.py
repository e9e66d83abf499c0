"""Celery worker signals of reports: each worker process opens its chart browser as it starts.

Opening Chromium and loading plotly.js into it was most of a cold report (BENCHMARKS.md,
section 3). A worker process opens it in the background as it starts and keeps it, so even its
first report finds it open, and closes it as it stops. Connected by advisor/config/celery.py;
``CHART_BROWSER_AT_WORKER_START=0`` turns it off (workers that never render a report).

This module stays light: it is imported with the Celery app, in every process.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import signals

log = logging.getLogger(__name__)


def chart_browser_start() -> None:
    """Open this process's chart browser in the background, and warm the report's Python side
    on a thread of its own; returns at once and never fails the worker's start."""
    from django.conf import settings

    if not settings.CHART_BROWSER_AT_WORKER_START:
        return
    try:
        from advisor.reports.figures import browser_start

        if not browser_start(keep=True):
            log.info("No chart browser at %s: reports will say so.", settings.CHART_BROWSER_PATH)
            return
    except Exception:  # a report opens one again, and reports what went wrong
        log.warning("The chart browser was not started with the worker.", exc_info=True)
        return
    threading.Thread(target=_warm_up, name="report-warm-up", daemon=True).start()


def _warm_up() -> None:
    try:
        from advisor.reports.services import report_warm_up

        report_warm_up()
    except Exception:  # only time lost: the first report pays it again
        log.warning("The report's warm-up failed.", exc_info=True)


def chart_browser_close() -> None:
    from advisor.reports.figures import browser_close

    browser_close()


@signals.worker_process_init.connect
def _on_pool_process_start(**_kwargs: Any) -> None:
    # A prefork pool process, or the solo pool's worker itself: the processes that render.
    # Returns at once (Celery allows this signal 4 s), the browser opens on its own thread.
    chart_browser_start()


@signals.worker_ready.connect
def _on_worker_ready(sender: Any = None, **_kwargs: Any) -> None:
    # The threads pool renders in the worker's own process, which gets no worker_process_init.
    from celery.concurrency.thread import TaskPool as ThreadsPool

    if isinstance(getattr(sender, "pool", None), ThreadsPool):
        chart_browser_start()


@signals.worker_process_shutdown.connect
def _on_pool_process_stop(**_kwargs: Any) -> None:
    chart_browser_close()  # a pool process leaves through os._exit: atexit would not run


@signals.worker_shutdown.connect
def _on_worker_stop(**_kwargs: Any) -> None:
    chart_browser_close()  # the solo and threads pools (nothing to close in a prefork parent)
