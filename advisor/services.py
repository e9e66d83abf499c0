"""Use cases: one function each, keyword-only, named ``<entity>_<action>``.

Views, API views and commands validate input, call one of these and render.
Every write that changes a workload's profile keeps the old one and stores a
fresh assessment, so nothing a team was once told is lost.
"""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

import placement
from advisor.audit import audit_record, profile_changes
from placement.calculators import Hardware, repatriation_roi
from advisor.models import ApiToken, Assessment, Membership, ProfileVersion, Team, Workload
from advisor.selectors import api_token_get_for_user, idempotency_keys_expired, team_can_write
from advisor.tokens import token_digest, token_generate, token_prefix


def profile_evaluate(*, profile_data: Mapping[str, Any], wait_sweep: bool = True) -> dict[str, Any]:
    """Advice for a profile without storing anything. Raises ProfileError.

    ``wait_sweep=False`` skips the break-even at other wait fractions, for callers
    that do not show it: it is most of the engine's time for a new profile.
    """
    return placement.advise(placement.parse_profile(profile_data), wait_sweep=wait_sweep).to_dict()


def workload_variant(*, workload: Workload, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The workload's profile with some fields changed (a what-if), as profile data.

    A worst-case duration the user gave keeps its ratio to the average when the
    average moves, so a longer request never becomes longer than its own worst case.
    """
    variant = {**workload.profile, **changes}
    given_worst = workload.profile.get("max_duration_s")
    if given_worst and "request_duration_s" in changes:
        before = placement.parse_profile(workload.profile).request_duration_s
        variant["max_duration_s"] = round(given_worst * changes["request_duration_s"] / before, 3)
    return variant


def _require_write(*, user: AbstractBaseUser, team: Team) -> None:
    if not team_can_write(user=user, team=team):
        raise PermissionDenied("Only owners and members of this team may change its workloads.")


def _input_profile(profile_data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate (raising ProfileError) and return the given fields, cleaned.

    Fields that were not given stay absent: they keep following their
    documented default. parse_profile has already checked every key and value.
    """
    normalised = placement.parse_profile(profile_data).to_dict()
    # A given null (e.g. "no latency target", "worst case: derive it") stays null
    # rather than freezing the value derived from it today.
    return {key: None if profile_data[key] is None else normalised[key] for key in profile_data}


@transaction.atomic
def workload_create(*, user: AbstractBaseUser, team: Team,
                    profile_data: Mapping[str, Any]) -> Workload:
    _require_write(user=user, team=team)
    profile = _input_profile(profile_data)
    workload = Workload.objects.create(team=team, name=profile["name"], profile=profile,
                                       version=1, created_by=user)
    ProfileVersion.objects.create(workload=workload, version=1, profile=profile, created_by=user)
    assessment_run(workload=workload, created_by=user)
    audit_record(actor=user, team=team, action="workload.create", target=workload)
    return workload


@transaction.atomic
def workload_update(*, user: AbstractBaseUser, workload: Workload,
                    profile_data: Mapping[str, Any]) -> Workload:
    """Replace the profile: a new version and a new assessment; the old ones stay."""
    _require_write(user=user, team=workload.team)
    profile = _input_profile(profile_data)
    # Lock the row so two concurrent edits cannot both claim the same version number.
    workload = Workload.objects.select_for_update().get(pk=workload.pk)
    before = workload.profile
    workload.version += 1
    workload.profile = profile
    workload.name = profile["name"]
    workload.save(update_fields=["version", "profile", "name", "updated_at"])
    ProfileVersion.objects.create(workload=workload, version=workload.version, profile=profile,
                                  created_by=user)
    assessment_run(workload=workload, created_by=user)
    audit_record(actor=user, team=workload.team, action="workload.update", target=workload,
                 # Effective values: a form that spells out a default changes nothing.
                 details={"version": workload.version, "changes": profile_changes(
                     placement.parse_profile(before).to_dict(), placement.parse_profile(profile).to_dict())})
    return workload


@transaction.atomic
def workload_delete(*, user: AbstractBaseUser, workload: Workload) -> None:
    _require_write(user=user, team=workload.team)
    audit_record(actor=user, team=workload.team, action="workload.delete", target=workload,
                 details={"version": workload.version})
    workload.delete()


def assessment_run(*, workload: Workload,
                   created_by: AbstractBaseUser | None = None) -> Assessment:
    """Run the engine on the workload's current profile and store the result.

    Also used to re-assess an unchanged profile after the rule set changed: the
    new assessment carries the new ruleset version, the old one stays as it was.
    """
    assessment = assessment_build(workload=workload, created_by=created_by)
    assessment.save()
    return assessment


def assessment_build(*, workload: Workload, created_by: AbstractBaseUser | None) -> Assessment:
    """The assessment of the workload's current profile, not yet saved (imports save many at once)."""
    advice = placement.advise(placement.parse_profile(workload.profile)).to_dict()
    return Assessment(
        workload=workload,
        profile=advice["profile"],
        profile_version=workload.version,
        ruleset_version=advice["ruleset"],
        catalog_version=advice.get("catalog"),
        result=advice,
        created_by=created_by,
    )


@transaction.atomic
def assessment_request(*, user: AbstractBaseUser, workload: Workload) -> Assessment:
    """A team member asks for a fresh assessment of the current profile."""
    _require_write(user=user, team=workload.team)
    assessment = assessment_run(workload=workload, created_by=user)
    audit_record(actor=user, team=workload.team, action="assessment.create", target=assessment,
                 details={"workload": workload.name, "ruleset": assessment.ruleset_version})
    return assessment


def repatriation_evaluate(*, assessment: Assessment, hardware: Mapping[str, float]) -> dict[str, Any]:
    """The repatriation calculator of an assessment again, with other hardware assumptions.

    Nothing is stored: the assessment keeps the figures it was given with.
    """
    stored = assessment.result["economics"]["repatriation"]
    settings = {**stored["hardware"], **hardware}
    result = repatriation_roi(cloud_monthly=stored["cloud_monthly"], gpus=stored["gpus"],
                              horizon_months=len(stored["cumulative_cloud"]),
                              hardware=Hardware(**settings))
    return result.to_dict()


@transaction.atomic
def team_membership_ensure(*, user: AbstractBaseUser, team: Team,
                           role: str = Membership.Role.MEMBER,
                           actor: AbstractBaseUser | None = None) -> Membership:
    before = Membership.objects.filter(user=user, team=team).values_list("role", flat=True).first()
    membership, _ = Membership.objects.update_or_create(user=user, team=team,
                                                        defaults={"role": role})
    if before != role:
        audit_record(actor=actor, team=team, action="membership.change", target=membership,
                     details={"user": user.get_username(), "from": before, "to": role})
    return membership


# last_used_at is for people ("was this token used this week?"), not an audit
# log: refreshing it at most once a minute spares a write on every API call.
API_TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def api_token_create(*, user: AbstractBaseUser, name: str) -> tuple[ApiToken, str]:
    """A new token for the user. The plain token is returned here, once, and never stored."""
    plain = token_generate()
    api_token = ApiToken.objects.create(user=user, name=name.strip(), prefix=token_prefix(plain),
                                        digest=token_digest(plain))
    return api_token, plain


def api_token_revoke(*, user: AbstractBaseUser, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; another user's id is a 404. Revoking twice is harmless."""
    api_token = api_token_get_for_user(user=user, token_id=token_id)
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
    return api_token


def api_token_mark_used(*, api_token: ApiToken) -> None:
    now = timezone.now()
    if api_token.last_used_at is not None and now - api_token.last_used_at < API_TOKEN_USE_RESOLUTION:
        return
    ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    api_token.last_used_at = now


def idempotency_keys_purge(*, batch_size: int = 1000) -> int:
    """Delete expired Idempotency-Key rows; returns how many.

    One short statement per batch, so the purge never holds many locks for long; each batch
    deletes only rows still expired, since a retry may have just taken one over as new.
    """
    deleted = 0
    while batch := list(idempotency_keys_expired().values_list("pk", flat=True)[:batch_size]):
        deleted += idempotency_keys_expired().filter(pk__in=batch).delete()[0]
    return deleted
