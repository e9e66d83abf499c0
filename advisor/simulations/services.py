"""Use cases of simulation runs: request, compute a chunk, cancel, re-enqueue stale work.

A run is cut into chunks (``placement.simulation.chunk_count``). Each chunk is a
Celery task that takes ids only and may run on any worker, more than once:
computing a chunk is idempotent, storing it and merging the run happen under a
row lock, so a redelivered task neither duplicates nor corrupts a result.

Runs share the workers fairly: a team has at most ``SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM``
runs queued or running, and a run at most ``SIMULATION_CHUNKS_QUEUED_PER_RUN`` chunks in the
broker (its window); each chunk, once done, sends the run's next one. Runs thus take turns,
and a new run's first chunk waits behind a few chunks per run in flight, not thousands.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from advisor.accounts.audit import audit_record
from advisor.accounts.services import team_write_require
from advisor.jobs import job_claim, job_fail, reason_words, send, send_on_commit, stale_after_s, task_named
from advisor.models import Assessment, JobReason, SimulationChunk, SimulationRun, Team, Workload
from placement import parse_profile, simulation
from placement.pricing import catalog_by_version, pricing_catalog
from placement.wording import plural

log = logging.getLogger(__name__)
# advisor.simulations.tasks imports this module; the services send by task name, so no import circle.
CHUNK_TASK, SWEEP_TASK = "advisor.simulation_chunk", "advisor.simulation_sweep"
MAX_SEED = simulation.MAX_SEED
# The volume sweep simulates 13 rates; fewer paths each keep it to a couple of seconds.
SWEEP_PATHS = 100
# When to ask again after the team's cap: any run finishing or being cancelled frees a slot,
# which no estimate can time (it depends on the workers and other teams' runs), so a poll.
LIMIT_RETRY_AFTER_S = 30


class SimulationInputError(ValueError):
    """Bad run parameters, keyed by field name like a ProfileError."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))


class SimulationLimitError(Exception):
    """The team already has as many runs queued or running as it may; nothing was created."""

    retry_after = LIMIT_RETRY_AFTER_S

    def __init__(self, *, team: Team, limit: int, runs: list[SimulationRun]):
        self.team, self.limit, self.runs = team, limit, runs
        super().__init__(
            f"{team.name} already has {plural(len(runs), 'simulation run')} queued or running, the most "
            f"a team may have at once ({limit}). Wait for one to finish, or cancel one, "
            "to start another."
        )


def simulation_request(
    *,
    user: User,
    workload: Workload,
    paths: int = simulation.DEFAULT_PATHS,
    seed: int | None = None,
    days: int = simulation.DEFAULT_DAYS,
) -> SimulationRun:
    """Create a run of the workload's current profile and enqueue its chunks once committed."""
    team_write_require(user=user, team=workload.team, action="start simulations")
    seed = secrets.randbelow(MAX_SEED) if seed is None else seed
    _check_parameters(paths=paths, seed=seed, days=days)
    profile = parse_profile(workload.profile)
    with transaction.atomic():
        _team_slot_take(team_id=workload.team_id)
        run = SimulationRun.objects.create(
            workload=workload,
            requested_by=user,
            profile=profile.to_dict(),
            profile_version=workload.version,
            seed=seed,
            paths=paths,
            days=days,
            engine_version=simulation.ENGINE_VERSION,
            catalog_version=pricing_catalog(profile.region).version,
            chunks_total=simulation.chunk_count(paths),
        )
        SimulationChunk.objects.bulk_create(
            SimulationChunk(run=run, index=i) for i in range(run.chunks_total)
        )
        audit_record(
            actor=user,
            team=workload.team,
            action="simulation.request",
            target=run,
            details={"workload": workload.name, "paths": paths, "seed": seed, "days": days},
        )
        simulation_enqueue(run_id=run.pk, on_commit=True)
    run.refresh_from_db()
    return run


def _team_slot_take(*, team_id: int) -> None:
    """Refuse a run beyond the team's cap (SimulationLimitError).

    Locks the team's row until the caller's transaction ends, so two requests at once are
    counted one after the other and cannot both take the last slot.
    """
    team = Team.objects.select_for_update().get(pk=team_id)
    limit = settings.SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM
    in_flight = list(
        SimulationRun.objects.filter(workload__team=team)
        .exclude(status__in=SimulationRun.FINISHED)
        .select_related("workload")
        .defer("profile", "result", "sweep")
        .order_by("created_at", "id")
    )
    if len(in_flight) >= limit:
        raise SimulationLimitError(team=team, limit=limit, runs=in_flight)


def _check_parameters(*, paths: int, seed: int, days: int) -> None:
    errors = {}
    for name, value, low, high in (
        ("paths", paths, 1, simulation.MAX_PATHS),
        ("seed", seed, 0, simulation.MAX_SEED),
        ("days", days, 1, simulation.MAX_DAYS),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [f"Must be a whole number from {low:,} to {high:,}."]
    if errors:
        raise SimulationInputError(errors)


def simulation_enqueue(*, run_id: int, indices: list[int] | None = None, on_commit: bool = False) -> bool:
    """Send chunks of a run to the workers: ``indices``, else the run's next chunks up to its
    window. False if the broker is unreachable. ``on_commit``: once the caller's transaction
    commits (the run's creation), when a worker can see the run.

    Without a broker configured, tasks run in-process: every chunk, one after another.
    """
    if indices is None:
        indices = _chunks_release(run_id=run_id)
    if on_commit:
        for index in indices:
            send_on_commit(CHUNK_TASK, run_id=run_id, chunk=index)
        return True
    return _chunks_send(run_id=run_id, indices=indices)


def _in_process() -> bool:
    return task_named(CHUNK_TASK).app.conf.task_always_eager


def _chunks_release(*, run_id: int) -> list[int]:
    """Mark the run's next pending chunks queued, to fill its window, and return their indices.

    Under the run's row lock, so two releases at once (two chunks finishing, beat) never
    queue more than the window. In-process, every chunk is released at once: each would
    otherwise run the next from inside itself, one stack frame deeper per chunk.
    """
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().filter(pk=run_id).first()
        if run is None or run.finished:
            return []
        pending = run.chunks.filter(status=SimulationChunk.Status.PENDING).order_by("index")
        if not _in_process():
            room = (
                settings.SIMULATION_CHUNKS_QUEUED_PER_RUN
                - run.chunks.filter(status__in=SimulationChunk.SENT).count()
            )
            pending = pending[: max(room, 0)]
        indices = list(pending.values_list("index", flat=True))
        # update() skips auto_now; beat's staleness counts from the moment a chunk was queued.
        run.chunks.filter(index__in=indices).update(
            status=SimulationChunk.Status.QUEUED, updated_at=timezone.now()
        )
    return indices


def _chunks_send(*, run_id: int, indices: list[int]) -> bool:
    """Send the chunks; False at the first the broker refuses (the run then says broker_unreachable)."""
    if not indices or SimulationRun.objects.get(pk=run_id).finished:
        return True
    return all(send(CHUNK_TASK, run_id=run_id, chunk=index) for index in indices)


def simulation_chunk_compute(*, run_id: int, chunk: int, retried: bool = False) -> None:
    """Compute one chunk (the task body), then send the run's next. Safe to call again for the same chunk.

    ``retried``: Celery sent this task again after a transient database error, which is no
    fault of the chunk's, so it takes no attempt from the chunk's budget.
    """
    if _chunk_claim(run_id=run_id, chunk=chunk, count_attempt=not retried):
        _chunk_compute_and_store(run_id=run_id, chunk=chunk)
    if not _in_process():
        # The chunk left the run's window (done, failed, or a twin delivery): the next takes its place.
        simulation_enqueue(run_id=run_id)


def _chunk_compute_and_store(*, run_id: int, chunk: int) -> None:
    run = SimulationRun.objects.get(pk=run_id)
    try:
        result = simulation.simulate_chunk(
            parse_profile(run.profile),
            catalog_by_version(run.catalog_version),
            chunk=chunk,
            paths=run.paths,
            seed=run.seed,
            days=run.days,
        )
    except Exception as exc:  # deterministic: a retry would fail the same way
        log.exception("simulation %s chunk %s failed", run_id, chunk)
        _fail(run_id, JobReason.ERROR, f"Chunk {chunk} failed: {exc}")
        return
    _chunk_store(run_id=run_id, chunk=chunk, result=result.to_dict())


def _chunk_claim(*, run_id: int, chunk: int, count_attempt: bool = True) -> bool:
    """Count an attempt (unless told not to); False when there is nothing (more) to do for this chunk.

    The one claim of ``advisor.jobs``, on the chunk: a chunk out of attempts fails its run, and
    the run is running once its first chunk is (its ``attempts``: those of its most tried chunk).
    """

    def give_up(row: SimulationChunk) -> None:
        _fail(
            run_id,
            JobReason.ATTEMPTS_EXHAUSTED,
            reason_words(JobReason.ATTEMPTS_EXHAUSTED, what=f"Chunk {chunk}", attempts=row.attempts),
        )

    def started(row: SimulationChunk) -> None:
        SimulationRun.objects.filter(pk=run_id, status=SimulationRun.Status.QUEUED).update(
            status=SimulationRun.Status.RUNNING, started_at=timezone.now(), reason=JobReason.NONE
        )
        SimulationRun.objects.filter(pk=run_id, attempts__lt=row.attempts).update(attempts=row.attempts)

    rows = SimulationChunk.objects.select_related("run").filter(run_id=run_id, index=chunk)
    # The run's row too: a merge or a cancel of the run waits for the claim, as the claim for them.
    return (
        job_claim(rows, retried=not count_attempt, give_up=give_up, started=started, lock=("self", "run"))
        is not None
    )


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
            _enqueue_sweep(run_id)
        run.save()


def _enqueue_sweep(run_id: int) -> None:
    # Once the merge commits. A broker that is down loses nothing: beat sends it later.
    send_on_commit(SWEEP_TASK, run_id=run_id)


def simulation_sweep_compute(*, run_id: int) -> None:
    """Cost bands across request rates for a finished run (the task body). Idempotent."""
    run = SimulationRun.objects.get(pk=run_id)
    if run.status != SimulationRun.Status.SUCCEEDED or run.sweep is not None:
        return
    result = simulation.sweep(
        parse_profile(run.profile),
        catalog_by_version(run.catalog_version),
        paths=min(SWEEP_PATHS, run.paths),
        seed=run.seed,
        days=run.days,
    )
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
        advice = (
            Assessment.objects.filter(workload_id=run.workload_id, profile_version=run.profile_version)
            .order_by("-created_at", "-id")
            .values_list("result", flat=True)
            .first()
        )
    return [f.to_dict() for f in simulation.findings(run.result, advice)]


def _merge(run: SimulationRun) -> None:
    # Merged only once every chunk is done, and a done chunk has its result.
    chunks = [simulation.ChunkResult.from_dict(cast(dict, c.result)) for c in run.chunks.order_by("index")]
    run.result = simulation.merge(chunks).to_dict()
    run.status, run.finished_at = SimulationRun.Status.SUCCEEDED, timezone.now()
    # The per-path chunk data served its purpose; the merged result keeps the distributions.
    run.chunks.update(result=None)


def _fail(run_id: int, reason: str, message: str) -> None:
    job_fail(SimulationRun.objects.filter(pk=run_id), reason=reason, error=message)


def simulation_cancel(*, user: User, run: SimulationRun) -> SimulationRun:
    team_write_require(user=user, team=run.workload.team, action="cancel simulations")
    with transaction.atomic():
        cancelled = (
            SimulationRun.objects.filter(pk=run.pk)
            .exclude(status__in=SimulationRun.FINISHED)
            .update(
                status=SimulationRun.Status.CANCELLED, finished_at=timezone.now(), reason=JobReason.CANCELLED
            )
        )
        if cancelled:
            audit_record(
                actor=user,
                team=run.workload.team,
                action="simulation.cancel",
                target=run,
                details={"workload": run.workload.name},
            )
    run.refresh_from_db()
    return run


def simulation_requeue_stale() -> int:
    """Re-enqueue chunks nobody finished in time (a lost worker, a broker that was down), and
    refill a run's window that lost its messages.

    Run periodically by beat. Returns how many chunks were sent.
    """
    cutoff = timezone.now() - timedelta(seconds=stale_after_s(SimulationRun))
    sent = sum(
        _run_requeue(run=run, cutoff=cutoff)
        for run in SimulationRun.objects.exclude(status__in=SimulationRun.FINISHED).only("pk", "reason")
    )
    for run_id in SimulationRun.objects.filter(
        status=SimulationRun.Status.SUCCEEDED, sweep__isnull=True, finished_at__lt=cutoff
    ).values_list("pk", flat=True):
        _enqueue_sweep(run_id)
    return sent


def _run_requeue(*, run: SimulationRun, cutoff) -> int:
    """Send again the run's sent chunks that went stale (all of them while the broker was down),
    then fill its window: empty if a chunk finished but its process died before sending the next."""
    stale = run.chunks.filter(status__in=SimulationChunk.SENT)
    if run.reason != JobReason.BROKER_UNREACHABLE:
        stale = stale.filter(updated_at__lt=cutoff)
    indices = list(stale.values_list("index", flat=True))
    if indices:
        if not _chunks_send(run_id=run.pk, indices=indices):
            return 0  # the broker is still unreachable
        run.chunks.filter(index__in=indices).update(updated_at=timezone.now())
    released = _chunks_release(run_id=run.pk)
    return len(indices) + (len(released) if _chunks_send(run_id=run.pk, indices=released) else 0)
