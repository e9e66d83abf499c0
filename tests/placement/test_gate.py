"""The pull-request gate (placement/gate.py): a saved advise result against today's advice."""

from __future__ import annotations

import json

import pytest

from placement import advise, parse_profile
from placement.gate import BaselineError, check_result, compare, markdown, parse_thresholds, summary_markdown

BOT = {
    "name": "Support ticket bot",
    "requests_per_day": 2000,
    "trigger": "event",
    "wait_fraction": 0.85,
    "hosted_model": "claude-haiku-4.5",
}


def result(**changes) -> dict:
    """What ``advise --format json`` prints for the bot with some fields changed."""
    return json.loads(json.dumps(advise(parse_profile({**BOT, **changes})).to_dict()))


@pytest.fixture(scope="module")
def baseline() -> dict:
    return result()


def test_an_unchanged_profile_passes_every_condition(baseline):
    comparison = compare(baseline, result())
    thresholds = parse_thresholds(["placement-change", "cost-increase=0%", "new-warning"])

    assert comparison.failures(thresholds) == []
    assert not comparison.moved and comparison.total_delta == 0
    assert "**Gate passed** (placement-change, cost-increase=0%, new-warning)" in markdown(
        comparison, [], thresholds
    )


def test_a_layer_that_moves_fails_placement_change_and_is_shown_in_bold(baseline):
    comparison = compare(baseline, result(hot_context_gb=5))

    [moved] = comparison.moved
    assert (moved.layer, moved.before, moved.after) == ("memory", "none", "ecs_ec2")
    failures = comparison.failures(parse_thresholds(["placement-change"]))
    assert failures == ["placement-change: Memory (context): Nothing to keep hot -> ECS on EC2"]
    text = markdown(comparison, failures, parse_thresholds(["placement-change"]))
    assert "**Gate failed.** 1 placement changed" in text
    assert "| Memory (context) | Nothing to keep hot | **ECS on EC2** |" in text
    assert "| `hot_context_gb` | 0 | 5 |" in text


def test_cost_increase_in_percent_fails_only_past_the_threshold(baseline):
    busier = compare(baseline, result(requests_per_day=2100))  # 5% more traffic
    share = busier.total_delta / busier.total_before * 100

    assert 4 < share < 6
    assert busier.failures(parse_thresholds(["cost-increase=10%"])) == []
    [why] = busier.failures(parse_thresholds(["cost-increase=4%"]))
    assert why.startswith("cost-increase=4%: up $") and f"(+{share:.1f}%)" in why


def test_cost_increase_in_dollars_compares_the_monthly_total(baseline):
    busier = compare(baseline, result(requests_per_day=4000))

    assert busier.total_delta > 100
    assert busier.failures(parse_thresholds(["cost-increase=1000"])) == []
    assert busier.failures(parse_thresholds(["cost-increase=100"])) == [
        f"cost-increase=100: up ${busier.total_delta:,.2f} a month"
    ]


def test_a_cost_that_falls_never_fails_the_cost_gate(baseline):
    quieter = compare(baseline, result(requests_per_day=500))

    assert quieter.total_delta < 0
    assert quieter.failures(parse_thresholds(["cost-increase=0%", "cost-increase=0"])) == []


def test_an_incomplete_new_cost_fails_the_cost_gate_and_says_why(baseline):
    unpriced = compare(baseline, result(hosted_model=None))

    assert unpriced.total_after is None
    [why] = unpriced.failures(parse_thresholds(["cost-increase=10%"]))
    assert "incomplete" in why
    assert "**incomplete** (a layer is not priced), was $" in markdown(unpriced, [why], ())


def test_new_warnings_are_listed_under_their_layer_and_can_fail_the_gate(baseline):
    self_hosted = compare(baseline, result(inference="self_hosted", hosted_model=None, model_params_b=8))

    assert [layer for layer, _ in self_hosted.new_warnings] == ["brain"]
    assert self_hosted.failures(parse_thresholds(["new-warning"])) == ["new-warning: 1 new warning"]
    assert "#### New warnings\n\n- **Brain (inference)**: Loading this model" in markdown(self_hosted, [], ())
    back = compare(result(inference="self_hosted", hosted_model=None, model_params_b=8), baseline)
    assert "#### Warnings no longer raised" in markdown(back, [], ())


def test_several_conditions_may_share_one_value():
    assert [t.spec for t in parse_thresholds(["placement-change,cost-increase=2.5%"])] == [
        "placement-change",
        "cost-increase=2.5%",
    ]


@pytest.mark.parametrize("spec", ["cost-up", "cost-increase=ten%", "cost-increase=-5%", "placement"])
def test_a_malformed_condition_is_refused_by_name(spec):
    with pytest.raises(BaselineError, match=f"--fail-on '{spec}'"):
        parse_thresholds([spec])


@pytest.mark.parametrize(
    "saved,named",
    [
        ([], "expected the JSON object"),
        ({"name": "bot", "requests_per_day": 3}, "no profile, layers, monthly_cost"),
        ({"profile": {}, "monthly_cost": {}, "layers": {"brain": {}}}, "layers must name the placement"),
    ],
)
def test_a_file_that_is_not_a_saved_result_is_refused(saved, named):
    with pytest.raises(BaselineError, match=named):
        check_result(saved, "old.json")


def test_a_table_cell_cannot_be_broken_by_a_pipe_in_the_name(baseline):
    text = summary_markdown(result(name="bot | prod"))

    assert "### Placement Advisor: bot \\| prod" in text
    assert "| Brain (inference) | Amazon Bedrock | $" in text
