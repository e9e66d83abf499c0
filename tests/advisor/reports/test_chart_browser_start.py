"""A Celery worker process opens the chart browser as it starts, so its first report finds it open.

The signals are sent here as Celery sends them in a pool process (``worker_process_init`` as
it starts, ``worker_process_shutdown`` as it stops), through the handlers the Celery app
connects (advisor/reports/worker_hooks.py). Needs Debian's Chromium, as the reports do.
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from celery import signals

import advisor.config.celery  # noqa: F401  the app, which connects the worker signals
from advisor.presentation.charts import workload_charts
from advisor.reports import figures
from advisor.reports import services as reports
from placement import advise, parse_profile
from placement.presets import PRESETS

pytestmark = pytest.mark.skipif(
    not os.path.exists(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")), reason="no chromium"
)


@pytest.fixture
def fresh_browser(monkeypatch):
    """This process with no chart browser yet, as a newly started worker process; closed after."""
    monkeypatch.setattr(figures, "_browser", None)
    yield
    figures.browser_close()


@pytest.fixture
def charts():
    return workload_charts(advise(parse_profile(PRESETS["rag_chatbot"].profile)).to_dict())


def browser_open() -> bool:
    return figures._browser is not None and figures._browser._kaleido is not None


def wait_until_open(limit_s: float = 60) -> bool:
    """Opening runs on the browser's own thread: wait for it (a bound, not a timing)."""
    deadline = time.monotonic() + limit_s
    while not browser_open() and time.monotonic() < deadline:
        time.sleep(0.1)
    return browser_open()


def test_a_worker_process_opens_the_chart_browser_as_it_starts_and_keeps_it_until_it_stops(
    fresh_browser, charts, settings, caplog
):
    settings.CHART_BROWSER_IDLE_S = 0  # kept all the same: a worker's browser waits for its reports

    signals.worker_process_init.send(sender="test-worker")  # returns at once
    assert figures._browser is not None and figures._browser.kept
    assert wait_until_open()
    for thread in threading.enumerate():  # the report's Python side, warmed beside the start
        if thread.name == "report-warm-up":
            thread.join(60)
    assert not [r for r in caplog.records if r.levelname == "WARNING"], caplog.text

    svgs, already_open = figures.figures_export(charts)  # the first report's charts
    assert already_open
    assert set(svgs) == {chart.key for chart in charts}
    assert all(svg.startswith("<svg") for svg in svgs.values())
    assert browser_open()  # still there for the next report

    signals.worker_process_shutdown.send(sender="test-worker", pid=os.getpid(), exitcode=0)
    assert not browser_open()


@pytest.mark.django_db
def test_without_a_browser_started_a_report_still_renders_and_leaves_none_open(
    fresh_browser, workload, settings
):
    settings.CHART_BROWSER_AT_WORKER_START = False  # a worker told not to, or no worker at all
    settings.CHART_BROWSER_IDLE_S = 0  # no broker: no browser stays in the web process
    signals.worker_process_init.send(sender="test-worker")
    assert figures._browser is None

    rendered = reports.report_build(assessment=workload.assessments.get())

    assert rendered.pdf.startswith(b"%PDF-")
    assert rendered.figures_seconds > 0
    assert not browser_open()


def test_a_worker_starts_even_when_there_is_no_browser_to_open(fresh_browser, settings):
    settings.CHART_BROWSER_PATH = "/nonexistent/chromium"
    signals.worker_process_init.send(sender="test-worker")  # logs, never raises
    assert figures._browser is None
