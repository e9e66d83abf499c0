"""The audit log: every change in a team names who made it, and only owners read it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from advisor.accounts import services as account_services
from advisor.models import AuditEvent, Membership
from advisor.simulations.services import simulation_cancel, simulation_request
from advisor.workloads import services

pytestmark = pytest.mark.django_db


def events(team, action: str):
    return list(AuditEvent.objects.filter(team=team, action=action))


def test_creating_a_workload_is_recorded_with_its_actor(owner, team, workload):
    [event] = events(team, "workload.create")
    assert event.actor == owner
    assert (event.target_type, event.target_id, event.target_name) == (
        "workload",
        str(workload.pk),
        "Support ticket bot",
    )


def test_editing_a_workload_records_which_fields_changed_from_what_to_what(owner, team, workload, profile):
    services.workload_update(
        user=owner,
        workload=workload,
        profile_data={**profile, "requests_per_day": 9000, "max_duration_s": 12},
    )
    [event] = events(team, "workload.update")
    assert event.actor == owner and event.details["version"] == 2
    assert event.details["changes"] == {
        "max_duration_s": {"from": 8, "to": 12},
        "requests_per_day": {"from": 2000, "to": 9000},
    }


def test_spelling_out_a_default_is_not_recorded_as_a_change(owner, team, workload, profile):
    services.workload_update(user=owner, workload=workload, profile_data={**profile, "region": "us-east-1"})
    [event] = events(team, "workload.update")
    assert event.details["changes"] == {}


def test_deleting_a_workload_leaves_an_event_that_outlives_it(owner, team, workload):
    workload_id = workload.pk
    services.workload_delete(user=owner, workload=workload)
    [event] = events(team, "workload.delete")
    assert event.actor == owner and event.target_id == str(workload_id)
    assert event.target_name == "Support ticket bot"


def test_requesting_and_cancelling_a_simulation_are_recorded(owner, team, workload, monkeypatch):
    monkeypatch.setattr("advisor.simulations.services.simulation_enqueue", lambda **kw: True)
    run = simulation_request(user=owner, workload=workload, paths=100, seed=7)
    [event] = events(team, "simulation.request")
    assert event.actor == owner and event.target_id == str(run.pk)
    assert event.details == {"workload": "Support ticket bot", "paths": 100, "seed": 7, "days": 30}
    simulation_cancel(user=owner, run=run)
    simulation_cancel(user=owner, run=run)  # cancelling twice changes nothing the second time
    assert len(events(team, "simulation.cancel")) == 1


def test_a_fresh_assessment_is_recorded(owner, team, workload):
    assessment = services.assessment_request(user=owner, workload=workload)
    [event] = events(team, "assessment.create")
    assert event.actor == owner and event.target_id == str(assessment.pk)


def test_a_refused_change_leaves_no_event(viewer, team, workload, profile):
    with pytest.raises(PermissionDenied):
        services.workload_update(user=viewer, workload=workload, profile_data=profile)
    assert events(team, "workload.update") == []


def test_a_role_change_is_recorded_with_who_changed_it(owner, viewer, team):
    account_services.team_membership_ensure(user=viewer, team=team, role=Membership.Role.MEMBER, actor=owner)
    [event] = events(team, "membership.change")
    assert event.actor == owner
    assert event.details == {"user": "viewer", "from": "viewer", "to": "member"}


def test_the_owner_reads_the_audit_page_newest_first(owner_client, owner, team, workload, profile):
    services.workload_update(
        user=owner, workload=workload, profile_data={**profile, "requests_per_day": 9000}
    )
    response = owner_client.get(reverse("team-audit", args=[team.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Edited workload") < html.index("Created workload")
    assert "requests_per_day" in html and "2000 → 9000" in html and "owner" in html


def test_the_audit_page_shows_fifty_events_a_page(owner_client, owner, team):
    AuditEvent.objects.bulk_create(AuditEvent(team=team, actor=owner, action=f"test.{i}") for i in range(60))
    url = reverse("team-audit", args=[team.pk])
    first, second = owner_client.get(url), owner_client.get(url + "?page=2")
    assert len(first.context["page"].object_list) == 50
    assert len(second.context["page"].object_list) == 10
    assert "Page 2 of 2" in second.content.decode()


def test_a_viewer_or_member_is_refused_the_audit_page(client, viewer, team, django_user_model):
    member = django_user_model.objects.create_user("member", password="pw-member")
    Membership.objects.create(user=member, team=team, role=Membership.Role.MEMBER)
    for user in (viewer, member):
        client.force_login(user)
        assert client.get(reverse("team-audit", args=[team.pk])).status_code == 403


def test_another_teams_audit_page_is_a_404(owner_client, other_team, outsider):
    assert owner_client.get(reverse("team-audit", args=[other_team.pk])).status_code == 404


def test_owners_find_the_audit_log_from_the_portfolio(owner_client, viewer, client, team):
    url = reverse("team-audit", args=[team.pk])
    assert url in owner_client.get(reverse("team-portfolio", args=[team.pk])).content.decode()
    client.force_login(viewer)
    assert url not in client.get(reverse("team-portfolio", args=[team.pk])).content.decode()
