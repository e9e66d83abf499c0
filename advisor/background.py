"""Background work that is waiting to be sent again: which errors are worth a retry, and what a
page or the API says while nobody is working on a run, an import or a report.

Beat re-sends work silent for longer than its stale bound (``SIMULATION_STALE_AFTER_S``,
``IMPORT_STALE_AFTER_S``, ``REPORT_STALE_AFTER_S``) at its next tick. Past that bound a status
of "running" would be a lie about a dead worker, so pages and the API say instead when the work
was last seen and by when it is sent again: ``retry_notice`` is that rule and its words, for all
three kinds, derived from the same timestamps beat reads.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import time_format

from advisor.models import PortfolioImport, Report, SimulationRun

# What a database restart or a dropped connection raises; worth retrying, unlike a bad row.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)

_BEAT_TASKS = {SimulationRun: "requeue-stale-simulations", PortfolioImport: "requeue-stale-imports",
               Report: "requeue-stale-reports"}


def retry_notice(work: SimulationRun | PortfolioImport | Report, *, now: datetime | None = None) -> str:
    """What to show instead of "running" when the work has been silent past its stale bound;
    "" while it is finished, on its way, or explained by its own note (e.g. broker down)."""
    if _finished(work) or work.note:
        return ""
    last_seen, stale_after_s = _last_seen(work), _stale_after_s(work)
    now = now or timezone.now()
    if last_seen is None or now - last_seen < timedelta(seconds=stale_after_s):
        return ""
    beat_every = timedelta(seconds=settings.CELERY_BEAT_SCHEDULE[_BEAT_TASKS[type(work)]]["schedule"])
    resend_by = max(last_seen + timedelta(seconds=stale_after_s), now) + beat_every
    return (f"Waiting to be retried: no worker has reported since {_clock(last_seen)} (a worker "
            "stopped, or the database or broker was unavailable). It is sent again automatically "
            f"by about {_clock(resend_by)}.")


def _finished(work) -> bool:
    if isinstance(work, Report):
        return work.status in (Report.Status.READY, Report.Status.FAILED)
    return work.finished


def _stale_after_s(work) -> int:
    if isinstance(work, SimulationRun):
        return settings.SIMULATION_STALE_AFTER_S
    if isinstance(work, PortfolioImport):
        return settings.IMPORT_STALE_AFTER_S
    return settings.REPORT_STALE_AFTER_S


def _last_seen(work) -> datetime | None:
    """The newest sign of life beat would judge the work by."""
    if isinstance(work, SimulationRun):
        # Each chunk a worker claims or stores touches its row; the run's own row only on a merge.
        latest = work.chunks.aggregate(latest=Max("updated_at"))["latest"]
        return max(filter(None, (latest, work.updated_at)), default=None)
    if work.status == work.Status.RUNNING:
        return getattr(work, "heartbeat_at", None) or work.started_at
    return work.updated_at


def _clock(moment: datetime) -> str:
    return f"{time_format(timezone.localtime(moment), 'H:i')} {timezone.get_current_timezone_name()}"
