"""The workload dashboard: every chart drawn from the stored advice, simulations used only when they match."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.urls import reverse

from advisor.models import SimulationRun
from advisor.presentation import dashboards
from advisor.simulations import services as simulations
from advisor.workloads import services

pytestmark = pytest.mark.django_db(transaction=True)  # simulations are enqueued on commit


def chart_specs(html: str) -> dict[str, dict]:
    """Each chart's JSON, keyed by chart key, as charts.js will read it."""
    found = re.findall(
        r'<script id="chart-([a-z_]+)-data" type="application/json">(.*?)</script>', html, re.S
    )
    return {key: json.loads(body) for key, body in found}


def test_the_dashboard_draws_the_split_costs_break_even_payback_and_repatriation(
    owner_client, owner, team, profile
):
    # Refactoring effort to repay: without it there is no payback chart, only words.
    workload = services.workload_create(user=owner, team=team, profile_data={**profile, "refactor_hours": 40})
    html = owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    specs = chart_specs(html)
    assert set(specs) == {"split", "costs", "break_even", "payback", "repatriation"}
    assert all(spec["data"] or spec["layout"].get("annotations") for spec in specs.values())
    assert "plotly-basic-4.1.1.min.js" in html and "advisor/charts.js" in html
    assert "No simulation of this profile yet" in html
    assert "deterministic, no simulation yet" in html


def test_the_split_diagram_names_each_layers_placement_and_cost(owner_client, workload):
    html = owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    texts = [a["text"] for a in chart_specs(html)["split"]["layout"]["annotations"]]
    advice = workload.assessments.get().result
    assert any("AWS Lambda" in t for t in texts) and any("Amazon Bedrock" in t for t in texts)
    brain_total = sum(line["amount"] for line in advice["monthly_cost"]["lines"] if line["layer"] == "brain")
    assert any(f"${brain_total:,.2f} a month" in t for t in texts)


def test_the_break_even_chart_marks_this_workloads_volume(owner_client, workload):
    html = owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    layout = chart_specs(html)["break_even"]["layout"]
    marked = [shape["x0"] for shape in layout["shapes"] if shape["type"] == "line"]
    assert workload.profile["requests_per_day"] in marked


def test_with_a_simulation_of_this_profile_the_costs_get_whiskers_and_a_week_of_traffic(
    owner, owner_client, workload
):
    run = simulations.simulation_request(user=owner, workload=workload, paths=200, seed=3)
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.SUCCEEDED
    html = owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    specs = chart_specs(html)
    assert "traffic" in specs and "simulation <a href" in html.replace("\n", " ").lower()
    nerves = specs["costs"]["data"][-1]  # subplots run Brain, Memory, Nerves
    lambda_at = nerves["y"].index("AWS Lambda")
    band = run.result["placements"]["nerves"]["lambda"]["cost"]
    assert nerves["x"][lambda_at] == pytest.approx(band["p50"])
    assert nerves["error_x"]["array"][lambda_at] == pytest.approx(band["p90"] - band["p50"])


def test_a_simulation_of_an_earlier_profile_is_not_shown_as_this_ones(owner, owner_client, workload, profile):
    simulations.simulation_request(user=owner, workload=workload, paths=100, seed=3)
    services.workload_update(
        user=owner, workload=workload, profile_data={**profile, "requests_per_day": 9000}
    )
    html = owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    assert "traffic" not in chart_specs(html)
    assert "No simulation of this profile yet" in html


def test_charts_are_built_once_per_assessment(workload, monkeypatch):
    calls = []
    real = dashboards.charts.workload_charts
    monkeypatch.setattr(
        dashboards.charts, "workload_charts", lambda *a, **k: calls.append(1) or real(*a, **k)
    )
    assessment = workload.assessments.get()
    first = dashboards.dashboard_charts(assessment=assessment, run=None)
    second = dashboards.dashboard_charts(assessment=assessment, run=None)
    assert len(calls) == 1 and first == second


def test_the_assumptions_table_lists_the_chosen_placements_assumptions(owner_client, workload):
    html = owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    advice = workload.assessments.get().result
    lambda_assumption = advice["costs"]["nerves"]["lambda"]["assumptions"][0]
    section = html.split('id="assumptions-h"', 1)[1]
    assert lambda_assumption.replace("'", "&#x27;") in section
    assert "Front door" in section  # the assumption every option shares


def test_pages_send_a_content_security_policy_without_unsafe_inline_or_eval(owner_client, workload):
    response = owner_client.get(reverse("workload-detail", args=[workload.pk]))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "<script>" not in response.content.decode()  # no inline script anywhere on the page


def _page_text(client, url: str) -> str:
    return " ".join(html.unescape(client.get(url).content.decode()).split())


def test_the_dashboard_and_the_assessment_page_warn_of_the_throttling_the_simulation_found(
    owner_client, throttling
):
    workload, run = throttling
    lam = run.result["placements"]["nerves"]["lambda"]
    expected = (
        f"The simulation throttled {lam['throttled_share']['p50']:.1%} of the requests to AWS Lambda "
        f"(Nerves) at Lambda's default quota of 1,000 concurrent executions: "
        f"{lam['throttled_requests']['p50']:,.0f} of {run.result['requests']['p50']:,.0f} requests "
        "in a median month"
    )
    assessment = workload.assessments.get()
    for url in (
        reverse("workload-detail", args=[workload.pk]),
        reverse("assessment-detail", args=[workload.pk, assessment.pk]),
        reverse("simulation-detail", args=[workload.pk, run.pk]),
    ):
        text = _page_text(owner_client, url)
        assert "What the simulation found" in text and expected in text, url
        assert (
            "in its busiest hour" in text
            and "Request a quota increase or buffer the requests with SQS" in text
        )


def test_a_simulation_stored_before_findings_existed_still_shows_its_throttling(owner_client, throttling):
    workload, run = throttling
    old = json.loads(json.dumps(run.result))
    old.pop("lambda_concurrency_quota")
    for results in old["placements"].values():
        for r in results.values():
            for key in ("throttled_share", "cold_start_share", "peak_hour_requests", "peak_hour_throttled"):
                r.pop(key)
    SimulationRun.objects.filter(pk=run.pk).update(result=old, engine_version="sim-1.0")

    text = _page_text(owner_client, reverse("workload-detail", args=[workload.pk]))
    assert "What the simulation found" in text and "The simulation throttled" in text
    assert "in its busiest hour" not in text  # the older engine did not record it


def test_a_quiet_simulation_adds_no_findings_box(owner_client, owner, workload):
    simulations.simulation_request(user=owner, workload=workload, paths=100, seed=4, days=3)
    text = _page_text(owner_client, reverse("workload-detail", args=[workload.pk]))
    assert "With simulation" in text and "What the simulation found" not in text
