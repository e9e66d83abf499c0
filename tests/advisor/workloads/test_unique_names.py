"""A workload's name is unique in its team, whatever its case, so pickers can tell workloads apart."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from advisor.models import Workload
from advisor.workloads import services

from .test_pages import form_data

pytestmark = pytest.mark.django_db


def test_creating_a_second_workload_of_the_same_name_is_an_error_on_the_name(owner, team, workload, profile):
    with pytest.raises(services.WorkloadNameTaken) as refused:
        services.workload_create(user=owner, team=team, profile_data=profile)
    assert list(refused.value.errors) == ["name"]
    assert "Support ticket bot" in refused.value.errors["name"][0]
    assert Workload.objects.filter(team=team).count() == 1


def test_names_that_differ_only_in_case_are_the_same_name(owner, team, workload, profile):
    with pytest.raises(services.WorkloadNameTaken) as refused:
        services.workload_create(
            user=owner, team=team, profile_data={**profile, "name": "SUPPORT TICKET BOT"}
        )
    assert "regardless of case" in refused.value.errors["name"][0]


def test_another_team_may_use_the_same_name(outsider, other_team, workload, profile):
    services.workload_create(user=outsider, team=other_team, profile_data=profile)
    assert Workload.objects.filter(name="Support ticket bot").count() == 2


def test_renaming_into_another_workloads_name_is_refused_and_changes_nothing(owner, team, workload, profile):
    other = services.workload_create(
        user=owner, team=team, profile_data={**profile, "name": "Search reranker"}
    )
    with pytest.raises(services.WorkloadNameTaken):
        services.workload_update(
            user=owner, workload=other, profile_data={**profile, "name": "support ticket bot"}
        )
    other.refresh_from_db()
    assert (other.name, other.version, other.versions.count()) == ("Search reranker", 1, 1)


def test_a_workload_may_keep_its_name_or_change_its_case(owner, workload, profile):
    services.workload_update(user=owner, workload=workload, profile_data={**profile, "requests_per_day": 10})
    services.workload_update(
        user=owner, workload=workload, profile_data={**profile, "name": "Support Ticket Bot"}
    )
    workload.refresh_from_db()
    assert (workload.name, workload.version) == ("Support Ticket Bot", 3)


def test_two_requests_racing_past_the_check_get_the_same_field_error_not_a_500(
    owner, team, workload, profile, monkeypatch
):
    # The second request checked before the first committed: only the constraint sees the clash.
    real_holder = services.selectors.workload_name_holder
    calls = []

    def holder_unseen_at_first(**kwargs):
        calls.append(kwargs)
        return None if len(calls) == 1 else real_holder(**kwargs)

    monkeypatch.setattr(services.selectors, "workload_name_holder", holder_unseen_at_first)
    with pytest.raises(services.WorkloadNameTaken) as refused:
        services.workload_create(user=owner, team=team, profile_data=profile)
    assert list(refused.value.errors) == ["name"] and len(calls) == 2
    assert Workload.objects.filter(team=team).count() == 1  # the request's own writes rolled back


def test_the_database_refuses_a_duplicate_name_in_any_case(team, workload):
    with pytest.raises(IntegrityError), transaction.atomic():
        Workload.objects.create(team=team, name="SUPPORT ticket BOT", profile={"name": "x"})


def test_the_form_shows_a_taken_name_next_to_the_name_field(owner_client, team, workload, profile):
    response = owner_client.post(reverse("workload-create"), {**form_data(profile), "team": team.pk})
    # 400 like every form refused for its input on these pages, with the page re-rendered.
    assert response.status_code == 400
    assert list(response.context["form"].errors) == ["name"]
    assert 'id="id_name_error"' in response.content.decode()
    assert Workload.objects.filter(team=team).count() == 1


def test_the_edit_form_refuses_renaming_into_a_taken_name(owner_client, owner, team, workload, profile):
    other = services.workload_create(
        user=owner, team=team, profile_data={**profile, "name": "Search reranker"}
    )
    response = owner_client.post(
        reverse("workload-edit", args=[other.pk]), form_data(profile, name="Support Ticket Bot")
    )
    assert response.status_code == 400 and "name" in response.context["form"].errors
    other.refresh_from_db()
    assert other.version == 1


def test_the_api_answers_400_naming_the_name_field(api, owner, team, workload, profile):
    client = api(owner)
    created = client.post("/api/v1/workloads/", {**profile, "name": "support ticket bot"}, format="json")
    assert created.status_code == 400 and list(created.json()) == ["name"]
    other = services.workload_create(
        user=owner, team=team, profile_data={**profile, "name": "Search reranker"}
    )
    for method in (client.put, client.patch):
        renamed = method(
            f"/api/v1/workloads/{other.pk}/", {**profile, "name": "Support ticket bot"}, format="json"
        )
        assert renamed.status_code == 400 and list(renamed.json()) == ["name"]


# -- the migration that brings in the constraint -------------------------------------------

BEFORE, AFTER = ("advisor", "0011_simulation_fairness"), ("advisor", "0012_workload_unique_name_per_team")


@pytest.fixture
def before_unique_names(transactional_db):
    """The database as it was before names were unique, migrated forward again afterwards."""
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE])
    yield MigrationExecutor(connection).loader.project_state([BEFORE]).apps
    MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def test_upgrading_a_database_with_duplicate_names_renames_all_but_the_oldest(before_unique_names):
    apps = before_unique_names
    team_model, workload_model = apps.get_model("advisor", "Team"), apps.get_model("advisor", "Workload")
    version_model = apps.get_model("advisor", "ProfileVersion")
    alpha, beta = team_model.objects.create(name="A", slug="a"), team_model.objects.create(name="B", slug="b")
    rows = [
        (alpha, "Bot"),
        (alpha, "bot"),
        (alpha, "Bot (2)"),
        (alpha, "BOT"),
        (beta, "Bot"),
        (alpha, "Other"),
    ]
    for team, name in rows:
        workload = workload_model.objects.create(team=team, name=name, profile={"name": name}, version=1)
        version_model.objects.create(workload=workload, version=1, profile={"name": name})

    MigrationExecutor(connection).migrate([AFTER])

    after = list(Workload.objects.order_by("id").values_list("team__slug", "name", "profile__name"))
    assert after == [
        ("a", "Bot", "Bot"),
        ("a", "bot (3)", "bot (3)"),
        ("a", "Bot (2)", "Bot (2)"),
        ("a", "BOT (4)", "BOT (4)"),
        ("b", "Bot", "Bot"),
        ("a", "Other", "Other"),
    ]
    renamed = Workload.objects.get(name="bot (3)")
    assert renamed.versions.get(version=1).profile == {"name": "bot (3)"}  # the current version says the same
