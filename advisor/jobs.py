"""The one lifecycle of background work: simulation runs (their chunks), reports and imports.

Every kind is a ``BackgroundJob`` row (``advisor.models``): queued, then claimed by a delivery
(one attempt, at most ``JOB_MAX_ATTEMPTS``), then finished, failed or cancelled, with a
``reason`` code whose words live here (``REASON_WORDS``). The kinds share:

- sending: services name the task (``send``, ``send_on_commit``: Celery's
  ``apply_async_on_commit``), never import it; a broker that cannot be reached leaves the row
  queued with the reason ``broker_unreachable`` instead of failing the request, and the next
  successful send clears it. Without a broker the task runs in this process, beside the
  request in a thread (``BACKGROUND_IN_PROCESS = "thread"``) or inside it (``"eager"``);
- claiming (``job_claim``), finishing (``job_finish``), failing (``job_fail``);
- beat's re-send of work silent past its stale bound (``job_requeue_stale``: ``SIMULATION_STALE_AFTER_S``,
  ``IMPORT_STALE_AFTER_S``, ``REPORT_STALE_AFTER_S``), and what pages and the API say meanwhile
  (``retry_notice``): past that bound a status of "running" would be a lie about a dead worker,
  so they say when the work was last seen and by when it is sent again, derived from the same
  timestamps beat reads.

A kind keeps its specifics as small hooks: a run's chunks are claimed one by one and fail the
run; an import's heartbeat tells a live worker from a dead one.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from celery import Task
from celery.contrib.django.task import DjangoTask
from django.apps import apps
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.formats import time_format
from kombu.exceptions import OperationalError as BrokerOperationalError

from advisor.models import BackgroundJob, JobReason, PortfolioImport, Report, SimulationRun, reason_words

log = logging.getLogger(__name__)

# What a database restart or a dropped connection raises; worth retrying, unlike a bad row.
TRANSIENT_DB_ERRORS = (OperationalError, InterfaceError)
BROKER_ERRORS = (BrokerOperationalError, ConnectionError, OSError)

# The words of each reason, as pages and the API show them. {noun}: the kind ("run", "report",
# "import"); {what}: the subject of a failure ("The report", "Chunk 3"); {attempts}, {limit_s}.
_STALE_AFTER = {
    SimulationRun: "SIMULATION_STALE_AFTER_S",
    PortfolioImport: "IMPORT_STALE_AFTER_S",
    Report: "REPORT_STALE_AFTER_S",
}
_BULKY = {
    Report: ("pdf",),
    SimulationRun: ("profile", "result", "sweep"),
    PortfolioImport: ("profiles", "errors"),
}
_BEAT_TASKS = {
    SimulationRun: "requeue-stale-simulations",
    PortfolioImport: "requeue-stale-imports",
    Report: "requeue-stale-reports",
}


def max_attempts() -> int:
    return settings.JOB_MAX_ATTEMPTS


def stale_after_s(model: type[BackgroundJob]) -> int:
    return getattr(settings, _STALE_AFTER[model])


# -- claim, finish, fail ---------------------------------------------------------------------------


def job_claim(
    rows: QuerySet,
    *,
    retried: bool = False,
    busy: Callable[[Any], bool] = lambda job: False,
    give_up: Callable[[Any], None] | None = None,
    started: Callable[[Any], None] | None = None,
    lock: tuple[str, ...] = ("self",),
) -> Any | None:
    """Take the one row of ``rows`` for this delivery: lock it, count an attempt, mark it running.

    None when there is nothing (more) to do: no row, ``finished``, ``busy`` (another worker is on
    it, as the kind tells), or out of attempts (``give_up`` then ends it; by default the job fails
    with ``attempts_exhausted``). ``retried``: Celery's retry of this same delivery after a
    transient database error, which takes the job back from its own earlier try without spending
    an attempt. ``started``: the kind's own step once taken, under the same lock; ``lock``: the
    rows locked (``select_for_update(of=...)``), e.g. a chunk's run too. Works on a
    ``BackgroundJob`` or on any row with ``status``, ``attempts`` and ``finished`` (a chunk).
    """
    with transaction.atomic():
        job = rows.select_for_update(of=lock).first()
        if job is None or job.finished:
            return None
        running = job.Status.RUNNING
        if not (retried and job.status == running):  # a retry is free only after its own claim
            if job.status == running and busy(job):
                return None
            if job.attempts >= max_attempts():
                (give_up or _give_up)(job)
                return None
            job.attempts += 1
        _mark_running(job, fresh=job.status != running or not retried)
        if started:
            started(job)
    return job


def _mark_running(job, *, fresh: bool) -> None:
    now, fields = timezone.now(), ["status", "attempts", "updated_at"]
    job.status = job.Status.RUNNING
    if isinstance(job, BackgroundJob):
        if fresh:
            job.started_at, job.reason = now, JobReason.NONE
            fields += ["started_at", "reason"]
        setattr(job, job.LIVENESS, now)
        fields.append(job.LIVENESS)
    job.save(update_fields=list(dict.fromkeys(fields)))


def _give_up(job: BackgroundJob) -> None:
    job_fail(
        type(job).objects.filter(pk=job.pk),
        reason=JobReason.ATTEMPTS_EXHAUSTED,
        error=reason_words(JobReason.ATTEMPTS_EXHAUSTED, noun=job.NOUN, attempts=job.attempts),
    )


def job_fail(rows: QuerySet, *, reason: str, error: str = "") -> int:
    """Mark the unfinished rows of ``rows`` failed, saying why. Returns how many."""
    model = rows.model
    return rows.exclude(status__in=model.FINISHED).update(
        status=model.Status.FAILED,
        reason=reason,
        error=error or reason_words(reason, noun=model.NOUN),
        finished_at=timezone.now(),
        updated_at=timezone.now(),
    )


def job_finish(rows: QuerySet, *, still: Callable[[Any], bool] = lambda job: True, **fields: Any) -> bool:
    """Store the outcome of a running job (``fields``, e.g. its status and result) and its end.

    False, storing nothing, when the job is no longer this delivery's: not running any more, or
    not ``still`` what the delivery was working on (a report reset for a newer simulation).
    """
    with transaction.atomic():
        job = rows.select_for_update(of=("self",)).first()
        if job is None or job.status != job.Status.RUNNING or not still(job):
            return False
        for name, value in {"status": job.SUCCEEDED, "reason": JobReason.NONE, **fields}.items():
            setattr(job, name, value)
        job.finished_at = timezone.now()
        job.save()
    return True


# -- beat: sending again what went silent ----------------------------------------------------------


def job_stale(model: type[BackgroundJob], *, now: datetime | None = None) -> Q:
    """The unfinished jobs beat sends again: queued while the broker was unreachable, queued and
    untouched past the stale bound (the message was lost), or running with no sign of life
    (``LIVENESS``) that long (the worker died)."""
    cutoff = (now or timezone.now()) - timedelta(seconds=stale_after_s(model))
    live = model.LIVENESS
    silent = Q(**{f"{live}__lt": cutoff}) | Q(**{f"{live}__isnull": True, "started_at__lt": cutoff})
    queued = Q(reason=JobReason.BROKER_UNREACHABLE) | Q(updated_at__lt=cutoff)
    return Q(status=model.Status.QUEUED) & queued | Q(status=model.Status.RUNNING) & silent


def job_silent(job: BackgroundJob, *, now: datetime | None = None) -> bool:
    """Whether the unfinished job shows no sign of life within its stale bound, as ``job_stale``
    judges it: a running job by its ``LIVENESS``, a queued one by when it was last touched."""
    if job.status == job.Status.RUNNING:
        last = getattr(job, job.LIVENESS) or job.started_at
    else:
        last = job.updated_at
    return last is None or last < (now or timezone.now()) - timedelta(seconds=stale_after_s(type(job)))


def job_requeue(job: BackgroundJob) -> bool:
    """Queue the (locked) job again if it is stale; True if it was. Queued and touched now, the
    next tick leaves it alone while its message waits, and a worker thought dead that speaks up
    late no longer holds it."""
    if job.finished or not (job.reason == JobReason.BROKER_UNREACHABLE or job_silent(job)):
        return False
    job.status = job.Status.QUEUED
    job.save(update_fields=["status", "updated_at"])
    return True


def job_requeue_stale(model: type[BackgroundJob], *, send: Callable[[int], bool]) -> int:
    """Queue again and ``send`` (by id) every stale job of the kind. Returns how many were sent."""
    sent = 0
    for pk in model.objects.filter(job_stale(model)).values_list("pk", flat=True):
        with transaction.atomic():
            job = model.objects.select_for_update().filter(pk=pk).defer(*_BULKY.get(model, ())).first()
            if job is None or not job_requeue(job):
                continue  # a worker took it meanwhile
        sent += bool(send(pk))
    return sent


def retry_notice(work: SimulationRun | PortfolioImport | Report, *, now: datetime | None = None) -> str:
    """What to show instead of "running" when the work has been silent past its stale bound;
    "" while it is finished, on its way, or explained by its own reason (e.g. broker down)."""
    if work.finished or work.reason:
        return ""
    last_seen, stale_s = _last_seen(work), stale_after_s(type(work))
    now = now or timezone.now()
    if last_seen is None or now - last_seen < timedelta(seconds=stale_s):
        return ""
    beat_every = timedelta(seconds=settings.CELERY_BEAT_SCHEDULE[_BEAT_TASKS[type(work)]]["schedule"])
    resend_by = max(last_seen + timedelta(seconds=stale_s), now) + beat_every
    return (
        f"Waiting to be retried: no worker has reported since {_clock(last_seen)} (a worker "
        "stopped, or the database or broker was unavailable). It is sent again automatically "
        f"by about {_clock(resend_by)}."
    )


def _last_seen(work) -> datetime | None:
    """The newest sign of life beat would judge the work by."""
    if isinstance(work, SimulationRun):
        # Each chunk a worker claims or stores touches its row; the run's own row only on a merge.
        latest = work.chunks.aggregate(latest=Max("updated_at"))["latest"]
        return max(filter(None, (latest, work.updated_at)), default=None)
    if work.status == work.Status.RUNNING:
        return getattr(work, work.LIVENESS) or work.started_at
    return work.updated_at


def _clock(moment: datetime) -> str:
    return f"{time_format(timezone.localtime(moment), 'H:i')} {timezone.get_current_timezone_name()}"


# -- sending ---------------------------------------------------------------------------------------


def task_named(name: str) -> Task:
    """The Celery task called ``name`` (e.g. ``advisor.report_render``). Services send work through
    this rather than importing their ``tasks`` module, which imports the services: no import circle.
    Workers load every tasks module at start (``advisor.config.celery``); a web process loads the
    capability's on its first send, and a process that never sends (``manage.py advise``, whose
    settings hold no task limits) never loads one."""
    from celery import current_app

    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def send(name: str, **kwargs: Any) -> bool:
    """Send the task now; False (the job's row then says broker_unreachable) if the broker is down."""
    return task_named(name).apply_async(kwargs=kwargs) is not None


def send_on_commit(name: str, **kwargs: Any) -> None:
    """Send the task once the current transaction commits (Celery's ``apply_async_on_commit``), so
    a worker never looks for a row it cannot see yet, and nothing is sent for a rollback."""
    task_named(name).apply_async_on_commit(kwargs=kwargs)


class DatabaseRetryTask(DjangoTask):
    """Every task here.

    A transient database error (PostgreSQL restarting, a connection cut) sends the task again
    with exponential backoff, instead of acknowledging it as done and leaving the work to beat's
    stale rules minutes later. The services let those errors through for this.

    Sending never fails the request: a task that names its job (``job_model``, and the keyword
    of its id, ``job_kwarg``) marks the row ``broker_unreachable`` while the broker is down, and
    ``apply_async`` then returns None. Without a broker the task runs in this process.
    """

    autoretry_for = (OperationalError, InterfaceError)
    retry_backoff = settings.TASK_RETRY_BACKOFF_S
    retry_backoff_max = settings.TASK_RETRY_BACKOFF_MAX_S
    max_retries = settings.TASK_MAX_RETRIES
    retry_jitter = True  # 103 chunks failing together must not all come back in the same second
    job_model: str | None = None  # e.g. "advisor.Report"
    job_kwarg: str | None = None  # e.g. "report_id"

    def on_retry(self, exc, task_id, args, kwargs, einfo) -> None:
        # The failed connection is useless now; the retry opens a fresh one. In-process (eager)
        # the caller's connection and transaction are not ours to close.
        if not self.request.is_eager:
            connections.close_all()

    def apply_async(self, args=None, kwargs=None, **options):
        if self.app.conf.task_always_eager and settings.BACKGROUND_IN_PROCESS == "thread":
            return run_beside(self, args, kwargs)
        options.setdefault("retry", False)  # a broker that is down answers at once, not after retries
        try:
            result = super().apply_async(args, kwargs, **options)
        except BROKER_ERRORS as exc:
            self._job_mark(kwargs, exc)
            return None
        self._job_mark(kwargs, None)
        return result

    def _job_mark(self, kwargs: dict | None, broker_error: Exception | None) -> None:
        rows = self._job_rows(kwargs)
        if rows is None:
            if broker_error is not None:
                log.warning("%s waits for the broker: %s", self.name, broker_error)
            return
        try:
            if broker_error is None:
                rows.filter(reason=JobReason.BROKER_UNREACHABLE).update(reason=JobReason.NONE)
                return
            log.warning("%s queued while the broker is unreachable: %s", rows.model.__name__, broker_error)
            rows.filter(status=rows.model.Status.QUEUED).update(
                reason=JobReason.BROKER_UNREACHABLE, updated_at=timezone.now()
            )
        except DatabaseError as exc:
            # A worker's retry is sent while its database is away: the message matters, the words
            # can wait (beat re-sends what the row still marks, and a later send clears it).
            log.warning("%s: the reason of %s is left as it was: %s", self.name, rows.model.__name__, exc)

    def _job_rows(self, kwargs: dict | None) -> QuerySet | None:
        if not self.job_model or not kwargs or self.job_kwarg not in kwargs:
            return None
        return apps.get_model(self.job_model).objects.filter(pk=kwargs[self.job_kwarg])


# -- in-process: beside the request ----------------------------------------------------------------

_beside: ThreadPoolExecutor | None = None
_beside_lock = threading.Lock()


def _executor() -> ThreadPoolExecutor:
    """One thread for all in-process work: SQLite, the in-process database, has one writer at a
    time anyway, and a run's chunks then run one after another as on one worker."""
    global _beside
    with _beside_lock:
        if _beside is None:
            _beside = ThreadPoolExecutor(max_workers=1, thread_name_prefix="background")
        return _beside


def run_beside(task: Task, args: tuple | None, kwargs: dict | None):
    """Run ``task`` in the background thread once the caller's transaction commits, and return at
    once: the request answers while the work runs, and the progress pages show it."""
    task_id = str(uuid.uuid4())
    transaction.on_commit(lambda: _executor().submit(_run, task, args or (), kwargs or {}, task_id))
    return task.AsyncResult(task_id)


def _run(task: Task, args: tuple, kwargs: dict, task_id: str) -> None:
    try:
        task.apply(args=args, kwargs=kwargs, task_id=task_id)  # eagerly, with its retries
    except Exception:  # the service stored what it could; nobody else would hear of it
        log.exception("in-process %s failed", task.name)
    finally:
        connections.close_all()  # this thread's own connections, not the requests'


def wait_beside(timeout: float | None = None) -> None:
    """Wait until the work sent beside the requests so far has run (tests, a command's end)."""
    _executor().submit(lambda: None).result(timeout=timeout)
