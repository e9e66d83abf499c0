"""Portfolio import and export: many workloads in one CSV or JSON file.

``portfolio_import_start`` reads and validates the whole file while the user
waits (about a millisecond per thousand rows), so every row's mistakes are in
the answer at once. What the user chose for invalid rows decides what follows:
``all_or_nothing`` rejects the file if any row is wrong; ``valid_rows`` goes on
with the others. A worker then assesses each row (the slow part, ~25 ms a row)
and stores the workloads in one transaction, so a failure part-way stores
nothing. A row whose name matches one workload of the team updates it (a new
version, unless nothing changed); other rows create workloads.
"""

from __future__ import annotations

import io
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
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
    job_requeue_stale,
    send,
    send_on_commit,
)
from advisor.models import Assessment, AuditEvent, JobReason, PortfolioImport, ProfileVersion, Team, Workload
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
BATCH_ROWS = 100
IMPORT_TASK = "advisor.portfolio_import"


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
            profiles=[] if rejected else [{"row": r.number, "profile": r.profile} for r in valid],
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
            send_on_commit(IMPORT_TASK, import_id=job.pk)
    job.refresh_from_db()
    return job


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
    """Send the import to a worker (in-process without a broker). False (the import then says
    broker_unreachable) if the broker is down."""
    return send(IMPORT_TASK, import_id=import_id)


# -- storing (the worker) ------------------------------------------------------------


class _Superseded(Exception):
    """Another delivery took the import over (this one's heartbeat had gone silent)."""


def portfolio_import_run(*, import_id: int, retried: bool = False) -> None:
    """Assess and store every valid row of an import, all in one transaction.

    Safe to run twice: a delivery claims the import (one attempt), beats its heartbeat while
    it works, and stores only if it still holds the claim, so a finished import is left alone
    and of two deliveries one stores. An error stores nothing and marks the import failed,
    except a transient database error, raised for the task to retry (``retried``: this is
    that retry, which takes the import back without spending an attempt).
    """
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
                rows_done=len(job.profiles),
                profiles=[],
                **counts,
            ):
                raise _Superseded  # roll back: the delivery that holds the claim stores
    except _Superseded:
        log.warning("portfolio import %s was taken over by another delivery", import_id)
    except TRANSIENT_DB_ERRORS:
        raise  # the database went away: nothing was stored, the task retries
    except Exception as exc:  # anything else: nothing was stored, and the user must know
        log.exception("portfolio import %s failed", import_id)
        job_fail(
            PortfolioImport.objects.filter(pk=import_id),
            reason=JobReason.ERROR,
            error=f"{type(exc).__name__}: {exc}"[:2000],
        )
    finally:
        cache.delete(_progress_key(import_id))


def _import_claim(import_id: int, *, retried: bool) -> int | None:
    """This delivery's attempt number, or None when the import is finished, out of attempts, or
    held by another worker whose heartbeat still moves (``advisor.jobs.job_claim``)."""
    # Watched before the row is locked: watching takes a few heartbeats.
    beating = not retried and _beating_elsewhere(import_id)
    job = job_claim(PortfolioImport.objects.filter(pk=import_id), retried=retried, busy=lambda job: beating)
    return None if job is None else job.attempts


def _beating_elsewhere(import_id: int) -> bool:
    """Whether a worker is storing the import right now: its heartbeat moves within a few beats.

    A message comes again either as a duplicate (beat's, or Redis's after its visibility
    timeout) while the first worker lives, or because that worker died; only watching the
    heartbeat tells which, at the cost of holding this delivery for up to 2.5 beats.
    """

    def heartbeat():
        return (
            PortfolioImport.objects.filter(pk=import_id, status=PortfolioImport.Status.RUNNING)
            .values_list("heartbeat_at", flat=True)
            .first()
        )

    first = heartbeat()
    if first is None or first < timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_S):
        return False  # not running, or silent for long already
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
    counts = {"created_count": 0, "updated_count": 0, "unchanged_count": 0}
    existing = _existing_by_name(job)
    done = 0
    for batch in _batches(job.profiles, BATCH_ROWS):
        creates, updates = [], []
        for item in batch:
            workload = existing.get(item["profile"]["name"])
            if workload is None:
                creates.append(item["profile"])
            elif _effective(workload.profile) == _effective(item["profile"]):
                counts["unchanged_count"] += 1
            else:
                updates.append((workload, item["profile"]))
        _create_workloads(job, creates)
        _update_workloads(job, updates)
        counts["created_count"] += len(creates)
        counts["updated_count"] += len(updates)
        done += len(batch)
        # Progress goes through the cache: the rows themselves are invisible to
        # other connections until the transaction commits.
        cache.set(_progress_key(job.pk), done, timeout=settings.IMPORT_HARD_LIMIT_S)
    return counts


def _existing_by_name(job: PortfolioImport) -> dict[str, Workload]:
    """The workloads the rows update, by exact name (names are unique in a team), locked.

    A workload created or renamed since the file was checked into another case of a row's
    name fails the import with that row named, rather than with the constraint's message.
    """
    names = [item["profile"]["name"] for item in job.profiles]
    existing = {
        workload.name: workload
        for workload in Workload.objects.select_for_update().filter(team=job.team, name__in=names)
    }
    held = selectors.workload_names_held(team=job.team, names=names)
    for item in job.profiles:
        holder = held.get(item["profile"]["name"].lower(), item["profile"]["name"])
        if holder != item["profile"]["name"]:
            raise ValueError(f"Row {item['row']}: {_held_in_other_case(holder)}")
    return existing


def _effective(profile: dict[str, Any]) -> dict[str, Any]:
    return placement.parse_profile(profile).to_dict()


def _create_workloads(job: PortfolioImport, profiles: list[dict[str, Any]]) -> None:
    user = job.created_by
    workloads = Workload.objects.bulk_create(
        [Workload(team=job.team, name=p["name"], profile=p, version=1, created_by=user) for p in profiles]
    )
    ProfileVersion.objects.bulk_create(
        [ProfileVersion(workload=w, version=1, profile=w.profile, created_by=user) for w in workloads]
    )
    _assess(job, workloads)
    _audit(job, [(w, "workload.create", {"import": job.pk}) for w in workloads])


def _update_workloads(job: PortfolioImport, updates: list[tuple[Workload, dict[str, Any]]]) -> None:
    user, events = job.created_by, []
    for workload, profile in updates:
        changes = profile_changes(_effective(workload.profile), _effective(profile))
        workload.version += 1
        workload.profile = profile
        workload.updated_at = timezone.now()  # bulk_update skips auto_now
        events.append(
            (workload, "workload.update", {"import": job.pk, "version": workload.version, "changes": changes})
        )
    workloads = [workload for workload, _ in updates]
    Workload.objects.bulk_update(workloads, ["version", "profile", "updated_at"])
    ProfileVersion.objects.bulk_create(
        [ProfileVersion(workload=w, version=w.version, profile=w.profile, created_by=user) for w in workloads]
    )
    _assess(job, workloads)
    _audit(job, events)


def _assess(job: PortfolioImport, workloads: list[Workload]) -> None:
    Assessment.objects.bulk_create(
        [assessment_build(workload=w, created_by=job.created_by) for w in workloads]
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


def _progress_key(import_id: int) -> str:
    return f"portfolio-import:{import_id}:rows-done"


def import_rows_done(*, job: PortfolioImport) -> int:
    """Valid rows assessed so far; stored only once the whole import commits."""
    if job.status == PortfolioImport.Status.RUNNING:
        return min(cache.get(_progress_key(job.pk), 0), job.rows_valid)
    return job.rows_done


def portfolio_imports_requeue_stale() -> int:
    """Send again imports the broker missed or lost, or whose worker's heartbeat went silent
    for IMPORT_STALE_AFTER_S. Run by beat; the next delivery claims it (one more attempt)."""
    return job_requeue_stale(PortfolioImport, send=lambda pk: portfolio_import_enqueue(import_id=pk))


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
