"""Use cases: history kept, assessments immutable, roles enforced, selectors scoped."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

import placement
from advisor.accounts import selectors as account_selectors
from advisor.models import Assessment, Workload
from advisor.workloads import selectors, services
from advisor.workloads.tasks import assessment_run_task

pytestmark = pytest.mark.django_db


def test_creating_a_workload_stores_version_one_and_its_assessment(workload):
    assessment = workload.assessments.get()
    assert workload.versions.get().version == 1
    assert assessment.profile_version == 1
    assert assessment.ruleset_version == placement.RULESET_VERSION
    assert assessment.result["profile"] == assessment.profile
    assert assessment.profile["peak_to_average"] == 3.0  # defaults filled in the snapshot


def test_the_stored_profile_keeps_only_what_was_given(workload):
    assert "peak_to_average" not in workload.profile


def test_an_update_adds_a_version_and_an_assessment_and_keeps_the_old_ones(owner, workload, profile):
    old = workload.assessments.get()
    services.workload_update(user=owner, workload=workload, profile_data={**profile, "requests_per_day": 5})
    workload.refresh_from_db()
    assert [v.version for v in workload.versions.all()] == [2, 1]
    assert workload.assessments.count() == 2
    assert Assessment.objects.get(pk=old.pk).profile["requests_per_day"] == 2000


def test_a_stored_assessment_cannot_be_rewritten(workload):
    assessment = workload.assessments.get()
    assessment.ruleset_version = "tampered"
    with pytest.raises(ValueError):
        assessment.save()


def test_an_invalid_profile_raises_and_stores_nothing(owner, team):
    with pytest.raises(placement.ProfileError) as excinfo:
        services.workload_create(user=owner, team=team, profile_data={"name": "x"})
    assert "requests_per_day" in excinfo.value.errors
    assert not Workload.objects.exists()


def test_a_viewer_cannot_create_update_or_delete(viewer, team, workload, profile):
    with pytest.raises(PermissionDenied):
        services.workload_create(user=viewer, team=team, profile_data=profile)
    with pytest.raises(PermissionDenied):
        services.workload_update(user=viewer, workload=workload, profile_data=profile)
    with pytest.raises(PermissionDenied):
        services.workload_delete(user=viewer, workload=workload)
    assert Workload.objects.count() == 1


def test_an_outsider_cannot_write_to_a_team_they_are_not_in(outsider, team, profile):
    with pytest.raises(PermissionDenied):
        services.workload_create(user=outsider, team=team, profile_data=profile)


def test_evaluating_a_profile_touches_no_table(profile, django_assert_num_queries):
    with django_assert_num_queries(0):
        advice = services.profile_evaluate(profile_data=profile)
    assert set(advice["layers"]) == {"brain", "memory", "nerves"}


def test_selectors_show_a_user_only_their_teams_workloads(owner, outsider, workload, other_workload):
    assert list(selectors.workload_list_for_user(user=owner)) == [workload]
    with pytest.raises(Http404):
        account_selectors.workload_get_for_user(user=owner, workload_id=other_workload.pk)
    assert account_selectors.workload_get_for_user(user=outsider, workload_id=other_workload.pk)


def test_the_list_carries_each_layers_latest_placement(owner, workload):
    row = selectors.workload_list_for_user(user=owner).get()
    latest = workload.assessments.get()
    assert row.nerves_placement == latest.placement("nerves")
    assert row.brain_placement == latest.placement("brain")


def test_the_assessment_task_runs_in_process_without_a_broker(workload):
    assessment_id = assessment_run_task.delay(workload_id=workload.pk).get()
    assert workload.assessments.filter(pk=assessment_id).exists()
    assert workload.assessments.count() == 2
