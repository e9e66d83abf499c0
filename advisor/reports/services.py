"""The PDF recommendation report: render it, and keep it in a ``Report`` row.

Rendering: the workload's charts (``charts.workload_charts``) are exported to SVG
by one Chromium for all of them (``figures``), embedded as ``data:`` images so
they stay vector, and ``advisor/reports/templates/reports/report.html`` (context: ``document``)
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

Rendering runs in a Celery task sent on commit (``advisor.jobs``); without a broker
it runs in this process, beside the request (or, with ``BACKGROUND_IN_PROCESS=eager``,
before ``report_request`` returns).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.text import slugify

from advisor.accounts.audit import audit_record
from advisor.jobs import (
    TRANSIENT_DB_ERRORS,
    job_claim,
    job_fail,
    job_finish,
    job_requeue,
    job_requeue_stale,
    job_silent,
    reason_words,
    send,
    send_on_commit,
)
from advisor.models import Assessment, JobReason, Report, SimulationRun
from advisor.presentation.charts import workload_charts
from advisor.reports.document import report_context
from advisor.reports.figures import browser_start, figures_export, figures_to_svg  # noqa: F401 (part of the API)
from advisor.simulations.selectors import simulation_for_assessment

log = logging.getLogger(__name__)
RENDER_TASK = "advisor.report_render"
RETRY_AFTER_S = 2
_first_report_begun = False  # from then on a warm-up (report_warm_up) would only compete with them


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
    global _first_report_begun
    _first_report_begun = True
    started = time.perf_counter()
    browser_start()  # Chromium opens while the figures are built (a worker's is open already)
    charts = workload_charts(
        assessment.result,
        simulation.result if simulation else None,
        sweep=simulation.sweep if simulation else None,
    )
    svgs, warm = figures_export(charts)
    exported = time.perf_counter()
    html = render_to_string(
        "reports/report.html",
        report_context(assessment=assessment, simulation=simulation, charts=charts, svgs=svgs),
    )
    pdf = html_to_pdf(html)
    return RenderedReport(
        pdf=pdf,
        figures_seconds=exported - started,
        pdf_seconds=time.perf_counter() - exported,
        warm_browser=warm,
    )


def report_warm_up() -> None:
    """Pay a process's first-report costs ahead: WeasyPrint imported and its first layout done
    (about 0.9 s), the report template compiled, plotly's figure code loaded (about 0.3 s).
    Called beside the worker's start; gives way to a report that has begun meanwhile (one
    waiting when the worker started)."""
    from django.template.loader import get_template

    from placement import advise, parse_profile
    from placement.presets import PRESETS

    if not _first_report_begun:
        html_to_pdf("<p>Warm-up</p>")
    if not _first_report_begun:
        get_template("reports/report.html")
    if not _first_report_begun:
        workload_charts(advise(parse_profile(PRESETS["rag_chatbot"].profile)).to_dict())


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Only the embedded charts: nothing a workload name could smuggle in is fetched.
    return HTML(string=html, url_fetcher=URLFetcher(allowed_protocols={"data"})).write_pdf()


def report_filename(assessment: Assessment) -> str:
    return f"{slugify(assessment.workload.name) or 'workload'}-assessment-{assessment.number}.pdf"


# --- the cached rows -------------------------------------------------------------


def report_current(*, assessment: Assessment) -> Report | None:
    """The assessment's report row (any status) if it includes the simulation it should; None
    when there is none yet or a newer simulation made it stale. Reads only: a GET's answer."""
    report = (
        Report.objects.defer("pdf")
        .select_related("assessment__workload")
        .filter(assessment=assessment)
        .first()
    )
    if report is None or not _is_current(report, _wanted(assessment)):
        return None
    return report


def _wanted(assessment: Assessment) -> dict[str, Any]:
    """What the assessment's report must include: its simulation, and whether with the sweep."""
    simulation = simulation_for_assessment(assessment=assessment)
    return {"simulation": simulation, "with_sweep": bool(simulation and simulation.sweep)}


def _is_current(report: Report, wanted: dict[str, Any]) -> bool:
    simulation = wanted["simulation"]
    if report.simulation_id != (simulation.pk if simulation else None):
        return False
    # A render still queued takes the run's sweep as it stands when a worker claims it (``_claim``):
    # the sweep landing meanwhile (it is computed just after the run) makes it no less current.
    return report.status == Report.Status.QUEUED or report.with_sweep == wanted["with_sweep"]


def report_request(*, assessment: Assessment, user: User | None = None, retry: bool = False) -> Report:
    """The assessment's report row, queueing a render when there is none or it is stale.

    With ``BACKGROUND_IN_PROCESS=eager`` (no broker) the render has run by the time this returns.
    """
    wanted = _wanted(assessment)
    with transaction.atomic():
        report, created = Report.objects.get_or_create(
            assessment=assessment, defaults={**wanted, "requested_by": user}
        )
        report = Report.objects.select_for_update().defer("pdf").get(pk=report.pk)
        # "again, after a render that failed" only when one had: the page's button always retries.
        after_failure = not created and report.status == Report.Status.FAILED
        if created or _refresh(report, wanted=wanted, retry=retry, user=user):
            audit_record(
                actor=user,
                team=assessment.workload.team,
                action="report.request",
                target=assessment,
                details={"retry": retry and after_failure},
            )
            send_on_commit(RENDER_TASK, report_id=report.pk)
    return Report.objects.select_related("assessment__workload").get(pk=report.pk)


def _refresh(report: Report, *, wanted: dict[str, Any], retry: bool, user: User | None) -> bool:
    """Reset the row if it is stale (or failed, on a retry); True when a render must be sent."""
    if not _is_current(report, wanted):
        _reset(report, requested_by=user, **wanted)
        return True
    if retry and report.status == Report.Status.FAILED:
        _reset(report, requested_by=user)
        return True
    # A render whose worker died or whose message never left (past REPORT_STALE_AFTER_S, above
    # the task's hard time limit), or queued while the broker was down: queued again.
    return job_requeue(report)


def reports_requeue_stale() -> int:
    """Send again the renders ``advisor.jobs.job_stale`` finds (run by beat, since a GET sends nothing)."""
    return job_requeue_stale(Report, send=lambda pk: report_enqueue(report_id=pk))


def _reset(report: Report, **fields: Any) -> None:
    for name, value in {
        "status": Report.Status.QUEUED,
        "pdf": None,
        "error": "",
        "reason": JobReason.NONE,
        "attempts": 0,
        "started_at": None,
        "finished_at": None,
        "figures_seconds": None,
        "pdf_seconds": None,
        **fields,
    }.items():
        setattr(report, name, value)
    report.save()


def report_retry(*, assessment: Assessment, user: User | None = None) -> Report:
    """Render a failed report again, because a person asked; otherwise as ``report_request``."""
    return report_request(assessment=assessment, user=user, retry=True)


def report_enqueue(*, report_id: int) -> bool:
    """Send the render to a worker; False (the row then says broker_unreachable) if the broker is down."""
    return send(RENDER_TASK, report_id=report_id)


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
        _finish(report_id, key, status=Report.Status.FAILED, **_failure(exc))
        return
    _finish(
        report_id,
        key,
        status=Report.Status.READY,
        pdf=rendered.pdf,
        figures_seconds=rendered.figures_seconds,
        pdf_seconds=rendered.pdf_seconds,
    )


def _claim(report_id: int, *, retried: bool = False) -> tuple[Report, tuple] | None:
    """``advisor.jobs.job_claim`` of the render; the key is what it renders, to check on finishing.
    A running render is another worker's until it goes silent past REPORT_STALE_AFTER_S."""

    def give_up(report: Report) -> None:
        job_fail(
            Report.objects.filter(pk=report.pk),
            reason=JobReason.ATTEMPTS_EXHAUSTED,
            error=reason_words(JobReason.ATTEMPTS_EXHAUSTED, what="Rendering", attempts=report.attempts),
        )

    def started(report: Report) -> None:
        # What this render includes: the run's sweep if it has landed by now.
        report.with_sweep = bool(report.simulation and report.simulation.sweep is not None)
        report.save(update_fields=["with_sweep"])

    rows = Report.objects.select_related("assessment__workload__team", "simulation").filter(pk=report_id)
    report = job_claim(
        rows, retried=retried, busy=lambda report: not job_silent(report), give_up=give_up, started=started
    )
    return None if report is None else (report, (report.simulation_id, report.with_sweep))


def _finish(report_id: int, key: tuple, **fields: Any) -> None:
    """Store the outcome, unless the row was reset for another simulation meanwhile."""
    job_finish(
        Report.objects.filter(pk=report_id),
        still=lambda report: (report.simulation_id, report.with_sweep) == key,
        **fields,
    )


def _failure(exc: Exception) -> dict[str, str]:
    """The reason and words of a failed render."""
    from celery.exceptions import SoftTimeLimitExceeded

    if isinstance(exc, (SoftTimeLimitExceeded, TimeoutError)):
        return {
            "reason": JobReason.TIMED_OUT,
            "error": reason_words(
                JobReason.TIMED_OUT, what="Rendering", limit_s=settings.REPORT_RENDER_SOFT_LIMIT_S
            ),
        }
    return {"reason": JobReason.ERROR, "error": f"{type(exc).__name__}: {exc}"[:2000]}
