"""Use cases of simulation runs: request, compute a chunk, cancel, re-enqueue stale work.

A run is cut into chunks (``placement.simulation.chunk_count``). Each chunk is a
Celery task that takes ids only and may run on any worker, more than once:
computing a chunk is idempotent, storing it and merging the run happen under a
row lock, so a redelivered task neither duplicates nor corrupts a result.
"""
from __future__ import annotations

import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from advisor.audit import audit_record
from advisor.queueing import BROKER_ERRORS, enqueue_or_note
from advisor.models import Assessment, SimulationChunk, SimulationRun, Workload
from advisor.selectors import team_can_write
from placement import parse_profile, simulation
from placement.pricing import catalog_by_version, load_catalog

log = logging.getLogger(__name__)
BROKER_DOWN_NOTE = ("Queued: the task queue is unreachable right now. The run starts by itself "
                    "when it is back; nothing is lost.")
MAX_SEED = 2**31 - 1
# The volume sweep simulates 13 rates; fewer paths each keep it to a couple of seconds.
SWEEP_PATHS = 100


class SimulationInputError(ValueError):
    """Bad run parameters, keyed by field name like a ProfileError."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


def simulation_request(*, user: AbstractBaseUser, workload: Workload, paths: int = 1000,
                       seed: int | None = None, days: int = 30) -> SimulationRun:
    """Create a run of the workload's current profile and enqueue its chunks once committed."""
    if not team_can_write(user=user, team=workload.team):
        raise PermissionDenied("Only owners and members of this team may start simulations.")
    seed = secrets.randbelow(MAX_SEED) if seed is None else seed
    _check_parameters(paths=paths, seed=seed, days=days)
    profile = parse_profile(workload.profile)
    with transaction.atomic():
        run = SimulationRun.objects.create(
            workload=workload, requested_by=user, profile=profile.to_dict(),
            profile_version=workload.version, seed=seed, paths=paths, days=days,
            engine_version=simulation.ENGINE_VERSION, catalog_version=load_catalog(profile.region).version,
            chunks_total=simulation.chunk_count(paths))
        SimulationChunk.objects.bulk_create(
            SimulationChunk(run=run, index=i) for i in range(run.chunks_total))
        audit_record(actor=user, team=workload.team, action="simulation.request", target=run,
                     details={"workload": workload.name, "paths": paths, "seed": seed, "days": days})
        transaction.on_commit(lambda: simulation_enqueue(run_id=run.pk))
    run.refresh_from_db()
    return run


def _check_parameters(*, paths: int, seed: int, days: int) -> None:
    errors = {}
    for name, value, low, high in (("paths", paths, 1, simulation.engine.MAX_PATHS),
                                   ("seed", seed, 0, MAX_SEED), ("days", days, 1, 31)):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [f"Must be a whole number from {low:,} to {high:,}."]
    if errors:
        raise SimulationInputError(errors)


def simulation_enqueue(*, run_id: int, indices: list[int] | None = None) -> bool:
    """Send the unfinished chunks of a run to the workers. False if the broker is unreachable.

    Without a broker configured, tasks run in-process, one chunk after another.
    """
    from advisor.tasks import simulation_chunk_task

    run = SimulationRun.objects.get(pk=run_id)
    if run.finished:
        return True
    pending = indices if indices is not None else list(
        run.chunks.exclude(status=SimulationChunk.Status.DONE).values_list("index", flat=True))
    def send() -> None:
        for index in pending:
            simulation_chunk_task.apply_async(kwargs={"run_id": run_id, "chunk": index}, retry=False)
    return enqueue_or_note(send=send, row=SimulationRun.objects.filter(pk=run_id),
                           queued_status=SimulationRun.Status.QUEUED, note=BROKER_DOWN_NOTE)


def simulation_chunk_compute(*, run_id: int, chunk: int) -> None:
    """Compute one chunk (the task body). Safe to call again for the same chunk."""
    if not _chunk_claim(run_id=run_id, chunk=chunk):
        return
    run = SimulationRun.objects.get(pk=run_id)
    try:
        result = simulation.simulate_chunk(parse_profile(run.profile), catalog_by_version(run.catalog_version),
                                           chunk=chunk, paths=run.paths, seed=run.seed, days=run.days)
    except Exception as exc:  # deterministic: a retry would fail the same way
        log.exception("simulation %s chunk %s failed", run_id, chunk)
        _fail(run_id, f"Chunk {chunk} failed: {exc}")
        return
    _chunk_store(run_id=run_id, chunk=chunk, result=result.to_dict())


def _chunk_claim(*, run_id: int, chunk: int) -> bool:
    """Count an attempt; False when there is nothing (more) to do for this chunk."""
    with transaction.atomic():
        row = (SimulationChunk.objects.select_for_update().select_related("run")
               .filter(run_id=run_id, index=chunk).first())
        if row is None or row.status == SimulationChunk.Status.DONE or row.run.finished:
            return False
        if row.attempts >= settings.SIMULATION_MAX_ATTEMPTS:
            _fail(run_id, f"Chunk {chunk} was attempted {row.attempts} times without finishing.")
            return False
        row.attempts += 1
        row.status = SimulationChunk.Status.RUNNING
        row.save(update_fields=["attempts", "status", "updated_at"])
        SimulationRun.objects.filter(pk=run_id, status=SimulationRun.Status.QUEUED).update(
            status=SimulationRun.Status.RUNNING, started_at=timezone.now(), note="")
    return True


def _chunk_store(*, run_id: int, chunk: int, result: dict) -> None:
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        row = SimulationChunk.objects.select_for_update().get(run=run, index=chunk)
        if row.status == SimulationChunk.Status.DONE or run.finished:
            return  # a twin delivery got here first, or the run was cancelled
        row.status, row.result = SimulationChunk.Status.DONE, result
        row.save(update_fields=["status", "result", "updated_at"])
        run.chunks_done = run.chunks.filter(status=SimulationChunk.Status.DONE).count()
        if run.chunks_done == run.chunks_total:
            _merge(run)
            transaction.on_commit(lambda: _enqueue_sweep(run_id))
        run.save()


def _enqueue_sweep(run_id: int) -> None:
    from advisor.tasks import simulation_sweep_task

    try:
        simulation_sweep_task.apply_async(kwargs={"run_id": run_id}, retry=False)
    except BROKER_ERRORS:
        log.warning("sweep of simulation %s waits for the broker", run_id)  # beat sends it later


def simulation_sweep_compute(*, run_id: int) -> None:
    """Cost bands across request rates for a finished run (the task body). Idempotent."""
    run = SimulationRun.objects.get(pk=run_id)
    if run.status != SimulationRun.Status.SUCCEEDED or run.sweep is not None:
        return
    result = simulation.sweep(parse_profile(run.profile), catalog_by_version(run.catalog_version),
                              paths=min(SWEEP_PATHS, run.paths), seed=run.seed, days=run.days)
    SimulationRun.objects.filter(pk=run_id, sweep__isnull=True).update(sweep=result.to_dict())


def simulation_findings(*, run: SimulationRun | None, advice: dict | None = None) -> list[dict]:
    """What a finished run found about the advice (throttles, cold starts, minutes below demand,
    the p90 month), as JSON-safe dicts, warnings first.

    Computed when read from the stored result rather than stored with it: runs finished
    before findings existed show them too, and they follow the assessment on screen.
    Without ``advice``, the newest assessment of the run's profile version is used.
    """
    if run is None or not run.result:
        return []
    if advice is None:
        advice = (Assessment.objects.filter(workload_id=run.workload_id, profile_version=run.profile_version)
                  .order_by("-created_at", "-id").values_list("result", flat=True).first())
    return [f.to_dict() for f in simulation.findings(run.result, advice)]


def _merge(run: SimulationRun) -> None:
    chunks = [simulation.ChunkResult.from_dict(c.result) for c in run.chunks.order_by("index")]
    run.result = simulation.merge(chunks).to_dict()
    run.status, run.finished_at = SimulationRun.Status.SUCCEEDED, timezone.now()
    # The per-path chunk data served its purpose; the merged result keeps the distributions.
    run.chunks.update(result=None)


def _fail(run_id: int, message: str) -> None:
    SimulationRun.objects.filter(pk=run_id).exclude(status__in=SimulationRun.FINISHED).update(
        status=SimulationRun.Status.FAILED, error=message, finished_at=timezone.now())


def simulation_cancel(*, user: AbstractBaseUser, run: SimulationRun) -> SimulationRun:
    if not team_can_write(user=user, team=run.workload.team):
        raise PermissionDenied("Only owners and members of this team may cancel simulations.")
    with transaction.atomic():
        cancelled = SimulationRun.objects.filter(pk=run.pk).exclude(status__in=SimulationRun.FINISHED).update(
            status=SimulationRun.Status.CANCELLED, finished_at=timezone.now(), note="Cancelled.")
        if cancelled:
            audit_record(actor=user, team=run.workload.team, action="simulation.cancel", target=run,
                         details={"workload": run.workload.name})
    run.refresh_from_db()
    return run


def simulation_requeue_stale() -> int:
    """Re-enqueue chunks nobody finished in time (a lost worker, a broker that was down).

    Run periodically by beat. Returns how many chunks were sent again.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.SIMULATION_STALE_AFTER_S)
    sent = 0
    for run in SimulationRun.objects.exclude(status__in=SimulationRun.FINISHED):
        stale = run.chunks.exclude(status=SimulationChunk.Status.DONE)
        if run.note != BROKER_DOWN_NOTE:
            stale = stale.filter(updated_at__lt=cutoff)
        indices = list(stale.values_list("index", flat=True))
        if indices and simulation_enqueue(run_id=run.pk, indices=indices):
            stale.update(updated_at=timezone.now())
            sent += len(indices)
    for run_id in SimulationRun.objects.filter(status=SimulationRun.Status.SUCCEEDED, sweep__isnull=True,
                                               finished_at__lt=cutoff).values_list("pk", flat=True):
        _enqueue_sweep(run_id)
    return sent
