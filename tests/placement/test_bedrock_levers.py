"""Bedrock's own levers (issue 15): prompt caching, batch inference, cross-Region inference,
Provisioned Throughput and the token quota, each named with its saving where it applies."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import advise, parse_profile
from placement.costs import PlacementCost
from placement.facts import derive_facts
from placement.levers import Lever, bedrock_levers, cache_plan
from placement.pricing import batch_models, estimate, load_catalog
from placement.profile import varied

CATALOG = load_catalog("us-east-1")
DAYS_PER_MONTH = Decimal(730) / 24  # AWS's 730-hour month


def _advice(**fields):
    return advise(parse_profile({"name": "levers", **fields}), wait_sweep=False)


def _levers(advice) -> dict[str, dict]:
    return {lever["id"]: lever for lever in advice.to_dict()["levers"]}


# -- the issue's three cases ---------------------------------------------------------------

LONG_PROMPT = dict(
    requests_per_day=50_000,
    input_tokens=200_000,
    output_tokens=300,
    repeated_prompt_share=0.9,
    hosted_model="claude-sonnet-4.5",
)


def test_the_issues_long_prompt_costs_912500_a_month_of_input_tokens():
    facts = derive_facts(parse_profile({"name": "x", **LONG_PROMPT}))
    # 200,000 tokens x 50,000 a day x 30.4167 days = 304,166,666,667 tokens at $3.00 per million
    assert estimate(
        "bedrock", {"model": "claude-sonnet-4.5", "input_tokens": facts.monthly_input_tokens}, CATALOG
    ).total == Decimal("912500.00")


def test_prompt_caching_on_the_180000_repeated_tokens_is_named_with_its_saving():
    advice = _advice(**LONG_PROMPT)
    assert advice.layers["brain"].placement == "bedrock"
    lever = _levers(advice)["prompt_caching"]
    # Worked out: 1,520,833.33 requests a month; steady traffic keeps the cache warm, so one
    # 5-minute write per window: 730 h x 12 = 8,760 writes, the other 1,512,073.33 requests read.
    requests = 50_000 * DAYS_PER_MONTH
    writes = Decimal(8_760)
    uncached = requests * 180_000 * Decimal("3.00") / 1_000_000  # $821,250.00
    cached = (
        writes * 180_000 * Decimal("3.75")  # $5,913.00 of writes
        + (requests - writes) * 180_000 * Decimal("0.30")
    ) / 1_000_000  # $81,651.96 of reads
    expected = (uncached - cached).quantize(Decimal("0.01"))
    assert expected == Decimal("733685.04")
    assert lever["monthly_saving"] == float(expected)
    assert "Prompt caching on the 180,000 repeated tokens" in lever["text"]
    assert "$733,685.04 a month" in lever["text"]
    assert lever["source"]["url"].startswith("https://docs.aws.amazon.com/bedrock/")
    assert lever["source"]["read_on"] == "2026-11-30"


NIGHTLY = dict(
    requests_per_day=2_000_000,
    pattern="batch",
    trigger="schedule",
    hosted_model="nova-lite",
    input_tokens=2_000,
    output_tokens=200,
)


def test_two_million_nightly_summaries_go_to_bedrock_batch_inference_at_half_price():
    advice = _advice(**NIGHTLY)
    brain = advice.layers["brain"]
    assert brain.placement == "bedrock_batch"
    costs = advice.costs["brain"]
    # On demand: 121,666,666,667 input tokens at $0.06 = $7,300.00 and 12,166,666,667 output
    # tokens at $0.24 = $2,920.00, $10,220.00 a month; batch inference takes 50% off each.
    assert costs["bedrock"].total == Decimal("10220.00")
    assert costs["bedrock_batch"].total == Decimal("5110.00")
    assert any("40 batch jobs" in note for note in costs["bedrock_batch"].assumptions)  # 2M / 50,000
    assert advice.to_dict()["layers"]["brain"]["label"] == "Bedrock batch inference"


def test_500_requests_a_second_checks_the_bedrock_quota_and_says_when_it_cannot():
    # 14,400,000 a day, steady, three times the average at the peak: 500 requests a second.
    busy = dict(requests_per_day=14_400_000, peak_to_average=3.0, input_tokens=1_000, output_tokens=300)
    unknown = _advice(**busy, hosted_model="claude-sonnet-4.5")
    assert unknown.facts.peak_rps == pytest.approx(500)
    text = _levers(unknown)["quota"]["text"]
    assert "500.0 requests a second" in text and "could not be made" in text and "Service Quotas" in text
    assert any("could not be made" in w for w in unknown.layers["brain"].warnings)

    known = _advice(**busy, hosted_model="nova-pro")  # default 800,000 tokens a minute (C)
    # 500 x 60 x 1,300 = 39,000,000 tokens a minute
    text = _levers(known)["quota"]["text"]
    assert "39,000,000 tokens a minute" in text and "over the default on-demand quota of 800,000" in text
    assert "request a quota increase" in text and "cross-Region inference" in text
    assert any("request a quota increase" in w for w in known.layers["brain"].warnings)


# -- prompt caching ------------------------------------------------------------------------


def test_prompt_caching_never_saves_below_the_models_minimum():
    # Claude Haiku 4.5 caches from 4,096 tokens a checkpoint (its model card).
    below = parse_profile(
        {
            "name": "x",
            "requests_per_day": 100_000,
            "hosted_model": "claude-haiku-4.5",
            "input_tokens": 4_000,
            "repeated_prompt_share": 1.0,
        }
    )
    above = parse_profile(
        {
            "name": "x",
            "requests_per_day": 100_000,
            "hosted_model": "claude-haiku-4.5",
            "input_tokens": 5_000,
            "repeated_prompt_share": 1.0,
        }
    )
    assert cache_plan(below, derive_facts(below), CATALOG, "claude-haiku-4.5") is None
    assert cache_plan(above, derive_facts(above), CATALOG, "claude-haiku-4.5").saving > 0


def test_prompt_caching_saves_nothing_when_nothing_repeats():
    advice = _advice(**{**LONG_PROMPT, "repeated_prompt_share": 0.0})
    assert "prompt_caching" not in _levers(advice)


def test_prompt_caching_saves_nothing_when_requests_are_further_apart_than_the_cache_lives():
    # 100 requests a day: one every 14 minutes, each finds the 5-minute cache expired.
    profile = parse_profile(
        {
            "name": "x",
            "requests_per_day": 100,
            "hosted_model": "claude-sonnet-4.5",
            "input_tokens": 50_000,
            "repeated_prompt_share": 0.9,
        }
    )
    assert cache_plan(profile, derive_facts(profile), CATALOG, "claude-sonnet-4.5") is None


def test_nova_caches_at_most_32000_tokens():
    profile = parse_profile(
        {
            "name": "x",
            "requests_per_day": 100_000,
            "hosted_model": "nova-pro",
            "input_tokens": 100_000,
            "repeated_prompt_share": 0.9,
        }
    )
    assert cache_plan(profile, derive_facts(profile), CATALOG, "nova-pro").repeated_tokens == 32_000


# -- batch inference -------------------------------------------------------------------------


@pytest.mark.parametrize("model", sorted(batch_models(CATALOG)))
def test_batch_inference_exactly_halves_the_token_cost(model):
    usage = {"model": model, "input_tokens": 2_000_000_000, "output_tokens": 400_000_000}
    on_demand = estimate("bedrock", usage, CATALOG)
    batch = estimate("bedrock", {**usage, "batch": True}, CATALOG)
    for full, half in zip(on_demand.lines, batch.lines):
        assert half.amount * 2 == full.amount, (model, full, half)


def test_a_synchronous_api_never_gets_batch_inference():
    advice = _advice(**{**NIGHTLY, "trigger": "api"})
    excluded = dict(advice.layers["brain"].excluded)
    assert excluded["bedrock_batch"].rule == "B50"
    assert "bedrock_batch" not in _levers(advice)


def test_a_model_without_batch_inference_never_gets_it():
    advice = _advice(
        **{
            **NIGHTLY,
            "hosted_model": "other",
            "hosted_input_usd_per_million_tokens": 1.0,
            "hosted_output_usd_per_million_tokens": 2.0,
        }
    )
    assert dict(advice.layers["brain"].excluded)["bedrock_batch"].rule == "B52"


def test_a_one_off_job_with_days_to_finish_goes_to_batch_inference():
    advice = _advice(
        job_total_requests=2_000_000,
        job_deadline_days=10,
        trigger="queue",
        hosted_model="claude-haiku-4.5",
        input_tokens=3_000,
        output_tokens=500,
    )
    assert advice.layers["brain"].placement == "bedrock_batch"


def test_on_demand_bedrock_for_queued_work_names_batch_inference_with_half_the_bill():
    advice = _advice(**{**NIGHTLY, "pattern": "steady", "trigger": "queue"})
    assert advice.layers["brain"].placement == "bedrock"  # results wanted as they come
    lever = _levers(advice)["bedrock_batch"]
    assert lever["monthly_saving"] == 5110.0  # half of $10,220.00
    assert lever["text"].startswith("If results within 24 hours are acceptable")


# -- cross-Region inference, Provisioned Throughput, who gets levers -------------------------


def test_global_cross_region_inference_saves_ten_percent_unless_data_must_stay():
    # eu-central-1 prices Sonnet 4.5 at the geographic (EU) rate, $3.30 and $16.50 per million:
    # $1,003,750.00 of input + $7,528.13 of output = $1,011,278.13 a month, 10% of it $101,127.81.
    profile = parse_profile({"name": "x", **LONG_PROMPT, "region": "eu-central-1"})
    facts = derive_facts(profile)
    catalog = load_catalog("eu-central-1")
    bill = estimate(
        "bedrock",
        {
            "model": "claude-sonnet-4.5",
            "input_tokens": facts.monthly_input_tokens,
            "output_tokens": facts.monthly_output_tokens,
        },
        catalog,
    )
    assert bill.total == Decimal("1011278.13")
    costs = {"brain": {"bedrock": PlacementCost("brain", "bedrock", bill.total, bill.lines)}}
    split = {"brain": "bedrock"}
    free = {lever.id: lever for lever in bedrock_levers(profile, facts, catalog, split, costs)}
    assert free["cross_region_inference"].monthly_saving == Decimal("101127.81")
    kept = varied(profile, data_residency=True)
    assert "cross_region_inference" not in {
        lever.id for lever in bedrock_levers(kept, derive_facts(kept), catalog, split, costs)
    }


def test_us_east_1_prices_claude_4_5_at_the_global_rate_already():
    # No global discount on top of a global price: no cross-Region lever there.
    assert "cross_region_inference" not in _levers(_advice(**LONG_PROMPT))


def test_provisioned_throughput_is_named_without_a_price():
    lever = _levers(_advice(**LONG_PROMPT))["provisioned_throughput"]
    assert lever["monthly_saving"] is None
    assert "account manager" in lever["text"] and "1- or 6-month" in lever["text"]
    small = _levers(_advice(requests_per_day=1_000, hosted_model="claude-sonnet-4.5"))
    assert "provisioned_throughput" not in small


def test_a_self_hosted_brain_gets_no_bedrock_levers():
    advice = _advice(
        requests_per_day=50_000,
        inference="self_hosted",
        model_params_b=70,
        input_tokens=200_000,
        repeated_prompt_share=0.9,
    )
    assert advice.layers["brain"].placement not in ("bedrock", "hosted_api", "bedrock_batch")
    # Commitment levers (Savings Plans, Spot: placement/economics.py) may apply to its servers.
    assert [
        lever for lever in advice.to_dict()["levers"] if lever["id"] not in ("savings_plans", "spot")
    ] == []


def test_levers_come_best_saving_first_and_unpriced_last():
    levers = _advice(**LONG_PROMPT).to_dict()["levers"]
    savings = [lever["monthly_saving"] for lever in levers]
    priced = [s for s in savings if s is not None]
    assert priced == sorted(priced, reverse=True)
    assert savings[: len(priced)] == priced  # the unpriced ones after
    assert all(isinstance(lever, Lever) for lever in _advice(**LONG_PROMPT).levers)


@settings(max_examples=60, deadline=None)
@given(
    share=st.floats(0, 1),
    input_tokens=st.integers(0, 300_000),
    requests_per_day=st.floats(0, 1e7),
    pattern=st.sampled_from(["steady", "business_hours", "batch"]),
    model=st.sampled_from(
        ["claude-sonnet-4.5", "claude-haiku-4.5", "claude-opus-4.1", "nova-pro", "nova-micro"]
    ),
)
def test_prompt_caching_saves_something_and_never_more_than_the_repeated_tokens_cost(
    share, input_tokens, requests_per_day, pattern, model
):
    profile = parse_profile(
        {
            "name": "x",
            "requests_per_day": requests_per_day,
            "pattern": pattern,
            "hosted_model": model,
            "input_tokens": input_tokens,
            "repeated_prompt_share": share,
        }
    )
    plan = cache_plan(profile, derive_facts(profile), CATALOG, model)
    if plan is None:
        return
    assert plan.repeated_tokens >= CATALOG.value(f"bedrock.{model}.cache_min_tokens")
    uncached = plan.requests * plan.repeated_tokens * CATALOG.unit_price(f"bedrock.{model}.input")
    assert 0 < plan.saving <= uncached
