"""Celery tasks of portfolio: thin adapters that take ids and call one service."""

from celery import shared_task
from django.conf import settings

from advisor.jobs import DatabaseRetryTask


@shared_task(
    name="advisor.portfolio_import_chunk",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.IMPORT_SOFT_LIMIT_S,
    time_limit=settings.IMPORT_HARD_LIMIT_S,
    base=DatabaseRetryTask,
    bind=True,
    job_model="advisor.PortfolioImport",
    job_kwarg="import_id",
)
def portfolio_import_chunk_task(self, *, import_id: int, chunk: int) -> None:
    """Assess and stage one chunk of an import. Idempotent: a staged chunk is left alone."""
    from advisor.portfolio.imports import portfolio_import_chunk_run

    portfolio_import_chunk_run(import_id=import_id, chunk=chunk, retried=self.request.retries > 0)


@shared_task(
    name="advisor.portfolio_import",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.IMPORT_SOFT_LIMIT_S,
    time_limit=settings.IMPORT_HARD_LIMIT_S,
    base=DatabaseRetryTask,
    bind=True,
    job_model="advisor.PortfolioImport",
    job_kwarg="import_id",
)
def portfolio_import_task(self, *, import_id: int) -> None:
    """Publish the staged rows of an import in one transaction. Idempotent: a finished import is left alone."""
    from advisor.portfolio.imports import portfolio_import_run

    portfolio_import_run(import_id=import_id, retried=self.request.retries > 0)


@shared_task(name="advisor.portfolio_imports_requeue_stale", base=DatabaseRetryTask)
def portfolio_imports_requeue_stale_task() -> int:
    from advisor.portfolio.imports import portfolio_imports_requeue_stale

    return portfolio_imports_requeue_stale()
