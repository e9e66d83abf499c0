"""How one layer is chosen: what fits, what the rules prefer, what it costs (placement/decision.py)."""

from decimal import Decimal

import pytest

from placement.decision import MATERIAL_MONTHLY_USD, choose, cost_penalty
from placement.rules import Firing

CANDIDATES = ("lambda", "step_functions", "fargate")


def firing(rule, effect, weights, text="because", title=None, about=(), values=None):
    return Firing(
        rule=rule,
        layer="nerves",
        title=title or f"rule {rule}",
        fired=True,
        effect=effect,
        weights=weights,
        values=values or {},
        text=text,
        source="a source",
        about=about,
    )


def costs(**totals):
    return {p: None if t is None else Decimal(str(t)) for p, t in totals.items()}


def test_the_cheapest_placement_loses_nothing_and_a_dearer_one_loses_more_the_dearer_it_is():
    assert cost_penalty(100, 100) == 0
    assert 0 < cost_penalty(2_000, 1_000) < cost_penalty(4_000, 1_000)


def test_a_few_dollars_never_overrule_a_rule():
    # $5 against $10 is a doubling, but not a material one.
    assert cost_penalty(10, 5) < 0.1
    assert cost_penalty(1_000 + MATERIAL_MONTHLY_USD, 1_000) == pytest.approx(2 * 0.263, abs=0.01)


def test_an_excluded_placement_is_never_chosen_however_strongly_it_is_preferred():
    trace = (firing("A", "prefer", {"lambda": 10}), firing("X", "exclude", {"lambda": 0.0}))
    choice = choose("nerves", CANDIDATES, trace, None, None)
    assert choice.placement != "lambda"
    assert dict(choice.excluded)["lambda"].rule == "X"


def test_a_much_cheaper_placement_wins_over_a_mild_preference():
    trace = (firing("A", "prefer", {"fargate": 1}),)
    choice = choose(
        "nerves", CANDIDATES, trace, costs(step_functions=30, fargate=3_000, **{"lambda": 20}), "cat@1"
    )
    assert choice.placement == "lambda"
    assert "cheapest" in choice.reasons[-1].text


def test_a_dearer_choice_names_the_cheaper_one_and_the_monthly_difference():
    trace = (firing("A", "prefer", {"step_functions": 5}, title="Five or more steps"),)
    choice = choose(
        "nerves", CANDIDATES, trace, costs(step_functions=120, fargate=74, **{"lambda": 400}), "cat@1"
    )
    assert choice.placement == "step_functions"
    cost_reason = choice.reasons[-1]
    assert "ECS on Fargate would cost $74.00 a month, $46.00 less" in cost_reason.text
    assert "five or more steps" in cost_reason.text
    assert cost_reason.values["premium_monthly"] == 46.0


def test_a_placement_the_catalog_cannot_price_never_looks_cheap():
    trace = (firing("A", "prefer", {"step_functions": 1}),)
    choice = choose(
        "nerves", CANDIDATES, trace, costs(step_functions=None, fargate=50, **{"lambda": 5_000}), "cat@1"
    )
    assert choice.placement == "fargate"


def test_a_fallback_with_no_rule_behind_it_still_says_why():
    trace = (firing("A", "prefer", {"lambda": 5}), firing("X", "exclude", {"lambda": 0.0}, title="Too big"))
    choice = choose("nerves", CANDIDATES, trace, None, None)
    assert choice.reasons and "ruled out" in choice.reasons[0].text
    assert "AWS Lambda (too big)" in choice.reasons[0].text


def test_a_warning_about_an_alternative_is_marked_and_kept_apart():
    trace = (
        firing("A", "prefer", {"fargate": 5}),
        firing("W", "warn", {}, text="Lambda bills the waits.", about=("lambda",)),
        firing("V", "warn", {}, text="Everyone should know.", about=()),
    )
    choice = choose("nerves", CANDIDATES, trace, None, None)
    assert choice.warnings == ("Everyone should know.",)
    assert choice.alternative_warnings == ("If AWS Lambda were chosen instead: Lambda bills the waits.",)


def test_every_candidate_ruled_out_says_the_workload_needs_a_redesign():
    trace = (firing("X", "exclude", {p: 0.0 for p in CANDIDATES}),)
    choice = choose("nerves", CANDIDATES, trace, None, None)
    assert choice.placement == "none"
    assert any("redesign" in w for w in choice.warnings)
