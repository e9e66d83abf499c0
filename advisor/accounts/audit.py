"""The audit log: who changed what in a team.

``audit_record`` is called by the services inside their transactions, so an event
exists exactly when the change it describes was committed. Not in signals or
``save()``: only a use case knows who asked and why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth.models import User
from django.db import models
from django.db.models import QuerySet

from advisor.models import Assessment, AuditEvent, Membership, PortfolioImport, SimulationRun, Team


def audit_record(
    *,
    actor: User | None,
    team: Team | None,
    action: str,
    target: models.Model | None,
    details: Mapping[str, Any] | None = None,
) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        team=team,
        action=action,
        target_type=(target._meta.model_name or "") if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_name=target_label(target)[:200] if target is not None else "",
        details=dict(details or {}),
    )


def target_label(target: models.Model) -> str:
    """What a person recognises the object by, without a state that would go stale in the log.

    ``str()`` of a run ends in its status at the time ("(queued)") and of an assessment names its
    database id; the log keeps this label, which stays true, and the page adds the current state.
    """
    if isinstance(target, Assessment):
        return f"assessment {target.number} of {target.workload.name}"
    if isinstance(target, SimulationRun):
        return f"simulation #{target.pk} of {target.workload.name}"
    if isinstance(target, PortfolioImport):
        return f"import #{target.pk}" + (f" of {target.filename}" if target.filename else "")
    if isinstance(target, Membership):
        return f"{target.user.get_username()} in {target.team.name}"
    return str(target)


def profile_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields an edit changed, each with its value before and after (None: not given)."""
    return {
        key: {"from": _plain(before.get(key)), "to": _plain(after.get(key))}
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    }


def _plain(value: Any) -> Any:
    # Profiles store 2000 as 2000.0; a person reading the log expects 2000.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def audit_event_list(*, team: Team) -> QuerySet[AuditEvent]:
    """The team's events, newest first."""
    return team.audit_events.select_related("actor").order_by("-created_at", "-id")
