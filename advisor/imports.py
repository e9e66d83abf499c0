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

import csv
import io
import logging
from datetime import timedelta
from typing import Any, Iterator

import placement
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from advisor.audit import audit_record, profile_changes
from advisor.models import Assessment, AuditEvent, PortfolioImport, ProfileVersion, Team, Workload
from advisor.queueing import enqueue_or_note
from advisor.selectors import team_can_write
from advisor.services import assessment_build
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
BROKER_DOWN_NOTE = "The task queue is unreachable; the import starts once it is back."
MAX_ATTEMPTS = 3


class ImportInputError(ValueError):
    """The request itself is wrong (not a row): ``errors`` is {field: [messages]}."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(errors)


# -- starting ----------------------------------------------------------------------

def portfolio_import_start(*, user: AbstractBaseUser, team: Team, content: str | bytes,
                           file_format: str, mode: str | None, filename: str = "") -> PortfolioImport:
    """Validate a portfolio file and, unless it is rejected, queue it to be stored.

    Raises ImportInputError for a missing mode or an unreadable file, and
    PermissionDenied for a viewer.
    """
    if not team_can_write(user=user, team=team):
        raise PermissionDenied("Only owners and members of this team may import workloads.")
    _check_mode(mode)
    if file_format not in FORMATS:
        raise ImportInputError({"file_format": ["Must be csv or json."]})
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise ImportInputError({"file": [f"The file is {filesizeformat(len(content))}; at most "
                                         f"{filesizeformat(settings.IMPORT_MAX_BYTES)} can be imported at once."]})
    try:
        rows = read_profiles(content, file_format)
    except ProfileFileError as exc:
        raise ImportInputError({"file": [str(exc)]}) from None
    valid, errors = validate_rows(rows)
    errors += _ambiguous_names(team=team, rows=valid)
    bad_rows = {error.row for error in errors}
    valid = [row for row in valid if row.number not in bad_rows]
    rejected = not valid or (mode == PortfolioImport.Mode.ALL_OR_NOTHING and errors)
    with transaction.atomic():
        job = PortfolioImport.objects.create(
            team=team, created_by=user, filename=filename.replace("\x00", "")[:200], file_format=file_format, mode=mode,
            status=PortfolioImport.Status.REJECTED if rejected else PortfolioImport.Status.QUEUED,
            rows_total=len(rows), errors=[e.to_dict() for e in sorted(errors, key=_error_order)],
            profiles=[] if rejected else [{"row": r.number, "profile": r.profile} for r in valid],
            finished_at=timezone.now() if rejected else None)
        audit_record(actor=user, team=team, action="portfolio.import", target=job, details={
            "file": job.filename, "format": file_format, "mode": mode, "rows": len(rows),
            "invalid_rows": len(bad_rows), "status": job.status})
        if not rejected:
            transaction.on_commit(lambda: portfolio_import_enqueue(import_id=job.pk))
    job.refresh_from_db()
    return job


def _check_mode(mode: str | None) -> None:
    # No default on purpose: whether a file with one bad row stores the rest is the
    # user's decision, made each time, not something they discover afterwards.
    if mode not in PortfolioImport.Mode.values:
        choices = " or ".join(f"{value!r} ({label.lower()})" for value, label in PortfolioImport.Mode.choices)
        raise ImportInputError({"mode": [f"Choose what happens to invalid rows: {choices}."]})


def _ambiguous_names(*, team: Team, rows: list[ValidRow]) -> list[RowError]:
    """Rows naming a workload the team has twice: which one to update cannot be guessed."""
    names = {row.profile["name"] for row in rows}
    repeated = dict(Workload.objects.filter(team=team, name__in=names).values("name")
                    .annotate(n=Count("id")).filter(n__gt=1).values_list("name", "n"))
    return [RowError(row.number, "name", f"{repeated[row.profile['name']]} workloads of this team "
                     "have this name; rename them so the row updates one.")
            for row in rows if row.profile["name"] in repeated]


def _error_order(error: RowError) -> tuple[int, int]:
    """By row, then in the order of the profile's fields (the columns of an exported file)."""
    return error.row, _FIELD_ORDER.get(error.field, len(_FIELD_ORDER))


def portfolio_import_enqueue(*, import_id: int) -> bool:
    """Send the import to a worker (in-process without a broker). False if the broker is down."""
    from advisor.tasks import portfolio_import_task

    return enqueue_or_note(
        send=lambda: portfolio_import_task.apply_async(kwargs={"import_id": import_id}, retry=False),
        row=PortfolioImport.objects.filter(pk=import_id),
        queued_status=PortfolioImport.Status.QUEUED, note=BROKER_DOWN_NOTE)


# -- storing (the worker) ------------------------------------------------------------

def portfolio_import_run(*, import_id: int) -> None:
    """Assess and store every valid row of an import, all in one transaction.

    Safe to run twice: the import row is locked while it is stored, and a finished
    import is left alone. An error stores nothing and marks the import failed.
    """
    claimed = PortfolioImport.objects.filter(
        pk=import_id, status__in=[PortfolioImport.Status.QUEUED, PortfolioImport.Status.RUNNING],
        attempts__lt=MAX_ATTEMPTS,
    ).update(status=PortfolioImport.Status.RUNNING, attempts=F("attempts") + 1,
             started_at=timezone.now(), note="")
    if not claimed:
        return
    try:
        with transaction.atomic():
            job = PortfolioImport.objects.select_for_update().get(pk=import_id)
            if job.status != PortfolioImport.Status.RUNNING:
                return  # another delivery finished it while this one waited for the lock
            counts = _store_rows(job)
            PortfolioImport.objects.filter(pk=job.pk).update(
                status=PortfolioImport.Status.DONE, rows_done=len(job.profiles), profiles=[],
                finished_at=timezone.now(), **counts)
    except Exception as exc:  # anything at all: nothing was stored, and the user must know
        log.exception("portfolio import %s failed", import_id)
        PortfolioImport.objects.filter(pk=import_id).update(
            status=PortfolioImport.Status.FAILED, finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}"[:2000])
    finally:
        cache.delete(_progress_key(import_id))


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
    names = [item["profile"]["name"] for item in job.profiles]
    matches: dict[str, list[Workload]] = {}
    for workload in Workload.objects.select_for_update().filter(team=job.team, name__in=names):
        matches.setdefault(workload.name, []).append(workload)
    ambiguous = sorted(name for name, found in matches.items() if len(found) > 1)
    if ambiguous:  # a workload was renamed since the file was checked
        raise ValueError("These names now match several workloads of the team: " + ", ".join(ambiguous[:5]))
    return {name: found[0] for name, found in matches.items()}


def _effective(profile: dict[str, Any]) -> dict[str, Any]:
    return placement.parse_profile(profile).to_dict()


def _create_workloads(job: PortfolioImport, profiles: list[dict[str, Any]]) -> None:
    user = job.created_by
    workloads = Workload.objects.bulk_create([
        Workload(team=job.team, name=p["name"], profile=p, version=1, created_by=user) for p in profiles])
    ProfileVersion.objects.bulk_create([
        ProfileVersion(workload=w, version=1, profile=w.profile, created_by=user) for w in workloads])
    _assess(job, workloads)
    _audit(job, [(w, "workload.create", {"import": job.pk}) for w in workloads])


def _update_workloads(job: PortfolioImport, updates: list[tuple[Workload, dict[str, Any]]]) -> None:
    user, events = job.created_by, []
    for workload, profile in updates:
        changes = profile_changes(_effective(workload.profile), _effective(profile))
        workload.version += 1
        workload.profile = profile
        workload.updated_at = timezone.now()  # bulk_update skips auto_now
        events.append((workload, "workload.update",
                       {"import": job.pk, "version": workload.version, "changes": changes}))
    workloads = [workload for workload, _ in updates]
    Workload.objects.bulk_update(workloads, ["version", "profile", "updated_at"])
    ProfileVersion.objects.bulk_create([
        ProfileVersion(workload=w, version=w.version, profile=w.profile, created_by=user) for w in workloads])
    _assess(job, workloads)
    _audit(job, events)


def _assess(job: PortfolioImport, workloads: list[Workload]) -> None:
    Assessment.objects.bulk_create([assessment_build(workload=w, created_by=job.created_by)
                                    for w in workloads])


def _audit(job: PortfolioImport, events: list[tuple[Workload, str, dict[str, Any]]]) -> None:
    actor = job.created_by
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=actor, team=job.team, action=action, target_type="workload",
                   target_id=str(workload.pk), target_name=workload.name[:200], details=details)
        for workload, action, details in events])


def _batches(items: list, size: int) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _progress_key(import_id: int) -> str:
    return f"portfolio-import:{import_id}:rows-done"


def import_rows_done(*, job: PortfolioImport) -> int:
    """Valid rows assessed so far; stored only once the whole import commits."""
    if job.status == PortfolioImport.Status.RUNNING:
        return min(cache.get(_progress_key(job.pk), 0), job.rows_valid)
    return job.rows_done


def portfolio_imports_requeue_stale() -> int:
    """Send again imports the broker missed, or that a lost worker left running. Run by beat."""
    cutoff = timezone.now() - timedelta(seconds=settings.IMPORT_HARD_LIMIT_S + 60)
    stale = (PortfolioImport.objects.filter(status=PortfolioImport.Status.QUEUED, note=BROKER_DOWN_NOTE)
             | PortfolioImport.objects.filter(status=PortfolioImport.Status.RUNNING, started_at__lt=cutoff,
                                              attempts__lt=MAX_ATTEMPTS))
    return sum(portfolio_import_enqueue(import_id=pk) for pk in stale.values_list("pk", flat=True))


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
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["row", "field", "message"])
    writer.writerows([e["row"], e["field"], e["message"]] for e in job.errors)
    return out.getvalue()
