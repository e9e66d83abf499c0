"""The audit log as a person reads it: what was done, to what, and the details that matter.

An event keeps what was true when it was recorded. The page names objects as the other
pages do ("assessment 3 of Support bot", "simulation #12 of Support bot"), shows a run's or
an import's state as it is now rather than as it was then, and leaves out what says
nothing ("from: None", "retry: False"). The objects still in the database are read with a
few queries for the whole page, never one per event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse

from advisor.models import Assessment, AuditEvent, Membership, PortfolioImport, SimulationRun, Workload

ACTIONS = {
    "workload.create": "Created workload",
    "workload.update": "Edited workload",
    "workload.delete": "Deleted workload",
    "assessment.create": "Asked for a fresh assessment",
    "simulation.request": "Started a simulation",
    "simulation.cancel": "Cancelled a simulation",
    "report.request": "Asked for the PDF report",
    "membership.change": "Changed a role",
    "portfolio.import": "Imported workloads",
    "portfolio.import_cancel": "Cancelled an import",
}

# Labels recorded before the log kept its own (``target_label``): str() of the object then.
_OLD_ASSESSMENT = re.compile(r"^Assessment \d+ of (?P<workload>.*)$", re.DOTALL)
_OLD_STATE = re.compile(
    r" \((queued|running|succeeded|failed|cancelled|rejected|done|owner|member|viewer)\)$"
)


@dataclass(frozen=True)
class AuditEntry:
    event: AuditEvent
    action: str  # "Started a simulation"
    what: str  # "simulation #12 of Support bot"
    url: str = ""  # the object's page, while it exists
    state: str = ""  # its state now (a run, an import); "" when it has none or is gone
    details: list[str] = field(default_factory=list)
    changes: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # an edit: field -> from, to


@dataclass(frozen=True)
class _Live:
    """The events' objects that still exist, by id, read with one query per kind."""

    workloads: dict[str, Workload]
    assessments: dict[str, Assessment]
    runs: dict[str, SimulationRun]
    imports: dict[str, PortfolioImport]

    @classmethod
    def read(cls, events: Sequence[AuditEvent]) -> _Live:
        def of(kind: str, queryset) -> dict[str, Any]:
            ids = [int(e.target_id) for e in events if e.target_type == kind and e.target_id.isdigit()]
            return {str(o.pk): o for o in queryset.filter(pk__in=ids)} if ids else {}

        return cls(
            workloads=of("workload", Workload.objects.only("id", "name")),
            assessments=of(
                "assessment",
                Assessment.objects.with_number()
                .select_related("workload")
                .only("id", "workload__id", "workload__name"),
            ),
            runs=of(
                "simulationrun",
                SimulationRun.objects.select_related("workload").only(
                    "id", "status", "chunks_done", "chunks_total", "workload__id", "workload__name"
                ),
            ),
            imports=of(
                "portfolioimport", PortfolioImport.objects.only("id", "team_id", "status", "filename")
            ),
        )


def audit_entries(*, events: Iterable[AuditEvent]) -> list[AuditEntry]:
    """One entry per event, in the order given."""
    events = list(events)
    live = _Live.read(events)
    return [_entry(event, live) for event in events]


def _entry(event: AuditEvent, live: _Live) -> AuditEntry:
    describe = _DESCRIBE.get(event.target_type, _other)
    return describe(event, live)


def _workload(event: AuditEvent, live: _Live) -> AuditEntry:
    details, workload = event.details, live.workloads.get(event.target_id)
    notes = []
    if event.action == "workload.delete" and details.get("version"):
        notes.append(f"at version {details['version']}")
    elif event.action == "workload.update" and details.get("version"):
        notes.append(f"made version {details['version']}")
    if details.get("import"):
        notes.append(f"by import #{details['import']}")
    return AuditEntry(
        event=event,
        action=_action(event),
        what=event.target_name or "a workload",
        url=reverse("workload-detail", args=[workload.pk]) if workload else "",
        # The log keeps the name it had; a person looking for it today needs the new one.
        state=f"now “{workload.name}”"
        if workload and event.target_name and workload.name != event.target_name
        else "",
        details=notes,
        changes=details.get("changes") or {},
    )


def _assessment(event: AuditEvent, live: _Live) -> AuditEntry:
    assessment = live.assessments.get(event.target_id)
    if assessment is not None:
        what = f"assessment {assessment.number} of {assessment.workload.name}"
        url = reverse("assessment-detail", args=[assessment.workload.pk, assessment.pk])
    else:
        old = _OLD_ASSESSMENT.match(event.target_name)
        what = f"an assessment of {old['workload']}" if old else event.target_name or "an assessment"
        url = ""
    notes = []
    if event.details.get("ruleset"):
        notes.append(f"rule set {event.details['ruleset']}")
    if event.details.get("retry"):
        notes.append("again, after a render that failed")
    return AuditEntry(event=event, action=_action(event), what=what, url=url, details=notes)


def _run(event: AuditEvent, live: _Live) -> AuditEntry:
    run, details = live.runs.get(event.target_id), event.details
    if run is not None:
        what = f"simulation #{run.pk} of {run.workload.name}"
        url = reverse("simulation-detail", args=[run.workload.pk, run.pk])
        state = run.get_status_display().lower()
        if run.status == SimulationRun.Status.RUNNING:
            state += f", {run.progress:.0%}"
    else:
        workload = details.get("workload")
        what = f"simulation #{event.target_id}" + (f" of {workload}" if workload else "")
        url = state = ""
    notes = []
    if details.get("paths") is not None:
        days = f" of {details['days']} days" if details.get("days") else ""
        notes.append(f"{details['paths']:,} paths{days}")
    if details.get("seed") is not None:
        notes.append(f"seed {details['seed']}")
    return AuditEntry(event=event, action=_action(event), what=what, url=url, state=state, details=notes)


def _membership(event: AuditEvent, live: _Live) -> AuditEntry:
    details = event.details
    # "viewer in Demo team"; recorded before with the role it had then: "viewer in Demo team (viewer)".
    what = _OLD_STATE.sub("", event.target_name) or details.get("user") or "a member"
    before, after = _role(details.get("from")), _role(details.get("to"))
    if before is None:  # no role before: the user joined
        action, notes = "Added to the team", [f"as {after}"] if after else []
    else:
        action, notes = _action(event), [f"{before} → {after}"] if after else []
    return AuditEntry(event=event, action=action, what=what, details=notes)


def _import(event: AuditEvent, live: _Live) -> AuditEntry:
    job, details = live.imports.get(event.target_id), event.details
    what = f"import #{event.target_id}" + (f" of {details['file']}" if details.get("file") else "")
    notes = []
    if details.get("rows") is not None:
        invalid = details.get("invalid_rows") or 0
        rows = f"{details['rows']:,} row{'s' if details['rows'] != 1 else ''}"
        notes.append(
            f"{details.get('format', '').upper()} file, {rows}".strip(", ")
            + (f", {invalid:,} invalid" if invalid else "")
        )
    if details.get("mode") in PortfolioImport.Mode.values:
        notes.append(PortfolioImport.Mode(details["mode"]).label.lower())
    return AuditEntry(
        event=event,
        action=_action(event),
        what=what,
        url=reverse("team-import-detail", args=[job.team_id, job.pk]) if job else "",
        state=job.get_status_display().lower() if job else "",
        details=notes,
    )


def _other(event: AuditEvent, live: _Live) -> AuditEntry:
    """An event of a kind this page has no words for yet: its own names, without empty values."""
    what = event.target_name or " ".join(filter(None, (event.target_type, event.target_id)))
    notes = [
        f"{key}: {_plain(value)}" for key, value in event.details.items() if value not in (None, "", [], {})
    ]
    return AuditEntry(event=event, action=_action(event), what=what, details=notes)


def _action(event: AuditEvent) -> str:
    return ACTIONS.get(event.action, event.action)


def _role(value: str | None) -> str | None:
    return Membership.Role(value).label.lower() if value in Membership.Role.values else value


def _plain(value: Any) -> str:
    return {True: "yes", False: "no"}.get(value, str(value)) if isinstance(value, bool) else str(value)


_DESCRIBE = {
    "workload": _workload,
    "assessment": _assessment,
    "simulationrun": _run,
    "membership": _membership,
    "portfolioimport": _import,
}
