"""The team portfolio: the table, its totals and sorting, the exports, the API and isolation."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from advisor.models import Assessment, Membership, Team, Workload
from advisor.portfolio.services import EXPORT_COLUMNS, portfolio_rows, portfolio_totals
from advisor.workloads import services
from placement.placements import label

pytestmark = pytest.mark.django_db


def _page(client, team, **params) -> str:
    response = client.get(reverse("team-portfolio", args=[team.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def _add(owner, team, profile, name, **changes) -> Workload:
    return services.workload_create(user=owner, team=team, profile_data={**profile, "name": name, **changes})


def _projected(workload) -> float:
    return workload.assessments.get().result["monthly_cost"]["total"]


@pytest.fixture
def three(owner, team, profile):
    """A bot with a bill it beats, one that costs more than its bill, one without a bill."""
    cheap = _add(owner, team, profile, "Bravo bot", current_monthly_cost=1000)
    dear = _add(owner, team, profile, "Alpha bot", current_monthly_cost=10, requests_per_day=4000)
    unbilled = _add(owner, team, profile, "Charlie bot", requests_per_day=50_000)
    return cheap, dear, unbilled


# --- the way in -------------------------------------------------------------------


def test_the_portfolio_link_takes_a_member_of_one_team_to_its_portfolio(owner_client, team):
    assert 'href="/portfolio/"' in owner_client.get(reverse("workload-list")).content.decode()
    response = owner_client.get(reverse("portfolio"))
    assert response.status_code == 302
    assert response["Location"] == reverse("team-portfolio", args=[team.pk])
    response = owner_client.get(reverse("portfolio"), {"sort": "-projected"})
    assert response["Location"] == reverse("team-portfolio", args=[team.pk]) + "?sort=-projected"


def test_a_member_of_several_teams_chooses_the_team(owner_client, owner, team, other_team):
    Membership.objects.create(user=owner, team=other_team, role="viewer")
    response = owner_client.get(reverse("portfolio"))
    html = response.content.decode()
    assert response.status_code == 200 and "Choose a team" in html
    for t in (team, other_team):
        assert reverse("team-portfolio", args=[t.pk]) in html


def test_a_user_in_no_team_is_told_how_to_get_one(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("loner", password="pw-loner"))
    html = client.get(reverse("portfolio")).content.decode()
    assert "not in a team yet" in html


def test_anonymous_visitors_are_sent_to_sign_in_from_every_portfolio_route(client, team):
    for name in ("team-portfolio", "team-portfolio-csv", "team-portfolio-json"):
        response = client.get(reverse(name, args=[team.pk]))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], name
    assert client.get(reverse("api-team-portfolio", args=[team.pk])).status_code == 401


# --- the table --------------------------------------------------------------------


def test_the_portfolio_shows_each_workload_with_its_placements_and_projected_cost(
    owner_client, team, workload
):
    html = _page(owner_client, team)
    assert reverse("workload-detail", args=[workload.pk]) in html
    assessment = workload.assessments.get()
    for layer in ("brain", "memory", "nerves"):
        assert label(assessment.placement(layer)) in html
    assert f"${_projected(workload):,.2f}" in html
    assert "no current bill given" in html


def test_a_saving_is_shown_as_an_amount_and_a_share_of_the_current_bill(owner_client, team, three):
    cheap = three[0]
    saving = 1000 - _projected(cheap)
    html = _page(owner_client, team)
    assert f"saves ${saving:,.2f} a month ({saving / 1000:.0%})" in html


def test_a_recommendation_dearer_than_today_says_it_costs_more_in_words(owner_client, team, three):
    dear = three[1]
    more = _projected(dear) - 10
    html = _page(owner_client, team)
    assert f"costs ${more:,.2f} a month more (+{more / 10:.0%})" in html
    assert "costs-more" in html


def test_the_portfolio_totals_only_count_workloads_with_a_current_bill(team, three):
    cheap, dear, unbilled = three
    totals = portfolio_totals(rows=portfolio_rows(team=team))
    assert totals.workloads == 3
    assert totals.projected == round(sum(_projected(w) for w in three), 2)
    assert totals.current == 1010.0 and totals.current_count == 2
    assert totals.saving_count == 2
    assert totals.saving == round(1010 - _projected(cheap) - _projected(dear), 2)


def test_the_totals_row_says_how_many_workloads_each_total_covers(owner_client, team, three):
    html = _page(owner_client, team)
    assert "Total of 3 workloads" in html
    assert "over 2 of 3 workloads with a current bill" in html
    assert "over the 2 workloads with both a current bill and a complete estimate" in html
    assert "$1,010.00" in html


def test_an_incomplete_estimate_is_flagged_and_left_out_of_the_saving(owner_client, owner, team, profile):
    # A hosted model not named yet: no catalog price for its tokens.
    partial = _add(owner, team, profile, "Unnamed model bot", hosted_model=None, current_monthly_cost=500)
    row = portfolio_rows(team=team)[0]
    assert row.unpriced_layers == ("brain",) and not row.projected_complete
    assert row.saving is None
    html = _page(owner_client, team)
    assert f"from ${_projected(partial):,.2f}" in html
    assert "1 layer not priced (Brain)" in html
    assert "1 workload not fully priced" in html
    assert "estimate not complete" in html


def test_a_workload_in_a_region_without_prices_is_priced_at_us_east_1_rates(
    owner_client, owner, team, profile
):
    # Issue 15: a region without its own catalog is priced at us-east-1 rates, and says so.
    paris = _add(owner, team, profile, "Paris bot", region="eu-west-3")
    home = _add(owner, team, profile, "Virginia bot", region="us-east-1")
    rows = {r.name: r for r in portfolio_rows(team=team)}
    assert rows["Paris bot"].projected == rows["Virginia bot"].projected is not None
    assert paris.assessments.get().result["pricing"] == {
        "region": "eu-west-3",
        "catalog_region": "us-east-1",
        "fallback": True,
    }
    assert home.assessments.get().result["pricing"]["fallback"] is False


def test_the_columns_sort_by_the_sort_parameter_both_ways(team, three):
    by_cost = sorted(three, key=_projected)
    names = lambda sort: [r.name for r in portfolio_rows(team=team, sort=sort)]  # noqa: E731
    assert names("name") == ["Alpha bot", "Bravo bot", "Charlie bot"]
    assert names("-name") == ["Charlie bot", "Bravo bot", "Alpha bot"]
    assert names("projected") == [w.name for w in by_cost]
    assert names("-projected") == [w.name for w in reversed(by_cost)]
    # The workload without a bill sorts last both ways.
    assert names("current") == ["Alpha bot", "Bravo bot", "Charlie bot"]
    assert names("-current") == ["Bravo bot", "Alpha bot", "Charlie bot"]
    assert names("-saving") == ["Bravo bot", "Alpha bot", "Charlie bot"]


def test_an_unknown_sort_falls_back_to_the_name(owner_client, team, three):
    html = _page(owner_client, team, sort="'; drop table")
    assert html.index("Alpha bot") < html.index("Bravo bot") < html.index("Charlie bot")


def test_the_header_of_the_sorted_column_flips_the_order_and_says_so(owner_client, team, three):
    html = _page(owner_client, team, sort="projected")
    assert 'aria-sort="ascending"' in html and 'href="?sort=-projected"' in html
    assert 'href="?sort=current"' in html
    html = _page(owner_client, team, sort="-projected")
    assert 'aria-sort="descending"' in html and 'href="?sort=projected"' in html
    expensive_first = sorted(three, key=_projected, reverse=True)
    positions = [html.index(f">{w.name}</a>") for w in expensive_first]
    assert positions == sorted(positions)


def test_the_page_offers_the_downloads_the_decision_map_and_a_compare_form(owner_client, team, three):
    html = _page(owner_client, team)
    assert reverse("team-portfolio-csv", args=[team.pk]) in html
    assert reverse("team-portfolio-json", args=[team.pk]) in html
    assert 'data-chart="chart-decision_map-data"' in html
    assert 'action="/compare/"' in html and '<label for="compare-a">' in html
    chart = json.loads(re.search(r'id="chart-decision_map-data"[^>]*>(.*?)</script>', html, re.S).group(1))
    plotted = {name for trace in chart["data"] for name in trace["text"]}
    assert plotted == {"Alpha bot", "Bravo bot", "Charlie bot"}


def test_an_empty_team_shows_how_to_add_a_first_workload(owner_client, team):
    html = _page(owner_client, team)
    assert "No workloads in Alpha team yet" in html
    assert reverse("workload-create") in html
    assert "chart-decision_map" not in html and "Download CSV" not in html


def test_a_viewer_reads_the_portfolio_but_is_not_offered_to_create(viewer_client, team, workload):
    assert "Support ticket bot" in _page(viewer_client, team)
    Workload.objects.all().delete()
    html = _page(viewer_client, team)
    assert "No workloads" in html and reverse("workload-create") not in html


# --- exports and the API ----------------------------------------------------------


def test_the_csv_export_has_a_line_per_workload_with_machine_friendly_columns(owner_client, team, three):
    response = owner_client.get(reverse("team-portfolio-csv", args=[team.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'attachment; filename="portfolio-alpha-' in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.csv"')
    lines = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert tuple(lines[0]) == EXPORT_COLUMNS
    assert [line["name"] for line in lines] == ["Alpha bot", "Bravo bot", "Charlie bot"]
    bravo = lines[1]
    cheap = three[0]
    assessment = cheap.assessments.get()
    assert bravo["workload_id"] == str(cheap.pk)
    assert bravo["nerves"] == assessment.placement("nerves")  # the id, not the label
    assert bravo["projected_monthly_usd"] == f"{_projected(cheap):.2f}"
    assert bravo["current_monthly_usd"] == "1000.00"
    assert bravo["saving_usd"] == f"{1000 - _projected(cheap):.2f}"
    assert bravo["projected_complete"] == "true"
    assert bravo["ruleset"] == assessment.ruleset_version
    assert lines[2]["current_monthly_usd"] == "" and lines[2]["saving_usd"] == ""


def test_the_csv_export_follows_the_sort_of_the_page(owner_client, team, three):
    response = owner_client.get(reverse("team-portfolio-csv", args=[team.pk]), {"sort": "-name"})
    names = [line["name"] for line in csv.DictReader(io.StringIO(response.content.decode()))]
    assert names == ["Charlie bot", "Bravo bot", "Alpha bot"]


def test_the_json_export_carries_the_team_the_totals_and_round_numbers(owner_client, team, three):
    response = owner_client.get(reverse("team-portfolio-json", args=[team.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert response["Content-Disposition"].endswith('.json"')
    body = json.loads(response.content)
    assert body["team"] == {"id": team.pk, "slug": "alpha", "name": "Alpha team"}
    assert body["generated_at"] and body["currency"] == "USD"
    assert body["totals"]["workloads"] == 3
    assert body["totals"]["current_monthly_usd"] == 1010.0
    assert body["totals"]["workloads_with_current"] == 2
    assert body["totals"]["workloads_in_saving"] == 2
    assert body["totals"]["projected_complete"] is True
    rows = body["workloads"]
    assert [tuple(r) for r in rows] == [EXPORT_COLUMNS] * 3
    for row in rows:
        for key in ("projected_monthly_usd", "saving_usd"):
            assert row[key] is None or round(row[key], 2) == row[key]
    assert sum(r["projected_monthly_usd"] for r in rows) == pytest.approx(
        body["totals"]["projected_monthly_usd"], abs=0.005
    )
    assert rows[1]["saving_usd"] == round(1000 - _projected(three[0]), 2)


def test_the_api_answers_the_portfolio_as_the_json_download_does(api, owner, team, three, owner_client):
    response = api(owner).get(reverse("api-team-portfolio", args=[team.pk]), {"sort": "-projected"})
    assert response.status_code == 200
    body = response.json()
    download = json.loads(
        owner_client.get(reverse("team-portfolio-json", args=[team.pk]), {"sort": "-projected"}).content
    )
    body.pop("generated_at"), download.pop("generated_at")
    assert body == download
    costs = [r["projected_monthly_usd"] for r in body["workloads"]]
    assert costs == sorted(costs, reverse=True)


def test_a_viewer_may_read_the_portfolio_api(api, viewer, team, workload):
    response = api(viewer).get(reverse("api-team-portfolio", args=[team.pk]))
    assert response.status_code == 200
    assert [r["name"] for r in response.json()["workloads"]] == ["Support ticket bot"]


def test_the_openapi_schema_documents_the_portfolio(client, owner):
    client.force_login(owner)
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    operation = schema["paths"]["/api/v1/teams/{team_id}/portfolio/"]["get"]
    assert "200" in operation["responses"] and "404" in operation["responses"]
    rows = schema["components"]["schemas"]["PortfolioRow"]["properties"]
    assert set(rows) == set(EXPORT_COLUMNS)


# --- isolation and speed ----------------------------------------------------------


def test_another_teams_portfolio_is_404_on_every_route(owner_client, api, owner, other_workload):
    other = other_workload.team
    for name in ("team-portfolio", "team-portfolio-csv", "team-portfolio-json"):
        response = owner_client.get(reverse(name, args=[other.pk]))
        assert response.status_code == 404, name
        assert b"Their secret workload" not in response.content
    assert api(owner).get(reverse("api-team-portfolio", args=[other.pk])).status_code == 404
    assert owner_client.get(reverse("team-portfolio", args=[99999])).status_code == 404


def test_a_team_portfolio_never_lists_another_teams_workloads(
    owner_client, owner, team, other_team, workload, other_workload
):
    Membership.objects.create(user=owner, team=other_team, role="viewer")
    html = _page(owner_client, team)
    assert "Support ticket bot" in html and "Their secret workload" not in html


def test_the_portfolio_query_count_stays_flat_with_20_workloads(
    owner_client, team, workload, django_assert_max_num_queries
):
    assessment = workload.assessments.get()
    for i in range(19):
        clone = Workload.objects.create(team=team, name=f"Clone {i:02}", profile=workload.profile)
        Assessment.objects.create(
            workload=clone,
            profile=assessment.profile,
            profile_version=1,
            ruleset_version=assessment.ruleset_version,
            catalog_version=assessment.catalog_version,
            result=assessment.result,
        )
    with django_assert_max_num_queries(8):
        html = _page(owner_client, team)
    assert html.count('<th scope="row" data-label="Workload">') == 20
    for name in ("team-portfolio-csv", "team-portfolio-json"):
        with django_assert_max_num_queries(5):
            owner_client.get(reverse(name, args=[team.pk]))


def test_the_rows_read_the_latest_assessment_of_each_workload(team, owner, workload, profile):
    services.workload_update(
        user=owner, workload=workload, profile_data={**profile, "requests_per_day": 900_000}
    )
    latest = workload.assessments.order_by("-created_at", "-id").first()
    row = portfolio_rows(team=team)[0]
    assert row.projected == latest.result["monthly_cost"]["total"]
    assert row.assessed_at == latest.created_at
    assert Team.objects.count() == 1
