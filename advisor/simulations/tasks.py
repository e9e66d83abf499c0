"""Celery tasks of simulations: thin adapters that take ids and call one service."""

from celery import shared_task
from django.conf import settings

from advisor.jobs import DatabaseRetryTask


@shared_task(
    name="advisor.simulation_chunk",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.SIMULATION_CHUNK_SOFT_LIMIT_S,
    time_limit=settings.SIMULATION_CHUNK_HARD_LIMIT_S,
    base=DatabaseRetryTask,
    bind=True,
    job_model="advisor.SimulationRun",
    job_kwarg="run_id",
)
def simulation_chunk_task(self, *, run_id: int, chunk: int) -> None:
    """One chunk of a simulation run. Idempotent: a redelivery finds the chunk done and stops."""
    from advisor.simulations.services import simulation_chunk_compute

    simulation_chunk_compute(run_id=run_id, chunk=chunk, retried=self.request.retries > 0)


@shared_task(
    name="advisor.simulation_sweep",
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.SIMULATION_CHUNK_SOFT_LIMIT_S,
    time_limit=settings.SIMULATION_CHUNK_HARD_LIMIT_S,
    base=DatabaseRetryTask,
    job_model="advisor.SimulationRun",
    job_kwarg="run_id",
)
def simulation_sweep_task(*, run_id: int) -> None:
    """Cost bands across request rates once a run is merged. Idempotent."""
    from advisor.simulations.services import simulation_sweep_compute

    simulation_sweep_compute(run_id=run_id)


@shared_task(name="advisor.simulations_requeue_stale", base=DatabaseRetryTask)
def simulations_requeue_stale_task() -> int:
    from advisor.simulations.services import simulation_requeue_stale

    return simulation_requeue_stale()
