"""The payback and repatriation charts: each caption says what its lines show."""

from __future__ import annotations

import pytest

from advisor.presentation import charts
from placement import advise, parse_profile


def payback(cost: float, saving: float, months: float | None) -> dict:
    return {"refactor_cost": cost, "monthly_saving": saving, "months": months, "basis": "today's bill"}


def advice_with(**fields) -> dict:
    profile = {
        "name": "t",
        "requests_per_day": 2000,
        "inference": "hosted_api",
        "hosted_model": "claude-haiku-4.5",
        **fields,
    }
    return advise(parse_profile(profile)).to_dict()


@pytest.mark.parametrize(
    "effort, saving, months, words",
    [
        (1000.0, 250.0, 4.0, "The refactoring effort of $1,000 is repaid in 4.0 months."),
        (1000.0, 10.0, 100.0, "is repaid in 100.0 months, after the 12 months drawn."),
        (1000.0, 0.0, None, "With no monthly saving, the refactoring effort of $1,000 never pays back."),
        (1000.0, -5.0, None, "so the move never pays back."),
    ],
)
def test_the_payback_caption_says_when_the_line_crosses_zero_or_that_it_never_does(
    effort, saving, months, words
):
    chart = charts.payback_chart(payback(effort, saving, months), horizon_months=12)
    assert words in chart.caption
    net = chart.data["data"][0]["y"]
    crosses = any(value >= 0 for value in net[1:])
    assert crosses == ("repaid" in chart.caption and "after the" not in chart.caption)


def test_a_saving_below_zero_is_said_as_a_cost_not_a_negative_saving():
    caption = charts.payback_chart(payback(1000.0, -5.0, None), horizon_months=12).caption
    assert "the split costs $5.00 a month more" in caption and "$-5" not in caption


def test_no_refactoring_effort_draws_no_payback_chart():
    advice = advice_with(refactor_hours=0)
    assert advice["economics"]["payback"]["refactor_cost"] == 0  # the premise: a baseline, no effort
    assert "payback" not in {chart.key for chart in charts.workload_charts(advice)}


def test_refactoring_effort_draws_the_payback_chart():
    advice = advice_with(refactor_hours=40, current_monthly_cost=5000)
    assert "payback" in {chart.key for chart in charts.workload_charts(advice)}


def test_the_repatriation_chart_says_its_cloud_line_leaves_out_the_model_tokens():
    chart = charts.repatriation_chart(
        {
            "cumulative_cloud": [100, 200],
            "cumulative_owned": [250, 280],
            "crossover_month": None,
            "servers": 1,
            "cloud_monthly": 100,
            "capex": 220,
            "owned_monthly_opex": 30,
        }
    )
    assert chart.caption.startswith(
        "Cloud compute at $100.00 a month, without the model tokens (bought either way)"
    )
    assert chart.data["data"][0]["name"] == "cloud compute (model tokens left out)"
