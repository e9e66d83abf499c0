"""Celery tasks of reports: thin adapters that take ids and call one service."""

from celery import shared_task
from django.conf import settings

from advisor.jobs import DatabaseRetryTask


@shared_task(
    name="advisor.report_render",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.REPORT_RENDER_SOFT_LIMIT_S,
    time_limit=settings.REPORT_RENDER_HARD_LIMIT_S,
    base=DatabaseRetryTask,
    bind=True,
    job_model="advisor.Report",
    job_kwarg="report_id",
)
def report_render_task(self, *, report_id: int) -> None:
    """Render and store the PDF of a report row. Idempotent: a finished row is left alone."""
    from advisor.reports.services import report_compute

    report_compute(report_id=report_id, retried=self.request.retries > 0)


@shared_task(name="advisor.reports_requeue_stale", base=DatabaseRetryTask)
def reports_requeue_stale_task() -> int:
    from advisor.reports.services import reports_requeue_stale

    return reports_requeue_stale()
