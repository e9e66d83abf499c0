"""The PDF recommendation report: render it, and keep it in a ``Report`` row.

Rendering: the workload's charts (``charts.workload_charts``) are exported to SVG
by one Chromium for all of them (``figures``), embedded as ``data:`` images so
they stay vector, and ``templates/reports/report.html`` (context: ``document``)
is turned into a PDF by WeasyPrint, which may fetch nothing but those URIs.

Caching, "per assessment": one ``Report`` row per assessment. An assessment is
immutable, so its PDF only goes stale when the simulation it should include
changes: the newest finished run of the same profile version, and whether its
volume sweep had landed. ``report_request`` compares both with what the row
holds and queues a fresh render when they differ, so a newer simulation is
never hidden behind an old PDF. A failed render stays failed (with its error)
until someone asks again (``report_retry``), so a broken renderer is not
retried on every page view.

Only a POST asks (``report_request``, throttled per user by the views); a GET
reads (``report_current``) and never creates a row or sends work. Beat sends
again a render whose worker or message was lost (``reports_requeue_stale``).

Rendering runs in a Celery task enqueued on commit; without a broker the task
runs in-process before ``report_request`` returns.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from advisor.charts import workload_charts
from advisor.audit import audit_record
from advisor.background import TRANSIENT_DB_ERRORS
from advisor.models import Assessment, Report, SimulationRun
from advisor.queueing import enqueue_or_note
from advisor.selectors import simulation_for_assessment
from advisor.reports.document import report_context
from advisor.reports.figures import figures_export, figures_to_svg  # noqa: F401 (part of the API)

log = logging.getLogger(__name__)
BROKER_DOWN_NOTE = "Queued: the task queue is unreachable right now; the report starts when it is back."
MAX_ATTEMPTS = 3
RETRY_AFTER_S = 2


# --- the document ----------------------------------------------------------------

@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    figures_seconds: float
    pdf_seconds: float
    warm_browser: bool


def report_render(*, assessment: Assessment, simulation: SimulationRun | None = None) -> bytes:
    """The PDF of an assessment, with a finished simulation of the same workload if given."""
    return report_build(assessment=assessment, simulation=simulation).pdf


def report_build(*, assessment: Assessment, simulation: SimulationRun | None = None) -> RenderedReport:
    """``report_render`` with its timings: figure export and HTML to PDF."""
    started = time.perf_counter()
    charts = workload_charts(assessment.result, simulation.result if simulation else None,
                             sweep=simulation.sweep if simulation else None)
    svgs, warm = figures_export(charts)
    exported = time.perf_counter()
    html = render_to_string("reports/report.html", report_context(
        assessment=assessment, simulation=simulation, charts=charts, svgs=svgs))
    pdf = html_to_pdf(html)
    return RenderedReport(pdf=pdf, figures_seconds=exported - started,
                          pdf_seconds=time.perf_counter() - exported, warm_browser=warm)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Only the embedded charts: nothing a workload name could smuggle in is fetched.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def report_filename(assessment: Assessment) -> str:
    return f"{slugify(assessment.workload.name) or 'workload'}-assessment-{assessment.pk}.pdf"


# --- the cached rows -------------------------------------------------------------

def report_current(*, assessment: Assessment) -> Report | None:
    """The assessment's report row (any status) if it includes the simulation it should; None
    when there is none yet or a newer simulation made it stale. Reads only: a GET's answer."""
    report = (Report.objects.defer("pdf").select_related("assessment__workload")
              .filter(assessment=assessment).first())
    if report is None or not _is_current(report, _wanted(assessment)):
        return None
    return report


def _wanted(assessment: Assessment) -> dict[str, Any]:
    """What the assessment's report must include: its simulation, and whether with the sweep."""
    simulation = simulation_for_assessment(assessment=assessment)
    return {"simulation": simulation, "with_sweep": bool(simulation and simulation.sweep)}


def _is_current(report: Report, wanted: dict[str, Any]) -> bool:
    simulation = wanted["simulation"]
    return (report.simulation_id, report.with_sweep) == (simulation.pk if simulation else None,
                                                         wanted["with_sweep"])


def report_request(*, assessment: Assessment, user: AbstractBaseUser | None = None,
                   retry: bool = False) -> Report:
    """The assessment's report row, queueing a render when there is none or it is stale.

    Without a broker the render has run by the time this returns.
    """
    wanted = _wanted(assessment)
    with transaction.atomic():
        report, created = Report.objects.get_or_create(
            assessment=assessment, defaults={**wanted, "requested_by": user})
        report = Report.objects.select_for_update().defer("pdf").get(pk=report.pk)
        if created or _refresh(report, wanted=wanted, retry=retry, user=user):
            audit_record(actor=user, team=assessment.workload.team, action="report.request",
                         target=assessment, details={"retry": retry})
            transaction.on_commit(lambda: report_enqueue(report_id=report.pk))
    return Report.objects.select_related("assessment__workload").get(pk=report.pk)


def _refresh(report: Report, *, wanted: dict[str, Any], retry: bool,
             user: AbstractBaseUser | None) -> bool:
    """Reset the row if it is stale (or failed, on a retry); True when a render must be sent."""
    if not _is_current(report, wanted):
        _reset(report, requested_by=user, **wanted)
        return True
    if retry and report.status == Report.Status.FAILED:
        _reset(report, requested_by=user)
        return True
    return _requeue_if_stalled(report)


def _requeue_if_stalled(report: Report) -> bool:
    """Queue again a render whose worker died or whose message never left; True if it was."""
    if report.status not in (Report.Status.QUEUED, Report.Status.RUNNING) or not _stalled(report):
        return False
    report.status = Report.Status.QUEUED
    report.save(update_fields=["status", "updated_at"])  # not again at beat's next tick
    return True


def _stalled(report: Report) -> bool:
    """Queued while the broker was down, or unfinished for REPORT_STALE_AFTER_S (past the
    task's hard time limit: its worker died, or its message was lost)."""
    if report.note == BROKER_DOWN_NOTE:
        return True
    since = report.started_at if report.status == Report.Status.RUNNING else report.updated_at
    limit = timedelta(seconds=settings.REPORT_STALE_AFTER_S)
    return since is None or since < timezone.now() - limit


def reports_requeue_stale() -> int:
    """Send again the renders ``_stalled`` finds (run by beat, since a GET sends nothing)."""
    sent = 0
    for pk in Report.objects.filter(status__in=(Report.Status.QUEUED, Report.Status.RUNNING)).values_list(
            "pk", flat=True):
        with transaction.atomic():
            report = Report.objects.select_for_update().defer("pdf").filter(pk=pk).first()
            if report is None or not _requeue_if_stalled(report):
                continue
        sent += report_enqueue(report_id=pk)
    return sent


def _reset(report: Report, **fields: Any) -> None:
    for name, value in {"status": Report.Status.QUEUED, "pdf": None, "error": "", "note": "",
                        "attempts": 0, "started_at": None, "finished_at": None,
                        "figures_seconds": None, "pdf_seconds": None, **fields}.items():
        setattr(report, name, value)
    report.save()


def report_retry(*, assessment: Assessment, user: AbstractBaseUser | None = None) -> Report:
    """Render a failed report again, because a person asked; otherwise as ``report_request``."""
    return report_request(assessment=assessment, user=user, retry=True)


def report_enqueue(*, report_id: int) -> bool:
    """Send the render to a worker; False, and a note on the row, if the broker is unreachable."""
    from advisor.tasks import report_render_task

    return enqueue_or_note(
        send=lambda: report_render_task.apply_async(kwargs={"report_id": report_id}, retry=False),
        row=Report.objects.filter(pk=report_id), queued_status=Report.Status.QUEUED, note=BROKER_DOWN_NOTE)


def report_compute(*, report_id: int, retried: bool = False) -> None:
    """Render a queued report and store it (the task body). Safe to deliver twice.

    ``retried``: Celery's retry after a transient database error, which takes the render back
    from its own earlier try without spending an attempt."""
    claimed = _claim(report_id, retried=retried)
    if claimed is None:
        return
    report, key = claimed
    try:
        rendered = report_build(assessment=report.assessment, simulation=report.simulation)
    except TRANSIENT_DB_ERRORS:
        raise  # the database went away mid-render: the task retries
    except Exception as exc:  # rendering is deterministic: say why, let a person retry
        log.exception("report %s failed", report_id)
        _finish(report_id, key, status=Report.Status.FAILED, error=_readable(exc))
        return
    _finish(report_id, key, status=Report.Status.READY, pdf=rendered.pdf,
            figures_seconds=rendered.figures_seconds, pdf_seconds=rendered.pdf_seconds)


def _claim(report_id: int, *, retried: bool = False) -> tuple[Report, tuple] | None:
    with transaction.atomic():
        report = (Report.objects.select_for_update(of=("self",))
                  .select_related("assessment__workload__team", "simulation")
                  .filter(pk=report_id).first())
        if report is None or report.status in (Report.Status.READY, Report.Status.FAILED):
            return None
        if retried and report.status == Report.Status.RUNNING:
            report.started_at = timezone.now()
            report.save(update_fields=["started_at", "updated_at"])
            return report, (report.simulation_id, report.with_sweep)
        if report.status == Report.Status.RUNNING and not _stalled(report):
            return None  # another worker is on it
        if report.attempts >= MAX_ATTEMPTS:
            report.status, report.finished_at = Report.Status.FAILED, timezone.now()
            report.error = f"Rendering was attempted {report.attempts} times without finishing."
            report.save()
            return None
        report.status, report.started_at, report.note = Report.Status.RUNNING, timezone.now(), ""
        report.attempts += 1
        report.save()
    return report, (report.simulation_id, report.with_sweep)


def _finish(report_id: int, key: tuple, **fields: Any) -> None:
    """Store the outcome, unless the row was reset for another simulation meanwhile."""
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status != Report.Status.RUNNING or (report.simulation_id, report.with_sweep) != key:
            return
        for name, value in fields.items():
            setattr(report, name, value)
        report.finished_at = timezone.now()
        report.save()


def _readable(exc: Exception) -> str:
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, (SoftTimeLimitExceeded, TimeoutError)):
        return f"Rendering took longer than {settings.REPORT_RENDER_SOFT_LIMIT_S} s and was stopped."
    return f"{type(exc).__name__}: {exc}"[:2000]
