"""Use cases: one function each, keyword-only, named ``<entity>_<action>``.

Views, API views and commands validate input, call one of these and render.
Every write that changes a workload's profile keeps the old one and stores a
fresh assessment, so nothing a team was once told is lost.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

import placement
from advisor.accounts.audit import audit_record, profile_changes
from advisor.accounts.services import team_write_require
from advisor.advice_record import stamped
from advisor.models import Assessment, ProfileVersion, Team, Workload
from advisor.workloads import selectors
from placement.calculators import Hardware, repatriation_roi
from placement.infrastructure import sam_yaml
from placement.profile import FIELDS_BY_NAME, GivenProfile, ProfileError, WorkloadProfile, parse_given


def profile_evaluate(
    *, profile_data: Mapping[str, Any] | GivenProfile, wait_sweep: bool = True
) -> dict[str, Any]:
    """Advice for a profile without storing anything. Raises ProfileError.

    ``wait_sweep=False`` skips the break-even at other wait fractions, for callers
    that do not show it: it is most of the engine's time for a new profile.
    """
    return placement.advise(_given(profile_data).profile, wait_sweep=wait_sweep).to_dict()


def workload_variant(*, workload: Workload, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The workload's profile with some fields changed (a what-if), as profile data.

    A worst-case duration the user gave keeps its ratio to the average when the
    average moves, so a longer request never becomes longer than its own worst case.
    """
    variant = {**workload.profile, **changes}
    given_worst = workload.profile.get("max_duration_s")
    if given_worst and "request_duration_s" in changes:
        # The stored profile is valid: its effective average is the given one or the default.
        before = workload.profile.get("request_duration_s", FIELDS_BY_NAME["request_duration_s"].default)
        variant["max_duration_s"] = round(given_worst * changes["request_duration_s"] / before, 3)
    return variant


class WorkloadNameTaken(ProfileError):
    """Another workload of the team has this name, in any case: an error on the ``name`` field."""

    def __init__(self, *, name: str, holder: str):
        same = "" if holder == name else " (names are compared regardless of case)"
        super().__init__(
            {"name": [f"This team already has a workload named “{holder}”{same}; choose another name."]}
        )


@contextmanager
def _unique_name(*, team: Team, name: str, workload_id: int | None = None) -> Iterator[None]:
    """Refuse, as WorkloadNameTaken, a name another workload of the team has (in any case).

    Checked first, for the clear message; the database constraint stops two requests that race
    past the check, and its IntegrityError becomes the same field error instead of a 500.
    """
    if (holder := selectors.workload_name_holder(team=team, name=name, exclude_id=workload_id)) is not None:
        raise WorkloadNameTaken(name=name, holder=holder)
    try:
        with transaction.atomic():  # a savepoint: the caller's transaction outlives the refusal
            yield
    except IntegrityError:
        holder = selectors.workload_name_holder(team=team, name=name, exclude_id=workload_id)
        if holder is None:
            raise
        raise WorkloadNameTaken(name=name, holder=holder) from None


CHANGE_WORKLOADS = "change its workloads"


def _given(profile_data: Mapping[str, Any] | GivenProfile) -> GivenProfile:
    """The profile parsed once: as the form or serializer already parsed it, or parsed here
    (raising ProfileError). Its given fields, cleaned, are what is stored; fields not given
    stay absent and keep following their documented default."""
    return profile_data if isinstance(profile_data, GivenProfile) else parse_given(profile_data)


@transaction.atomic
def workload_create(*, user: User, team: Team, profile_data: Mapping[str, Any] | GivenProfile) -> Workload:
    team_write_require(user=user, team=team, action=CHANGE_WORKLOADS)
    given = _given(profile_data)
    profile = given.fields
    with _unique_name(team=team, name=profile["name"]):
        workload = Workload.objects.create(
            team=team, name=profile["name"], profile=profile, version=1, created_by=user
        )
    ProfileVersion.objects.create(workload=workload, version=1, profile=profile, created_by=user)
    assessment_run(workload=workload, created_by=user, profile=given.profile)
    audit_record(actor=user, team=team, action="workload.create", target=workload)
    return workload


def workload_profile_patched(*, workload: Workload, changes: Any) -> Any:
    """What a PATCH means: the fields given replace the stored ones, the others are kept. A body
    that is not an object is passed through, for the validation to refuse with its own words."""
    if not isinstance(changes, Mapping):
        return changes
    return {**workload.profile, **changes}


@transaction.atomic
def workload_update(
    *, user: User, workload: Workload, profile_data: Mapping[str, Any] | GivenProfile
) -> Workload:
    """Replace the profile: a new version and a new assessment; the old ones stay."""
    team_write_require(user=user, team=workload.team, action=CHANGE_WORKLOADS)
    given = _given(profile_data)
    profile = given.fields
    # Lock the row so two concurrent edits cannot both claim the same version number.
    workload = Workload.objects.select_for_update().get(pk=workload.pk)
    before = workload.profile
    workload.version += 1
    workload.profile = profile
    workload.name = profile["name"]
    with _unique_name(team=workload.team, name=workload.name, workload_id=workload.pk):
        workload.save(update_fields=["version", "profile", "name", "updated_at"])
    ProfileVersion.objects.create(
        workload=workload, version=workload.version, profile=profile, created_by=user
    )
    assessment_run(workload=workload, created_by=user, profile=given.profile)
    audit_record(
        actor=user,
        team=workload.team,
        action="workload.update",
        target=workload,
        # Effective values: a form that spells out a default changes nothing.
        details={
            "version": workload.version,
            "changes": profile_changes(placement.parse_profile(before).to_dict(), given.profile.to_dict()),
        },
    )
    return workload


@transaction.atomic
def workload_delete(*, user: User, workload: Workload) -> None:
    team_write_require(user=user, team=workload.team, action=CHANGE_WORKLOADS)
    audit_record(
        actor=user,
        team=workload.team,
        action="workload.delete",
        target=workload,
        details={"version": workload.version},
    )
    workload.delete()


def assessment_run(
    *, workload: Workload, created_by: User | None = None, profile: WorkloadProfile | None = None
) -> Assessment:
    """Run the engine on the workload's current profile and store the result.

    Also used to re-assess an unchanged profile after the rule set changed: the
    new assessment carries the new ruleset version, the old one stays as it was.
    ``profile``: the current profile already parsed, if the caller has it.
    """
    assessment = assessment_build(workload=workload, created_by=created_by, profile=profile)
    assessment.save()
    return assessment


def assessment_build(
    *, workload: Workload, created_by: User | None, profile: WorkloadProfile | None = None
) -> Assessment:
    """The assessment of the workload's current profile, not yet saved (imports save many at once).

    ``profile``: that profile already parsed; parsed here when the caller does not have it.
    """
    profile = profile if profile is not None else placement.parse_profile(workload.profile)
    advice = placement.advise(profile).to_dict()
    return Assessment(
        workload=workload,
        profile=advice["profile"],
        profile_version=workload.version,
        ruleset_version=advice["ruleset"],
        catalog_version=advice.get("catalog"),
        result=stamped(advice),  # with the schema version it is read back by (advisor.advice_record)
        created_by=created_by,
    )


@transaction.atomic
def assessment_request(*, user: User, workload: Workload) -> Assessment:
    """A team member asks for a fresh assessment of the current profile."""
    team_write_require(user=user, team=workload.team, action=CHANGE_WORKLOADS)
    assessment = assessment_run(workload=workload, created_by=user)
    audit_record(
        actor=user,
        team=workload.team,
        action="assessment.create",
        target=assessment,
        details={"workload": workload.name, "ruleset": assessment.ruleset_version},
    )
    return assessment


def repatriation_evaluate(*, assessment: Assessment, hardware: Mapping[str, float]) -> dict[str, Any]:
    """The repatriation calculator of an assessment again, with other hardware assumptions.

    Nothing is stored: the assessment keeps the figures it was given with.
    """
    economics = assessment.advice.economics
    stored = economics.repatriation if economics is not None else None
    if stored is None:  # the views answer 404 before asking (no prices, or a one-off job)
        raise ValueError("This assessment has no repatriation calculator.")
    settings = {**stored["hardware"], **hardware}
    result = repatriation_roi(
        cloud_monthly=stored["cloud_monthly"],
        gpus=stored["gpus"],
        horizon_months=len(stored["cumulative_cloud"]),
        hardware=Hardware(**settings),
    )
    return result.to_dict()


def assessment_template(*, assessment: Assessment) -> str:
    """The recommended split of a stored assessment as an AWS SAM template (YAML): made from
    the advice as it was given, so the template matches the report a reader has."""
    return sam_yaml(assessment.advice.raw)
