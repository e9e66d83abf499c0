"""Chart builders: figures from stored engine results, safe under the CSP, honest about what they show."""

from __future__ import annotations

import json

import pytest

from advisor.presentation import charts
from placement import advise, parse_profile, presets
from placement.rules import load_matrix


@pytest.fixture(scope="module")
def advice() -> dict:
    return advise(parse_profile(presets.PRESETS["agent_orchestrator"].profile)).to_dict()


def every_text(figure_json: dict) -> list[str]:
    layout = figure_json["layout"]
    texts = [a.get("text", "") for a in layout.get("annotations", [])]
    for trace in figure_json["data"]:
        texts += [str(t) for t in (trace.get("text") or [])] + [str(trace.get("name", ""))]
    return texts


def test_every_chart_is_plain_json_with_a_title_and_a_caption(advice):
    for chart in charts.workload_charts(advice):
        json.dumps(chart.data)
        assert chart.title and chart.caption.endswith(".")


def test_no_chart_uses_plotly_markup_that_becomes_an_inline_style(advice):
    # <b>, <i> and friends turn into style attributes, which the CSP refuses.
    for chart in charts.workload_charts(advice):
        assert not any(tag in text for text in every_text(chart.data) for tag in ("<b>", "<i>", "<span"))


def test_without_a_simulation_there_is_no_traffic_chart_and_no_whiskers(advice):
    built = {c.key: c for c in charts.workload_charts(advice)}
    assert "traffic" not in built
    assert all(not any(t["error_x"]["array"]) for t in built["costs"].data["data"])
    assert "no simulation" in built["costs"].title


def test_the_decision_map_draws_the_matrixs_own_thresholds():
    constants = load_matrix().constants
    chart = charts.decision_map(
        [
            {"name": "a", "utilization": 0.02, "wait_fraction": 0.9, "nerves": "lambda"},
            {"name": "b", "utilization": 0.5, "wait_fraction": 0.1, "nerves": "fargate"},
        ]
    )
    shapes = chart.data["layout"]["shapes"]
    assert {s["x0"] for s in shapes if s["xref"] == "x"} == {
        constants["utilization_threshold"],
        constants["repatriation_threshold"],
    }
    assert [s["y0"] for s in shapes if s["yref"] == "y"] == [constants["wait_threshold"]]
    assert {t["name"] for t in chart.data["data"]} == {"Nerves on AWS Lambda", "Nerves on ECS on Fargate"}


def test_the_payback_chart_crosses_zero_in_the_payback_month():
    chart = charts.payback_chart(
        {"refactor_cost": 1000.0, "monthly_saving": 250.0, "months": 4.0, "basis": "today's bill"},
        horizon_months=12,
    )
    net = chart.data["data"][0]["y"]
    assert net[0] == -1000 and net[4] == 0 and net[12] == 2000
    assert "repaid in 4.0 months" in chart.caption


def test_a_saving_that_is_negative_says_the_move_never_pays_back():
    chart = charts.payback_chart(
        {"refactor_cost": 1000.0, "monthly_saving": -5.0, "months": None, "basis": "today's bill"},
        horizon_months=12,
    )
    assert "never pays back" in chart.caption


def test_the_repatriation_chart_marks_the_crossover_month():
    chart = charts.repatriation_chart(
        {
            "cumulative_cloud": [100, 200, 300, 400],
            "cumulative_owned": [250, 280, 310, 340],
            "crossover_month": 3,
            "servers": 1,
            "cloud_monthly": 100,
            "capex": 220,
            "owned_monthly_opex": 30,
        }
    )
    assert "cheaper from month 3" in chart.caption
    assert any(s.get("x0") == 3 for s in chart.data["layout"]["shapes"])
