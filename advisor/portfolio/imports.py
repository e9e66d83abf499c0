"""Portfolio import and export: many workloads in one CSV or JSON file.

``portfolio_import_start`` reads and validates the whole file while the user
waits (about a millisecond per thousand rows), so every row's mistakes are in
the answer at once. What the user chose for invalid rows decides what follows:
``all_or_nothing`` rejects the file if any row is wrong; ``valid_rows`` goes on
with the others.

The valid rows are cut into chunks (``IMPORT_CHUNK_ROWS``) that workers assess in
parallel, the slow part (~25 ms a row). A chunk's results land in a staging table
(``ImportRow``), never in the team's workloads; staging a chunk and marking it done
happen in one transaction under its row lock, so a chunk redelivered after its worker
died is staged once. The last chunk sends the publish step, which stores every staged
row in one transaction: a failure part-way stores nothing. A row whose name matches
one workload of the team updates it (a new version, unless nothing changed); other
rows create workloads. Staging is deleted once the import is published, failed or
cancelled.
"""

from __future__ import annotations

import io
import json
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.db.models import F, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

import placement
from advisor.accounts.audit import audit_record, profile_changes
from advisor.accounts.services import team_write_require
from advisor.jobs import (
    TRANSIENT_DB_ERRORS,
    job_claim,
    job_fail,
    job_finish,
    job_requeue,
    reason_words,
    send,
    send_on_commit,
    stale_after_s,
)
from advisor.models import (
    Assessment,
    AuditEvent,
    ImportChunk,
    ImportRow,
    JobReason,
    PortfolioImport,
    ProfileVersion,
    Team,
    Workload,
)
from advisor.web import json_input
from advisor.workloads import selectors
from advisor.workloads.services import assessment_build
from placement.csv_cells import FormulaSafeWriter
from placement.profile import FIELDS_BY_NAME
from placement.profile_file import (
    FORMATS,
    ProfileFileError,
    RowError,
    ValidRow,
    read_profiles,
    validate_rows,
    write_profiles,
)

log = logging.getLogger(__name__)
_FIELD_ORDER = {name: index for index, name in enumerate(FIELDS_BY_NAME)}
# Staged rows published per batch: what publishing holds in memory (the advice stays in SQL).
BATCH_ROWS = 500
# The services send by task name (advisor.jobs.send): tasks.py imports this module.
IMPORT_TASK = "advisor.portfolio_import"  # publish (and the whole import, for one queued before chunks)
CHUNK_TASK = "advisor.portfolio_import_chunk"


class ImportInputError(ValueError):
    """The request itself is wrong (not a row): ``errors`` is {field: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


# -- starting ----------------------------------------------------------------------


def portfolio_import_start(
    *, user: User, team: Team, content: str | bytes, file_format: str, mode: str | None, filename: str = ""
) -> PortfolioImport:
    """Validate a portfolio file and, unless it is rejected, queue it to be stored.

    Raises ImportInputError for a missing mode or an unreadable file, and
    PermissionDenied for a viewer.
    """
    team_write_require(user=user, team=team, action="import workloads")
    _check_mode(mode)
    if file_format not in FORMATS:
        raise ImportInputError({"file_format": ["Must be csv or json."]})
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportInputError(
            {
                "file": [
                    f"The file is {filesizeformat(len(content))}; at most "
                    f"{filesizeformat(settings.IMPORT_MAX_BYTES)} can be imported at once."
                ]
            }
        )
    if file_format == "json":
        _check_json(content)
    try:
        rows = read_profiles(content, file_format)
    except ProfileFileError as exc:
        raise ImportInputError({"file": [str(exc)]}) from None
    valid, errors = validate_rows(rows)
    errors += _names_held_in_other_case(team=team, rows=valid)
    bad_rows = {error.row for error in errors}
    valid = [row for row in valid if row.number not in bad_rows]
    rejected = not valid or (mode == PortfolioImport.Mode.ALL_OR_NOTHING and errors)
    with transaction.atomic():
        job = PortfolioImport.objects.create(
            team=team,
            created_by=user,
            filename=filename.replace("\x00", "")[:200],
            file_format=file_format,
            mode=cast(str, mode),  # _check_mode: set
            status=PortfolioImport.Status.REJECTED if rejected else PortfolioImport.Status.QUEUED,
            rows_total=len(rows),
            errors=[e.to_dict() for e in sorted(errors, key=_error_order)],
            finished_at=timezone.now() if rejected else None,
            reason=JobReason.INVALID_INPUT if rejected else JobReason.NONE,
        )
        audit_record(
            actor=user,
            team=team,
            action="portfolio.import",
            target=job,
            details={
                "file": job.filename,
                "format": file_format,
                "mode": mode,
                "rows": len(rows),
                "invalid_rows": len(bad_rows),
                "status": job.status,
            },
        )
        if not rejected:
            _chunks_create(job, valid)
    job.refresh_from_db()
    return job


def _chunks_create(job: PortfolioImport, valid: list[ValidRow]) -> None:
    """Cut the valid rows into chunks and send each to the workers once the import commits.

    Every chunk is sent at once: the workers share them out. Without a broker they run in
    this process, one after another.
    """
    chunks = ImportChunk.objects.bulk_create(
        ImportChunk(
            portfolio_import=job, index=index, rows=[{"row": r.number, "profile": r.profile} for r in batch]
        )
        for index, batch in enumerate(_batches(valid, settings.IMPORT_CHUNK_ROWS))
    )
    for chunk in chunks:
        send_on_commit(CHUNK_TASK, import_id=job.pk, chunk=chunk.index)


def _check_json(content: str | bytes) -> None:
    """Refuse what Python's json reads but nothing after it can take (``advisor.web.json_input``).

    A lone surrogate would reach PostgreSQL (a 500 and a failed import), deep nesting
    the recursion limit. Plain syntax errors are left to ``read_profiles``, which says
    the line and column in the file's own terms.
    """
    try:
        json_input.loads(content)
    except json_input.JsonInputError as exc:
        if exc.syntax:
            return
        where = _row_path(exc.path)
        raise ImportInputError({"file": [f"{where}: {exc.message}" if where else exc.message]}) from None


def _row_path(path: json_input.Path) -> str:
    """A path in the file as its rows are numbered (the first workload is row 1): rows[3].name."""
    if path[:1] == ("workloads",):
        path = path[1:]
    if not path or not isinstance(path[0], int):
        return json_input.format_path(path)
    return json_input.format_path(("rows", path[0] + 1, *path[1:]))


def _check_mode(mode: str | None) -> None:
    # No default on purpose: whether a file with one bad row stores the rest is the
    # user's decision, made each time, not something they discover afterwards.
    if mode not in PortfolioImport.Mode.values:
        choices = " or ".join(f"{value!r} ({label.lower()})" for value, label in PortfolioImport.Mode.choices)
        raise ImportInputError({"mode": [f"Choose what happens to invalid rows: {choices}."]})


def _names_held_in_other_case(*, team: Team, rows: list[ValidRow]) -> list[RowError]:
    """Rows naming a workload of the team in another case ("bot" for "Bot").

    A row updates the workload of its exact name, on purpose; one that differs only in case
    would create a second workload a person cannot tell apart, which names forbid.
    """
    held = selectors.workload_names_held(team=team, names=(row.profile["name"] for row in rows))
    return [
        RowError(row.number, "name", _held_in_other_case(holder))
        for row in rows
        if (holder := held.get(row.profile["name"].lower(), row.profile["name"])) != row.profile["name"]
    ]


def _held_in_other_case(holder: str) -> str:
    return (
        f"This team has a workload named “{holder}” (names are compared regardless of case): "
        f"write “{holder}” to update it, or another name to create a workload."
    )


def _error_order(error: RowError) -> tuple[int, int]:
    """By row, then in the order of the profile's fields (the columns of an exported file)."""
    return error.row, _FIELD_ORDER.get(error.field, len(_FIELD_ORDER))


def portfolio_import_enqueue(*, import_id: int) -> bool:
    """Send the import's publish step to a worker (in-process without a broker). False (the
    import then says broker_unreachable) if the broker is down."""
    return send(IMPORT_TASK, import_id=import_id)


def _chunks_send(*, import_id: int, indices: list[int]) -> bool:
    """Send the chunks; False at the first the broker refuses (the import then says broker_unreachable)."""
    return all(send(CHUNK_TASK, import_id=import_id, chunk=index) for index in indices)


# -- assessing a chunk (a worker, in parallel with the others) -----------------------------


def portfolio_import_chunk_run(*, import_id: int, chunk: int, retried: bool = False) -> None:
    """Assess one chunk's rows and stage them; the last chunk staged sends the publish step.

    Safe to run twice (a redelivery, beat's re-send of a chunk whose worker died): staging
    happens under the chunk's row lock and only while it is not done, so its rows are
    staged once. A row the engine cannot assess fails the import (nothing is stored); a
    transient database error is raised for the task to retry (``retried``: this is that
    retry, which takes no attempt from the chunk's budget).
    """
    if not _chunk_claim(import_id=import_id, chunk=chunk, retried=retried):
        return
    try:
        staged = _chunk_assess(import_id=import_id, chunk=chunk)
        if staged is None:
            return  # cancelled meanwhile: the chunk went with the staging
    except TRANSIENT_DB_ERRORS:
        raise
    except Exception as exc:  # deterministic: a retry would fail the same way
        log.exception("portfolio import %s chunk %s failed", import_id, chunk)
        _import_fail(import_id, JobReason.ERROR, str(exc)[:2000])
        return
    _chunk_stage(import_id=import_id, chunk=chunk, staged=staged)


def _chunk_claim(*, import_id: int, chunk: int, retried: bool) -> bool:
    """Count an attempt on the chunk (``advisor.jobs.job_claim``); False when there is nothing
    (more) to do: the chunk is staged, gone with its import's staging, or its import ended.
    A chunk out of attempts fails its import. Taking a chunk is the import's sign of life."""

    def give_up(row: ImportChunk) -> None:
        what = (
            f"Chunk {chunk} (rows {row.rows[0]['row']}–{row.rows[-1]['row']})"
            if row.rows
            else f"Chunk {chunk}"
        )
        words = reason_words(JobReason.ATTEMPTS_EXHAUSTED, what=what, attempts=row.attempts)
        _import_fail(import_id, JobReason.ATTEMPTS_EXHAUSTED, words)

    def started(row: ImportChunk) -> None:
        now = timezone.now()
        PortfolioImport.objects.filter(pk=import_id, status=PortfolioImport.Status.QUEUED).update(
            status=PortfolioImport.Status.RUNNING, started_at=now, reason=JobReason.NONE
        )
        PortfolioImport.objects.filter(pk=import_id).update(heartbeat_at=now)

    rows = ImportChunk.objects.select_related("portfolio_import").filter(
        portfolio_import_id=import_id, index=chunk
    )
    # The import's row too: its cancel or failure waits for the claim, as the claim for them.
    locked = ("self", "portfolio_import")
    return job_claim(rows, retried=retried, give_up=give_up, started=started, lock=locked) is not None


class _RowFailed(Exception):
    """The engine could not assess a row: its words name the row."""

    def __init__(self, row: int, exc: Exception):
        super().__init__(f"Row {row}: {type(exc).__name__}: {exc}")


def _chunk_assess(*, import_id: int, chunk: int) -> list[ImportRow] | None:
    """The chunk's rows with their assessments, ready to stage (not saved); None if it is gone."""
    rows = ImportChunk.objects.filter(portfolio_import_id=import_id, index=chunk)
    items = rows.values_list("rows", flat=True).first()
    return None if items is None else _assessed(import_id, items)


def _import_locked(import_id: int) -> PortfolioImport | None:
    """The import's row, locked for the transaction; its profiles and errors (large) not read."""
    return (
        PortfolioImport.objects.select_for_update().defer("profiles", "errors").filter(pk=import_id).first()
    )


def _chunk_stage(*, import_id: int, chunk: int, staged: list[ImportRow]) -> None:
    """Stage the chunk's rows and mark it done, once; the last chunk sends the publish step."""
    with transaction.atomic():
        job = _import_locked(import_id)
        row = (
            ImportChunk.objects.select_for_update().filter(portfolio_import_id=import_id, index=chunk).first()
        )
        if job is None or row is None or job.finished or row.status == ImportChunk.Status.DONE:
            return  # a twin delivery got here first, or the import was cancelled or failed
        _stage_insert(staged)
        row.status, row.rows = ImportChunk.Status.DONE, []
        row.save(update_fields=["status", "rows", "updated_at"])
        PortfolioImport.objects.filter(pk=import_id).update(
            rows_done=F("rows_done") + len(staged), heartbeat_at=timezone.now()
        )
        if not _chunks_waiting(import_id).exists():
            send_on_commit(IMPORT_TASK, import_id=import_id)


def _chunks_waiting(import_id: int) -> QuerySet[ImportChunk]:
    """The import's chunks not staged yet: sent to a worker, or being assessed."""
    return ImportChunk.objects.filter(portfolio_import_id=import_id, status__in=ImportChunk.SENT)


# -- publishing: every staged row in one transaction ------------------------------------------


class _Superseded(Exception):
    """Another delivery took the import over (this one's heartbeat had gone silent), or it was cancelled."""


def portfolio_import_run(*, import_id: int, retried: bool = False) -> None:
    """Store every staged row of an import (the publish step), all in one transaction.

    Sent by the last chunk staged. Does nothing while a chunk is still being assessed. Safe to
    run twice: a delivery claims the import (one attempt), beats its heartbeat while it works,
    and stores only if it still holds the claim, so a finished import is left alone and of two
    deliveries one stores. An error stores nothing and marks the import failed, except a
    transient database error, raised for the task to retry (``retried``: this is that retry,
    which takes the import back without spending an attempt).

    An import queued before chunks existed holds its rows in ``profiles``: they are assessed
    here, in the same transaction.
    """
    if _chunks_waiting(import_id).exists():
        return  # a chunk is still on its way; the last one staged sends this step again
    attempt = _import_claim(import_id, retried=retried)
    if attempt is None:
        return
    try:
        with _heartbeat(import_id, attempt), transaction.atomic():
            job = PortfolioImport.objects.get(pk=import_id)
            counts = _store_rows(job)
            if not job_finish(
                PortfolioImport.objects.filter(pk=job.pk),
                still=lambda held: held.attempts == attempt,
                rows_done=sum(counts.values()),
                profiles=[],
                **counts,
            ):
                raise _Superseded  # roll back: the delivery that holds the claim stores
        # Published: the staging served its purpose. Apart, to keep the transaction short; beat
        # clears what a worker that died right here left (``portfolio_imports_requeue_stale``).
        _staging_clear(import_id)
    except _Superseded:
        log.warning("portfolio import %s was taken over by another delivery or cancelled", import_id)
    except TRANSIENT_DB_ERRORS:
        raise  # the database went away: nothing was stored, the task retries
    except Exception as exc:  # anything else: nothing was stored, and the user must know
        log.exception("portfolio import %s failed", import_id)
        words = str(exc) if isinstance(exc, _RowFailed) else f"{type(exc).__name__}: {exc}"
        _import_fail(import_id, JobReason.ERROR, words[:2000])


def _import_fail(import_id: int, reason: str, error: str) -> None:
    """Fail the import (nothing is stored) and drop what was staged for it."""
    with transaction.atomic():
        job_fail(PortfolioImport.objects.filter(pk=import_id), reason=reason, error=error)
        _staging_clear(import_id)


def _staging_clear(import_id: int) -> None:
    ImportRow.objects.filter(portfolio_import_id=import_id).delete()
    ImportChunk.objects.filter(portfolio_import_id=import_id).delete()


def _import_claim(import_id: int, *, retried: bool) -> int | None:
    """This delivery's attempt number, or None when the import is finished, out of attempts, or
    held by another worker whose heartbeat still moves (``advisor.jobs.job_claim``)."""
    # Watched before the row is locked: watching takes a few heartbeats.
    beating = not retried and _beating_elsewhere(import_id)
    # The import started when its first chunk was taken; the claim would restart the clock.
    first_started = PortfolioImport.objects.filter(pk=import_id).values_list("started_at", flat=True).first()

    def give_up(job: PortfolioImport) -> None:
        words = reason_words(JobReason.ATTEMPTS_EXHAUSTED, noun=job.NOUN, attempts=job.attempts)
        _import_fail(job.pk, JobReason.ATTEMPTS_EXHAUSTED, words)

    def started(job: PortfolioImport) -> None:
        if first_started is not None and job.started_at != first_started:
            job.started_at = first_started
            job.save(update_fields=["started_at"])

    job = job_claim(
        PortfolioImport.objects.filter(pk=import_id),
        retried=retried,
        busy=lambda job: beating,
        give_up=give_up,
        started=started,
    )
    return None if job is None else job.attempts


def _beating_elsewhere(import_id: int) -> bool:
    """Whether a worker is storing the import right now: its heartbeat moves within a few beats.

    A message comes again either as a duplicate (beat's, or Redis's after its visibility
    timeout) while the first worker lives, or because that worker died; only watching the
    heartbeat tells which, at the cost of holding this delivery for up to 2.5 beats. Until a
    delivery has claimed the import (``attempts``), the heartbeat is the chunks' and nobody stores.
    """

    def heartbeat():
        return (
            PortfolioImport.objects.filter(
                pk=import_id, status=PortfolioImport.Status.RUNNING, attempts__gt=0
            )
            .values_list("heartbeat_at", flat=True)
            .first()
        )

    first = heartbeat()
    if first is None or first < timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_S):
        return False  # not running, not claimed, or silent for long already
    deadline = time.monotonic() + 2.5 * settings.IMPORT_HEARTBEAT_S
    while time.monotonic() < deadline:
        time.sleep(settings.IMPORT_HEARTBEAT_S / 4)
        if heartbeat() != first:
            return True  # it moved (or the import finished: the claim then finds nothing to do)
    return False


@contextmanager
def _heartbeat(import_id: int, attempt: int) -> Iterator[None]:
    """Touch the import's ``heartbeat_at`` every IMPORT_HEARTBEAT_S while the block runs.

    From a thread of its own: a thread has its own database connection, so its updates commit
    while the rows are still being stored in one long transaction on the task's connection.
    In-process (no broker) there is no worker to lose, and SQLite would lock, so no thread.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER:
        yield
        return
    stop = threading.Event()
    thread = threading.Thread(
        target=_beat, args=(import_id, attempt, stop), daemon=True, name=f"import-{import_id}-heartbeat"
    )
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)  # a beat stuck on a dead database must not hold the task


def _beat(import_id: int, attempt: int, stop: threading.Event) -> None:
    try:
        while not stop.wait(settings.IMPORT_HEARTBEAT_S):
            try:
                PortfolioImport.objects.filter(
                    pk=import_id, status=PortfolioImport.Status.RUNNING, attempts=attempt
                ).update(heartbeat_at=timezone.now())
            except DatabaseError as exc:  # beat then judges by the last beat that got through
                log.warning("heartbeat of portfolio import %s failed: %s", import_id, exc)
    finally:
        connection.close()  # this thread's own connection


def _store_rows(job: PortfolioImport) -> dict[str, int]:
    """Publish the staged rows in batches of BATCH_ROWS (memory stays flat however many rows):
    each batch's workloads, versions and audit events from Python, its assessments copied
    from staging in SQL (the advice, ~100 KB a row, never comes back to Python)."""
    if job.profiles:
        _stage_profiles(job)
    counts = {"created_count": 0, "updated_count": 0, "unchanged_count": 0}
    for batch in _staged_batches(job):
        existing = _existing_by_name(job, batch)
        creates, updates, assessed = [], [], []
        for staged in batch:
            workload = existing.get(staged.name)
            if workload is None:
                creates.append(staged)
            elif _effective(workload.profile) == staged.effective:
                counts["unchanged_count"] += 1
                continue
            else:
                updates.append((workload, staged))
            assessed.append(staged.pk)
        _create_workloads(job, creates)
        _update_workloads(job, updates)
        _assess(job, assessed)
        counts["created_count"] += len(creates)
        counts["updated_count"] += len(updates)
    return counts


def _stage_profiles(job: PortfolioImport) -> None:
    """Assess and stage the rows of an import queued before chunks existed (``profiles``)."""
    for batch in _batches(job.profiles, BATCH_ROWS):
        _stage_insert(_assessed(job.pk, batch))


def _assessed(import_id: int, items: list[dict[str, Any]]) -> list[ImportRow]:
    """Rows [{row, profile}] with their assessments, as staged rows (not saved)."""
    staged = []
    for item in items:
        profile = item["profile"]
        try:
            assessment = assessment_build(
                workload=Workload(name=profile["name"], profile=profile), created_by=None
            )
        except Exception as exc:
            raise _RowFailed(item["row"], exc) from exc
        staged.append(
            ImportRow(
                portfolio_import_id=import_id,
                row=item["row"],
                name=profile["name"],
                profile=profile,
                effective=assessment.profile,
                ruleset_version=assessment.ruleset_version,
                catalog_version=assessment.catalog_version,
                result=assessment.result,
            )
        )
    return staged


def _stage_insert(staged: list[ImportRow]) -> None:
    """Insert staged rows, in the caller's transaction.

    On PostgreSQL the values, dumped to JSON here, are bound by the server: Django's cursor
    quotes every character of every value in Python, which for the ~100 KB of advice a row
    costs more than assessing the row.
    """
    if connection.vendor != "postgresql":
        ImportRow.objects.bulk_create(staged)
        return
    import psycopg  # only with PostgreSQL, whose backend imports it anyway

    sql = (
        f"INSERT INTO {ImportRow._meta.db_table} (portfolio_import_id, row, name, profile, effective, "  # noqa: S608
        "ruleset_version, catalog_version, result) VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, %s, %s, %s::jsonb)"
    )
    connection.ensure_connection()
    with psycopg.Cursor(connection.connection) as cursor:
        cursor.executemany(
            sql,
            [
                (
                    s.portfolio_import_id,
                    s.row,
                    s.name,
                    json.dumps(s.profile),
                    json.dumps(s.effective),
                    s.ruleset_version,
                    s.catalog_version,
                    json.dumps(s.result),
                )
                for s in staged
            ],
        )


def _staged_batches(job: PortfolioImport) -> Iterator[list[ImportRow]]:
    """The staged rows in file order, BATCH_ROWS at a time, without their advice."""
    rows = ImportRow.objects.filter(portfolio_import=job).defer("result").order_by("row")
    last = 0
    while batch := list(rows.filter(row__gt=last)[:BATCH_ROWS]):
        yield batch
        last = batch[-1].row


def _existing_by_name(job: PortfolioImport, batch: list[ImportRow]) -> dict[str, Workload]:
    """The workloads the batch's rows update, by exact name (names are unique in a team), locked.

    A workload created or renamed since the file was checked into another case of a row's
    name fails the import with that row named, rather than with the constraint's message.
    """
    names = [staged.name for staged in batch]
    existing = {
        workload.name: workload
        for workload in Workload.objects.select_for_update().filter(team=job.team, name__in=names)
    }
    held = selectors.workload_names_held(team=job.team, names=names)
    for staged in batch:
        holder = held.get(staged.name.lower(), staged.name)
        if holder != staged.name:
            raise ValueError(f"Row {staged.row}: {_held_in_other_case(holder)}")
    return existing


def _effective(profile: dict[str, Any]) -> dict[str, Any]:
    return placement.parse_profile(profile).to_dict()


def _create_workloads(job: PortfolioImport, staged: list[ImportRow]) -> None:
    user = job.created_by
    workloads = Workload.objects.bulk_create(
        [Workload(team=job.team, name=s.name, profile=s.profile, version=1, created_by=user) for s in staged]
    )
    ProfileVersion.objects.bulk_create(
        [ProfileVersion(workload=w, version=1, profile=w.profile, created_by=user) for w in workloads]
    )
    _audit(job, [(w, "workload.create", {"import": job.pk}) for w in workloads])


def _update_workloads(job: PortfolioImport, updates: list[tuple[Workload, ImportRow]]) -> None:
    user, events = job.created_by, []
    for workload, staged in updates:
        changes = profile_changes(_effective(workload.profile), staged.effective)
        workload.version += 1
        workload.profile = staged.profile
        workload.updated_at = timezone.now()  # bulk_update skips auto_now
        events.append(
            (workload, "workload.update", {"import": job.pk, "version": workload.version, "changes": changes})
        )
    workloads = [workload for workload, _ in updates]
    Workload.objects.bulk_update(workloads, ["version", "profile", "updated_at"])
    ProfileVersion.objects.bulk_create(
        [ProfileVersion(workload=w, version=w.version, profile=w.profile, created_by=user) for w in workloads]
    )
    _audit(job, events)


def _assess(job: PortfolioImport, staged_ids: list[int]) -> None:
    """Store the staged assessments of these rows, for their workloads as just written.

    INSERT ... SELECT: the advice goes from the staging table to the assessments inside
    the database. Its workload is found by name in the team (unique), at its new version.
    """
    if not staged_ids:
        return
    assessment, workload, staging = (m._meta.db_table for m in (Assessment, Workload, ImportRow))
    ids = ", ".join(["%s"] * len(staged_ids))
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {assessment} (workload_id, profile, profile_version, ruleset_version, "  # noqa: S608
            "catalog_version, result, created_by_id, created_at) "
            "SELECT w.id, s.effective, w.version, s.ruleset_version, s.catalog_version, s.result, %s, %s "
            f"FROM {staging} s JOIN {workload} w ON w.team_id = %s AND w.name = s.name "
            f"WHERE s.id IN ({ids}) ORDER BY s.row",
            [job.created_by_id, now, job.team_id, *staged_ids],
        )


def _audit(job: PortfolioImport, events: list[tuple[Workload, str, dict[str, Any]]]) -> None:
    actor = job.created_by
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                actor=actor,
                team=job.team,
                action=action,
                target_type="workload",
                target_id=str(workload.pk),
                target_name=workload.name[:200],
                details=details,
            )
            for workload, action, details in events
        ]
    )


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def import_rows_done(*, job: PortfolioImport) -> int:
    """Valid rows assessed so far (staged by their chunks); stored only once the whole import publishes."""
    return min(job.rows_done, job.rows_valid)


# -- cancelling, and beat's re-sends -------------------------------------------------------------


def portfolio_import_cancel(*, user: User, job: PortfolioImport) -> PortfolioImport:
    """Stop an import that has not finished: its chunks stop, nothing is published, staging goes.

    A chunk a worker is assessing finds the import cancelled when it would stage; a publish
    step under way finds it when it would commit, and rolls back. An import already done
    (or rejected, failed) stays as it is.
    """
    team_write_require(user=user, team=job.team, action="cancel imports")
    with transaction.atomic():
        now = timezone.now()
        cancelled = (
            PortfolioImport.objects.filter(pk=job.pk)
            .exclude(status__in=PortfolioImport.FINISHED)
            .update(
                status=PortfolioImport.Status.CANCELLED,
                reason=JobReason.CANCELLED,
                finished_at=now,
                updated_at=now,
                profiles=[],
            )
        )
        if cancelled:
            _staging_clear(job.pk)
            audit_record(
                actor=user,
                team=job.team,
                action="portfolio.import_cancel",
                target=job,
                details={"file": job.filename},
            )
    job.refresh_from_db()
    return job


def portfolio_imports_requeue_stale() -> int:
    """Send again what the broker missed or lost, or what a dead worker held (run by beat).

    While chunks are assessed: each chunk sent or taken but untouched for IMPORT_STALE_AFTER_S
    (every one while the broker was unreachable). Once all are staged: the publish step, if
    the import's heartbeat went silent that long (``advisor.jobs.job_requeue``). Returns how
    many tasks were sent.
    """
    cutoff = timezone.now() - timedelta(seconds=stale_after_s(PortfolioImport))
    sent = 0
    _staging_leftovers_clear()
    unfinished = PortfolioImport.objects.exclude(status__in=PortfolioImport.FINISHED)
    for pk, reason in unfinished.values_list("pk", "reason"):
        waiting = _chunks_waiting(pk)
        if waiting.exists():
            sent += _chunks_requeue(
                pk,
                waiting if reason == JobReason.BROKER_UNREACHABLE else waiting.filter(updated_at__lt=cutoff),
            )
        else:
            sent += _publish_requeue(pk)
    return sent


def _staging_leftovers_clear() -> None:
    """Drop the staging of finished imports: a worker that died between publishing an import
    and clearing its staging left it."""
    for pk in (
        ImportRow.objects.filter(portfolio_import__status__in=PortfolioImport.FINISHED)
        .values_list("portfolio_import_id", flat=True)
        .distinct()
    ):
        _staging_clear(pk)


def _chunks_requeue(import_id: int, stale) -> int:
    indices = list(stale.values_list("index", flat=True))
    if not indices or not _chunks_send(import_id=import_id, indices=indices):
        return 0  # nothing stale, or the broker is still unreachable
    # Touched, so the next tick leaves them alone while their messages wait.
    ImportChunk.objects.filter(portfolio_import_id=import_id, index__in=indices).update(
        updated_at=timezone.now()
    )
    return len(indices)


def _publish_requeue(import_id: int) -> int:
    with transaction.atomic():
        job = _import_locked(import_id)
        if job is None or not job_requeue(job):
            return 0  # finished, or alive
    return int(portfolio_import_enqueue(import_id=import_id))


# -- exporting ---------------------------------------------------------------------


def workloads_export(*, team: Team, file_format: str) -> str:
    """The team's workload profiles as a file that imports back to the same profiles."""
    if file_format not in FORMATS:
        raise ImportInputError({"file_format": ["Must be csv or json."]})
    profiles = Workload.objects.filter(team=team).order_by("name", "id").values_list("profile", flat=True)
    return write_profiles(profiles, file_format)


def errors_export(*, job: PortfolioImport) -> str:
    """The row errors of an import as CSV, to fix the file in a spreadsheet."""
    out = io.StringIO()
    # Messages can quote the file's own cells, so they are quoted where they look like formulas.
    writer = FormulaSafeWriter(out, lineterminator="\n")
    writer.writerow(["row", "field", "message"])
    writer.writerows([e["row"], e["field"], e["message"]] for e in job.errors)
    return out.getvalue()
