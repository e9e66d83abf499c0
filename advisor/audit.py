"""The audit log: who changed what in a team.

``audit_record`` is called by the services inside their transactions, so an event
exists exactly when the change it describes was committed. Not in signals or
``save()``: only a use case knows who asked and why.
"""
from __future__ import annotations

from typing import Any, Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.db import models
from django.db.models import QuerySet

from advisor.models import AuditEvent, Team


def audit_record(*, actor: AbstractBaseUser | None, team: Team | None, action: str,
                 target: models.Model | None, details: Mapping[str, Any] | None = None) -> AuditEvent:
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        team=team, action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_name=str(target)[:200] if target is not None else "",
        details=dict(details or {}),
    )


def profile_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields an edit changed, each with its value before and after (None: not given)."""
    return {key: {"from": _plain(before.get(key)), "to": _plain(after.get(key))}
            for key in sorted(before.keys() | after.keys()) if before.get(key) != after.get(key)}


def _plain(value: Any) -> Any:
    # Profiles store 2000 as 2000.0; a person reading the log expects 2000.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def audit_event_list(*, team: Team) -> QuerySet[AuditEvent]:
    """The team's events, newest first."""
    return team.audit_events.select_related("actor").order_by("-created_at", "-id")
