import dataclasses
import json
from pathlib import Path

import pytest

from placement import advise, parse_profile
from placement.calculators import Hardware, break_even, refactoring_payback, repatriation_roi, tco, wait_sweep
from placement.pricing import load_catalog
from placement.profile import varied

CATALOG = load_catalog("us-east-1")
SUPPORT_BOT = json.loads((Path(__file__).with_name("scenarios") / "support-bot.json").read_text())["profile"]


def test_payback_is_the_refactoring_cost_over_the_monthly_saving():
    assert refactoring_payback(refactor_hours=100, hourly_rate=100, monthly_saving=500).months == 20
    assert refactoring_payback(refactor_hours=100, hourly_rate=100, monthly_saving=-5).months is None


def test_repatriation_crosses_when_owned_hardware_has_paid_for_itself():
    result = repatriation_roi(cloud_monthly=10_000, gpus=4, horizon_months=36)
    # one server: $45,000 up front, then 1.8 kW x 1.5 PUE x 730 h x $0.12 + $350 + 6 h x $100 a month
    assert result.servers == 1 and result.owned_monthly_opex == pytest.approx(1186.52, abs=0.01)
    assert result.crossover_month == 6
    assert result.cumulative_owned[4] > result.cumulative_cloud[4]


def test_owned_hardware_is_bought_again_at_the_end_of_its_life():
    result = repatriation_roi(
        cloud_monthly=100, gpus=1, horizon_months=60, hardware=Hardware(lifetime_months=48)
    )
    assert result.cumulative_owned[48] - result.cumulative_owned[47] > 45_000
    assert result.crossover_month is None


def test_tco_adds_the_one_off_cost_to_the_run_cost():
    assert tco(monthly=1000, horizon_months=36, one_off=5000) == 41_000
    assert tco(monthly=None, horizon_months=36) is None


def test_break_even_is_where_functions_and_containers_cost_the_same():
    p = parse_profile({**SUPPORT_BOT})
    result = break_even(p, CATALOG)
    assert result.cheaper_below == "lambda"
    rate = result.requests_per_day
    assert rate is not None and 1000 < rate < 1e7
    low = [r for r, s, c in result.curve if r < rate * 0.8]
    high = [r for r, s, c in result.curve if r > rate * 1.2]
    assert all(s <= c for r, s, c in result.curve if r in low)
    assert any(s > c for r, s, c in result.curve if r in high)
    assert 0 < result.utilization < 1 and result.rule_of_thumb == 0.15


def test_the_wait_fraction_moves_the_break_even():
    # with a full vCPU already configured, only the waiting changes between the runs
    p = parse_profile({**SUPPORT_BOT, "memory_mb": 2048})
    by_wait = dict(wait_sweep(p, CATALOG))
    assert by_wait[0.9] < by_wait[0.5]


def test_the_wait_sweep_is_left_out_unless_asked_for_and_then_matches_the_search_at_each_wait():
    p = parse_profile({**SUPPORT_BOT, "memory_mb": 2048})
    assert break_even(p, CATALOG).by_wait_fraction is None
    swept = break_even(p, CATALOG, sweep_wait=True).by_wait_fraction
    assert swept == wait_sweep(p, CATALOG)
    for wait, crossing in swept:
        assert crossing == break_even(varied(p, wait_fraction=wait), CATALOG).requests_per_day


def test_advice_without_the_wait_sweep_differs_from_the_full_advice_only_there():
    p = parse_profile({**SUPPORT_BOT, "name": "sweep check"})
    full, quick = advise(p).to_dict(), advise(p, wait_sweep=False).to_dict()
    assert quick["economics"]["break_even"]["by_wait_fraction"] is None
    assert len(full["economics"]["break_even"]["by_wait_fraction"]) == 5
    full["economics"]["break_even"]["by_wait_fraction"] = None
    assert quick == full


def test_the_nerves_reason_quotes_the_computed_break_even_and_the_rule_of_thumb():
    advice = advise(parse_profile(SUPPORT_BOT))
    reason = next(r for r in advice.layers["nerves"].reasons if r.rule == "N02")
    assert "break even at about" in reason.text and "rule of thumb says 15%" in reason.text


def test_without_a_catalog_the_fifteen_percent_rule_decides_and_says_so():
    # A region without its own catalog is priced at us-east-1 rates (issue 15); with no catalog at all
    # (catalog=None), the rule of thumb decides.
    advice = advise(parse_profile({**SUPPORT_BOT, "region": "eu-south-2"}), catalog=None)
    assert advice.costs is None and advice.catalog is None
    reason = next(r for r in advice.layers["nerves"].reasons if r.rule == "N02a")
    assert "no prices were used, so the 15% rule of thumb decides" in reason.text


def test_results_turn_into_the_same_dicts_as_dataclasses_asdict():
    # to_dict copies rather than deep-copies (it is on every evaluate answer's path).
    p = parse_profile(SUPPORT_BOT)
    results = [
        break_even(p, CATALOG),
        refactoring_payback(refactor_hours=10, hourly_rate=100, monthly_saving=50),
        repatriation_roi(cloud_monthly=10_000, gpus=4, horizon_months=36),
        p,
    ]
    for result in results:
        assert result.to_dict() == dataclasses.asdict(result)
        assert list(result.to_dict()) == [f.name for f in dataclasses.fields(result)]
