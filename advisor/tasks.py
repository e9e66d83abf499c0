"""Celery tasks: thin adapters that take ids and call one service."""
from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError, connections


class DatabaseRetryTask(Task):
    """Every task here: a transient database error (PostgreSQL restarting, a connection cut) sends
    the task again with exponential backoff, instead of acknowledging it as done and leaving the
    work to beat's stale rules minutes later. The services let those errors through for this."""

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = settings.TASK_RETRY_BACKOFF_S
    retry_backoff_max = settings.TASK_RETRY_BACKOFF_MAX_S
    max_retries = settings.TASK_MAX_RETRIES
    retry_jitter = True  # 103 chunks failing together must not all come back in the same second

    def on_retry(self, exc, task_id, args, kwargs, einfo) -> None:
        # The failed connection is useless now; the retry opens a fresh one. In-process (eager)
        # the caller's connection and transaction are not ours to close.
        if not self.request.is_eager:
            connections.close_all()


@shared_task(name="advisor.assessment_run", base=DatabaseRetryTask)
def assessment_run_task(*, workload_id: int) -> int:
    """Re-assess a stored workload, e.g. after the rule set changed. Returns the assessment id."""
    from advisor.models import Workload
    from advisor.services import assessment_run

    workload = Workload.objects.get(pk=workload_id)
    return assessment_run(workload=workload, created_by=None).pk


@shared_task(name="advisor.simulation_chunk", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.SIMULATION_CHUNK_SOFT_LIMIT_S,
             time_limit=settings.SIMULATION_CHUNK_HARD_LIMIT_S, base=DatabaseRetryTask, bind=True)
def simulation_chunk_task(self, *, run_id: int, chunk: int) -> None:
    """One chunk of a simulation run. Idempotent: a redelivery finds the chunk done and stops."""
    from advisor.simulations import simulation_chunk_compute

    simulation_chunk_compute(run_id=run_id, chunk=chunk, retried=self.request.retries > 0)


@shared_task(name="advisor.simulation_sweep", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.SIMULATION_CHUNK_SOFT_LIMIT_S,
             time_limit=settings.SIMULATION_CHUNK_HARD_LIMIT_S, base=DatabaseRetryTask)
def simulation_sweep_task(*, run_id: int) -> None:
    """Cost bands across request rates once a run is merged. Idempotent."""
    from advisor.simulations import simulation_sweep_compute

    simulation_sweep_compute(run_id=run_id)


@shared_task(name="advisor.simulations_requeue_stale", base=DatabaseRetryTask)
def simulations_requeue_stale_task() -> int:
    from advisor.simulations import simulation_requeue_stale

    return simulation_requeue_stale()


@shared_task(name="advisor.report_render", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.REPORT_RENDER_SOFT_LIMIT_S,
             time_limit=settings.REPORT_RENDER_HARD_LIMIT_S, base=DatabaseRetryTask, bind=True)
def report_render_task(self, *, report_id: int) -> None:
    """Render and store the PDF of a report row. Idempotent: a finished row is left alone."""
    from advisor.reports import report_compute

    report_compute(report_id=report_id, retried=self.request.retries > 0)


@shared_task(name="advisor.portfolio_import", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.IMPORT_SOFT_LIMIT_S, time_limit=settings.IMPORT_HARD_LIMIT_S,
             base=DatabaseRetryTask, bind=True)
def portfolio_import_task(self, *, import_id: int) -> None:
    """Assess and store the valid rows of an import. Idempotent: a finished import is left alone."""
    from advisor.imports import portfolio_import_run

    portfolio_import_run(import_id=import_id, retried=self.request.retries > 0)


@shared_task(name="advisor.portfolio_imports_requeue_stale", base=DatabaseRetryTask)
def portfolio_imports_requeue_stale_task() -> int:
    from advisor.imports import portfolio_imports_requeue_stale

    return portfolio_imports_requeue_stale()


@shared_task(name="advisor.reports_requeue_stale", base=DatabaseRetryTask)
def reports_requeue_stale_task() -> int:
    from advisor.reports import reports_requeue_stale

    return reports_requeue_stale()


@shared_task(name="advisor.idempotency_keys_purge", base=DatabaseRetryTask)
def idempotency_keys_purge_task() -> int:
    from advisor.services import idempotency_keys_purge

    return idempotency_keys_purge()
