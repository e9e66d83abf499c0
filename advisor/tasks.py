"""Celery tasks: thin adapters that take ids and call one service."""
from celery import shared_task
from django.conf import settings


@shared_task(name="advisor.assessment_run")
def assessment_run_task(*, workload_id: int) -> int:
    """Re-assess a stored workload, e.g. after the rule set changed. Returns the assessment id."""
    from advisor.models import Workload
    from advisor.services import assessment_run

    workload = Workload.objects.get(pk=workload_id)
    return assessment_run(workload=workload, created_by=None).pk


@shared_task(name="advisor.simulation_chunk", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.SIMULATION_CHUNK_SOFT_LIMIT_S,
             time_limit=settings.SIMULATION_CHUNK_HARD_LIMIT_S)
def simulation_chunk_task(*, run_id: int, chunk: int) -> None:
    """One chunk of a simulation run. Idempotent: a redelivery finds the chunk done and stops."""
    from advisor.simulations import simulation_chunk_compute

    simulation_chunk_compute(run_id=run_id, chunk=chunk)


@shared_task(name="advisor.simulation_sweep", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.SIMULATION_CHUNK_SOFT_LIMIT_S,
             time_limit=settings.SIMULATION_CHUNK_HARD_LIMIT_S)
def simulation_sweep_task(*, run_id: int) -> None:
    """Cost bands across request rates once a run is merged. Idempotent."""
    from advisor.simulations import simulation_sweep_compute

    simulation_sweep_compute(run_id=run_id)


@shared_task(name="advisor.simulations_requeue_stale")
def simulations_requeue_stale_task() -> int:
    from advisor.simulations import simulation_requeue_stale

    return simulation_requeue_stale()


@shared_task(name="advisor.report_render", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.REPORT_RENDER_SOFT_LIMIT_S,
             time_limit=settings.REPORT_RENDER_HARD_LIMIT_S)
def report_render_task(*, report_id: int) -> None:
    """Render and store the PDF of a report row. Idempotent: a finished row is left alone."""
    from advisor.reports import report_compute

    report_compute(report_id=report_id)


@shared_task(name="advisor.portfolio_import", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.IMPORT_SOFT_LIMIT_S, time_limit=settings.IMPORT_HARD_LIMIT_S)
def portfolio_import_task(*, import_id: int) -> None:
    """Assess and store the valid rows of an import. Idempotent: a finished import is left alone."""
    from advisor.imports import portfolio_import_run

    portfolio_import_run(import_id=import_id)


@shared_task(name="advisor.portfolio_imports_requeue_stale")
def portfolio_imports_requeue_stale_task() -> int:
    from advisor.imports import portfolio_imports_requeue_stale

    return portfolio_imports_requeue_stale()
