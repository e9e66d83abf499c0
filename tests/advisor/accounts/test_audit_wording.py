"""The audit page reads as a person would say it: current states, human names, no "None"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from advisor.accounts import services as account_services
from advisor.models import AuditEvent, Membership, PortfolioImport, SimulationRun
from advisor.portfolio.imports import portfolio_import_start
from advisor.reports.services import report_request
from advisor.simulations.services import simulation_cancel, simulation_request
from advisor.workloads import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def every_kind_of_event(owner, viewer, team, workload, profile, django_user_model):
    """One event of each kind the services record, in the team's log."""
    services.workload_update(
        user=owner, workload=workload, profile_data={**profile, "requests_per_day": 9000}
    )
    assessment = services.assessment_request(user=owner, workload=workload)
    run = simulation_request(user=owner, workload=workload, paths=100, seed=7)
    SimulationRun.objects.filter(pk=run.pk).update(
        status=SimulationRun.Status.SUCCEEDED
    )  # it has finished since
    cancelled = simulation_request(user=owner, workload=workload, paths=100, seed=8)
    simulation_cancel(user=owner, run=cancelled)
    report_request(assessment=assessment, user=owner)
    account_services.team_membership_ensure(user=viewer, team=team, role=Membership.Role.MEMBER, actor=owner)
    newcomer = django_user_model.objects.create_user("newcomer")
    account_services.team_membership_ensure(
        user=newcomer, team=team, role=Membership.Role.VIEWER, actor=owner
    )
    job = portfolio_import_start(
        user=owner,
        team=team,
        content="name,requests_per_day\nNew,5\n",
        file_format="csv",
        mode="valid_rows",
        filename="intake.csv",
    )
    PortfolioImport.objects.filter(pk=job.pk).update(status=PortfolioImport.Status.DONE)
    doomed = services.workload_create(user=owner, team=team, profile_data={**profile, "name": "Doomed"})
    services.workload_delete(user=owner, workload=doomed)
    return {"run": run, "cancelled": cancelled, "assessment": assessment, "import": job}


@pytest.fixture(autouse=True)
def no_background_work(monkeypatch):
    monkeypatch.setattr("advisor.simulations.services.simulation_enqueue", lambda **kw: True)


def audit_page(client, team) -> str:
    html = client.get(reverse("team-audit", args=[team.pk])).content.decode()
    return re.sub(r"\s+", " ", html)


def test_a_finished_simulation_reads_finished_not_the_state_it_was_recorded_in(
    owner_client, team, every_kind_of_event
):
    run = every_kind_of_event["run"]
    html = audit_page(owner_client, team)
    assert f'simulation #{run.pk} of Support ticket bot</a> <span class="muted">· finished</span>' in html
    assert "(queued)" not in html


def test_no_entry_reads_none_or_a_database_model_name(owner_client, team, every_kind_of_event):
    html = audit_page(owner_client, team)
    for odd in ("None", "simulationrun", "portfolioimport", "membership ", "retry: False", "from:"):
        assert odd not in html


def test_each_kind_of_event_reads_as_a_sentence(owner_client, team, every_kind_of_event):
    html = audit_page(owner_client, team)
    job = every_kind_of_event["import"]
    for expected in (
        "Created workload",
        "Edited workload",
        "made version 2",
        "Deleted workload",
        "Doomed",
        "Asked for a fresh assessment",
        "assessment 3 of Support ticket bot",  # its 3rd: create, edit, ask
        "Started a simulation",
        "100 paths of 30 days; seed 7",
        "Cancelled a simulation",
        "· cancelled",
        "Asked for the PDF report",
        "Changed a role",
        "viewer → member",
        "Added to the team",
        "newcomer in Alpha team",
        "as viewer",
        "Imported workloads",
        f'import #{job.pk} of intake.csv</a> <span class="muted">· done</span>',
        "CSV file, 1 row; store the valid rows, skip the others",
    ):
        assert expected in html, expected


def test_assessments_are_numbered_within_their_workload_in_the_log(
    owner_client, owner, team, workload, profile
):
    second = services.workload_create(user=owner, team=team, profile_data={**profile, "name": "Second"})
    services.assessment_request(user=owner, workload=second)  # its 2nd, the 3rd in the database
    html = audit_page(owner_client, team)
    assert "assessment 2 of Second" in html and "assessment 3" not in html


def test_events_recorded_before_the_new_labels_read_without_their_stale_state(owner_client, owner, team):
    AuditEvent.objects.create(
        team=team,
        actor=owner,
        action="simulation.request",
        target_type="simulationrun",
        target_id="999",
        target_name="Simulation 999 of Gone (queued)",
        details={"workload": "Gone", "paths": 100, "seed": 1, "days": 30},
    )
    AuditEvent.objects.create(
        team=team,
        actor=owner,
        action="assessment.create",
        target_type="assessment",
        target_id="998",
        target_name="Assessment 998 of Gone",
        details={"workload": "Gone", "ruleset": "r1"},
    )
    AuditEvent.objects.create(
        team=team,
        actor=owner,
        action="membership.change",
        target_type="membership",
        target_id="997",
        target_name="someone in Alpha team (owner)",
        details={"user": "someone", "from": None, "to": "owner"},
    )
    html = audit_page(owner_client, team)
    assert "simulation #999 of Gone" in html and "(queued)" not in html
    assert "an assessment of Gone" in html and "998" not in html
    assert "someone in Alpha team" in html and "(owner)" not in html and "as owner" in html


def test_the_page_reads_its_objects_in_a_few_queries_however_many_events(
    owner_client, owner, team, workload, django_assert_max_num_queries, every_kind_of_event
):
    with django_assert_max_num_queries(14):
        owner_client.get(reverse("team-audit", args=[team.pk]))
    for _ in range(5):
        services.assessment_request(user=owner, workload=workload)
        simulation_request(user=owner, workload=workload, paths=100, seed=1)
        SimulationRun.objects.filter(workload=workload).update(status=SimulationRun.Status.SUCCEEDED)
    with django_assert_max_num_queries(14):
        owner_client.get(reverse("team-audit", args=[team.pk]))


def test_new_events_keep_a_label_that_stays_true(owner, team, every_kind_of_event):
    run = every_kind_of_event["run"]
    event = AuditEvent.objects.get(action="simulation.request", target_id=str(run.pk))
    assert event.target_name == f"simulation #{run.pk} of Support ticket bot"
    event = AuditEvent.objects.get(action="assessment.create")
    assert event.target_name == "assessment 3 of Support ticket bot"


def test_a_workload_renamed_since_keeps_its_old_name_and_says_its_new_one(
    owner_client, owner, team, workload, profile
):
    services.workload_update(user=owner, workload=workload, profile_data={**profile, "name": "Helpdesk bot"})
    html = audit_page(owner_client, team)
    assert 'Support ticket bot</a> <span class="muted">· now “Helpdesk bot”</span>' in html
