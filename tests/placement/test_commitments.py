"""Commitments in the headline: Savings Plans and Spot at sourced rates per service and term
(placement/commitments.py), applied to the steady baseline only, and the headline, ranking and
break-even under the profile's terms with on demand beside them."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from placement import commitments, sizing
from placement.advice import advise
from placement.calculators import break_even, cached_break_even
from placement.costs import cost_of
from placement.economics import headline
from placement.facts import derive_facts
from placement.pricing import catalog_by_version, estimate, load_catalog
from placement.profile import parse_profile

CATALOG = load_catalog()
# AWS's published "up to" ceilings (docs/research/issue15-commitments-stores-regions.md, section 1):
# Compute Savings Plans 66%, on Lambda 17%, on Fargate 52%; SageMaker Savings Plans 64%;
# EC2 Spot 90%; Fargate Spot 70%.
CEILINGS = {
    "savings_plans.compute.1y.lambda": 0.17,
    "savings_plans.compute.3y.lambda": 0.17,
    "savings_plans.compute.1y.fargate": 0.52,
    "savings_plans.compute.3y.fargate": 0.52,
    "savings_plans.sagemaker.1y": 0.64,
    "savings_plans.sagemaker.3y": 0.64,
    "spot.fargate": 0.70,
}
COMPUTE_CEILING, EC2_SPOT_CEILING = 0.66, 0.90
# A steady self-hosted 8B model behind a container fleet, fed from a queue: compute that plans
# and Spot both discount.
QUEUED = {
    "name": "Queued fleet",
    "requests_per_day": 500_000,
    "request_duration_s": 2,
    "wait_fraction": 0.3,
    "inference": "self_hosted",
    "model_params_b": 8,
    "pattern": "steady",
    "trigger": "queue",
}


def profile(**fields):
    return parse_profile({"name": "t", "requests_per_day": 10_000, **fields})


def cost(layer, placement, **fields):
    p = profile(**fields)
    return cost_of(layer, placement, p, derive_facts(p), CATALOG)


def commitment_rates():
    return {key: rate for key, rate in CATALOG.rates.items() if key.startswith(("savings_plans.", "spot."))}


# -- the rates ---------------------------------------------------------------------------


def test_every_commitment_rate_comes_from_the_catalog_with_its_source_and_grade():
    rates = commitment_rates()
    assert not [key for key in CATALOG.rates if key.startswith("purchase.") or key == "fargate.spot_discount"]
    for group in ("lambda", "fargate", "ec2_general", "ec2_gpu", "ec2_p", "ec2_inf2"):
        for term in ("1y", "3y"):
            assert f"savings_plans.compute.{term}.{group}" in rates
    assert {
        "savings_plans.sagemaker.1y",
        "savings_plans.sagemaker.3y",
        "spot.ec2_general",
        "spot.ec2_gpu",
        "spot.fargate",
    } <= set(rates)
    for key, rate in rates.items():
        assert rate["source"].startswith("https://") and rate["read_on"] == "2026-11-30", key
        assert rate["confidence"] in ("A", "B", "C") and rate["note"], key
        assert 0 < Decimal(rate["price"]) < 1, key


def test_no_rate_is_a_published_maximum():
    for key, rate in commitment_rates().items():
        price = float(rate["price"])
        if key in CEILINGS:
            assert price <= CEILINGS[key], key
        elif key.startswith("savings_plans.compute."):
            assert price < COMPUTE_CEILING, key
        else:
            assert price < EC2_SPOT_CEILING, key
    assert float(CATALOG.rates["spot.ec2_gpu"]["price"]) < 0.9  # GPU Spot is not "up to 90%"
    for group in ("lambda", "fargate", "ec2_general", "ec2_gpu", "ec2_p", "ec2_inf2"):  # longer saves more
        one, three = (
            Decimal(CATALOG.rates[f"savings_plans.compute.{t}.{group}"]["price"]) for t in ("1y", "3y")
        )
        assert one < three


def test_each_service_reads_its_own_plan_and_family():
    assert commitments.rate_key("lambda", "savings_1y") == "savings_plans.compute.1y.lambda"
    assert commitments.rate_key("fargate", "savings_3y") == "savings_plans.compute.3y.fargate"
    assert commitments.rate_key("ec2", "savings_3y", "g6e.12xlarge") == "savings_plans.compute.3y.ec2_gpu"
    assert commitments.rate_key("ec2", "savings_1y", "p5.48xlarge") == "savings_plans.compute.1y.ec2_p"
    assert commitments.rate_key("ec2", "savings_1y", "inf2.xlarge") == "savings_plans.compute.1y.ec2_inf2"
    assert commitments.rate_key("ec2", "savings_1y", "m7g.large") == "savings_plans.compute.1y.ec2_general"
    assert commitments.rate_key("ec2", "spot", "p4d.24xlarge") == "spot.ec2_gpu"
    # Compute Savings Plans do not cover SageMaker: its own plan does.
    assert (
        commitments.rate_key("sagemaker_realtime", "savings_3y", "ml.g5.xlarge")
        == "savings_plans.sagemaker.3y"
    )


# -- what a plan covers --------------------------------------------------------------------


def test_lambdas_plan_discounts_duration_not_requests():
    usage = {
        "requests": 10_000_000,
        "duration_ms": 1_000,
        "memory_mb": 1_024,
        "arch": "arm64",
        "free_tier": False,
    }
    on_demand = estimate("lambda", usage)
    committed = estimate("lambda", {**usage, "purchase": "savings_1y"})
    lines = {line.name: line for line in committed.lines}
    # 10M GB-s at $0.0000133334 = $133.33 on demand; the 1-year plan's 12% off: $117.33.
    assert lines["Requests"].amount == lines["Requests"].on_demand_amount == Decimal("2.00")
    assert lines["Duration (arm64)"].on_demand == Decimal("133.33")
    assert lines["Duration (arm64)"].amount == Decimal("117.33")
    assert committed.on_demand_total == on_demand.total


def test_sagemaker_is_bought_with_a_sagemaker_savings_plan():
    c = cost("brain", "sagemaker_realtime", inference="self_hosted", model_params_b=7, commitment="3y")
    (applied,) = [a for a in c.terms if a.service == "sagemaker_realtime"]
    assert applied.rate.key == "savings_plans.sagemaker.3y"
    assert applied.plan == "SageMaker Savings Plan, 3-year, no upfront"
    # An always-on endpoint: the plan covers all of it, 45% off.
    assert c.total == (c.on_demand_total * Decimal("0.55")).quantize(Decimal("0.01"))


def test_a_plan_covers_the_steady_baseline_only():
    p = profile(commitment="1y", requests_per_day=200_000)
    f = derive_facts(p)
    fleet = sizing.nerves_fleet(p, f)
    share = commitments.fleet_baseline_share(fleet, p, f)
    assert 0 < share < 1  # the peak hour's extra tasks stay on demand
    c = cost_of("nerves", "fargate", p, f, CATALOG)
    fargate = sum(line.on_demand_amount for line in c.lines if line.name.startswith("Fargate:"))
    committed = sum(line.amount for line in c.lines if line.name.startswith("Fargate:"))
    expected = fargate * (1 - Decimal("0.20") * Decimal(str(round(share, 4))))
    assert abs(committed - expected) <= Decimal("0.02")
    assert any("sized to the steady baseline" in note for note in c.assumptions)


def test_traffic_that_stops_at_night_leaves_lambda_no_steady_hour_to_commit():
    c = cost("nerves", "lambda", commitment="3y", pattern="business_hours")
    assert c.total == c.on_demand_total
    assert any("no hour of steady use" in note for note in c.assumptions)


def test_a_one_off_job_gets_no_savings_plan():
    p = parse_profile(
        {
            "name": "backfill",
            "commitment": "3y",
            "job_total_requests": 1_000_000,
            "job_deadline_days": 10,
            "trigger": "queue",
        }
    )
    c = cost_of("nerves", "fargate", p, derive_facts(p), CATALOG)
    assert c.total == c.on_demand_total
    assert any("one-off job of 10 days gets no Savings Plan" in note for note in c.assumptions)


def test_services_without_a_plan_stay_on_demand_and_say_why():
    c = cost("memory", "dynamodb", commitment="1y", hot_context_gb=0)
    assert c.total == c.on_demand_total
    assert any("Database Savings Plans" in note for note in c.assumptions)
    brain = cost("brain", "bedrock", commitment="1y", hosted_model="claude-haiku-4.5")
    assert brain.total == brain.on_demand_total
    assert any("Bedrock's on-demand tokens have no Savings Plan" in note for note in brain.assumptions)


# -- Spot ----------------------------------------------------------------------------------


def test_spot_is_never_applied_to_a_synchronous_always_on_layer():
    c = cost("brain", "ec2_gpu", inference="self_hosted", model_params_b=7, trigger="api", spot_allowed=True)
    assert c.total == c.on_demand_total and "spot" not in dict(c.options)
    assert any("synchronous API answers callers who are waiting" in note for note in c.assumptions)


def test_spot_never_holds_the_memory_layer():
    c = cost("memory", "ecs_ec2", hot_context_gb=20, trigger="queue", spot_allowed=True)
    assert c.total == c.on_demand_total
    assert any("Memory layer holds state" in note for note in c.assumptions)


def test_queued_gpu_work_runs_on_spot_at_the_sourced_gpu_rate_and_spot_does_not_stack_with_a_plan():
    c = cost(
        "brain",
        "ec2_gpu",
        inference="self_hosted",
        model_params_b=7,
        trigger="queue",
        spot_allowed=True,
        commitment="3y",
    )
    # All of it on Spot at 60% off, not also the 3-year plan's 50%: 0.4 of on demand, not 0.2.
    assert c.total == (c.on_demand_total * Decimal("0.40")).quantize(Decimal("0.01"))
    assert [a.purchase for a in c.terms] == ["spot"]
    assert any("Spot and Savings Plans do not stack" in note for note in c.assumptions)


def test_fargate_spot_is_priced_at_the_x86_price_beside_arm64_on_demand():
    p = profile(trigger="queue", spot_allowed=True, requests_per_day=200_000)
    f = derive_facts(p)
    fleet = sizing.nerves_fleet(p, f)
    usage = {"tasks": 1, "seconds": fleet.task_hours * 3600, "vcpu": fleet.vcpu, "memory_gb": fleet.memory_gb}
    x86 = estimate("fargate", {**usage, "arch": "x86_64"}).total
    arm = estimate("fargate", {**usage, "arch": "arm64"}).total
    c = cost_of("nerves", "fargate", p, f, CATALOG)
    spot = sum(line.amount for line in c.lines if line.name.startswith("Fargate:"))
    on_demand = sum(line.on_demand_amount for line in c.lines if line.name.startswith("Fargate:"))
    assert abs(spot - x86 * Decimal("0.40")) <= Decimal("0.02") and on_demand == arm
    assert any("x86_64" in line.detail for line in c.lines if line.name.startswith("Fargate:"))


# -- headline, ranking, break-even -----------------------------------------------------------


def test_the_headline_shows_the_chosen_terms_with_on_demand_beside():
    money = advise(parse_profile({**QUEUED, "commitment": "1y"})).to_dict()["monthly_cost"]
    terms = money["commitment"]
    assert terms["term"] == "1y" and terms["label"] == "1-year Savings Plans"
    assert money["total"] == terms["total"] < terms["on_demand_total"]
    assert money["headline"] == (
        f"${terms['total']:,.2f} a month with 1-year Savings Plans "
        f"(${terms['on_demand_total']:,.2f} on demand)"
    )
    assert round(terms["saving"], 2) == round(terms["on_demand_total"] - terms["total"], 2)
    brain = terms["by_layer"]["brain"]
    assert brain["plan"] == "Compute Savings Plan, 1-year, no upfront" and brain["discount"] == 0.33
    assert brain["source"]["url"].startswith("https://") and brain["source"]["confidence"] == "C"
    assert all("on_demand" in line for line in money["lines"])


def test_on_demand_headlines_keep_their_wording_and_incomplete_stays_loud():
    money = advise(parse_profile(QUEUED)).to_dict()["monthly_cost"]
    assert money["headline"] == f"${money['total']:,.2f} a month"
    assert money["commitment"]["label"] == "On demand"
    loud = headline(Decimal("100"), ["brain"], Decimal("150"), "1-year Savings Plans")
    assert loud == (
        "INCOMPLETE: $100.00 a month with 1-year Savings Plans ($150.00 on demand) without "
        "Brain (inference), which is not priced; the real bill is higher"
    )


def test_the_ranking_follows_the_terms():
    """On demand the rules' preference for functions holds (Fargate is cheaper, but by too little);
    a 1-year plan takes 20% off Fargate's steady tasks and only 12% off Lambda's duration, which
    widens the gap until containers win; allowing Spot for this queued work makes EC2 Spot (60%
    off m7g) cheaper still than x86 Fargate Spot."""
    placed = {}
    for terms in ({}, {"commitment": "1y"}, {"spot_allowed": True}):
        placed[tuple(terms.items())] = advise(parse_profile({**QUEUED, **terms})).layers["nerves"].placement
    assert list(placed.values()) == ["lambda", "fargate", "ecs_ec2"]


def test_the_break_even_is_priced_under_the_chosen_terms():
    on_demand = cached_break_even(parse_profile({"name": "b", "requests_per_day": 20_000}), CATALOG)
    p = parse_profile({"name": "b", "requests_per_day": 20_000, "commitment": "3y"})
    committed = break_even(p, CATALOG)
    assert committed.terms == "3-year Savings Plans" and on_demand.terms == "On demand"
    # A 3-year plan takes more off the containers' steady tasks than off Lambda's duration.
    assert committed.requests_per_day < on_demand.requests_per_day
    # At the crossing both sides cost the same under the plan.
    from placement.profile import varied

    q = varied(p, requests_per_day=committed.requests_per_day)
    lam, far = (
        cost_of("nerves", pl, q, derive_facts(q), CATALOG, with_options=False).total
        for pl in ("lambda", "fargate")
    )
    assert abs(lam - far) / far < Decimal("0.01")


# -- levers and old catalogs -------------------------------------------------------------------


def test_a_longer_commitment_not_chosen_is_named_as_a_lever_with_its_saving():
    advice = advise(parse_profile({**QUEUED, "trigger": "api", "commitment": "1y"}))
    levers = [lever for lever in advice.to_dict()["levers"] if lever["id"] == "savings_plans"]
    brain = next(lever for lever in levers if lever["layer"] == "brain")
    cost = advice.economics.split_costs["brain"]
    assert brain["monthly_saving"] == float(cost.total - dict(cost.options)["savings_3y"])
    assert brain["text"].startswith(
        f"3-year Savings Plans would save about ${brain['monthly_saving']:,.2f} a month"
    )
    assert brain["source"]["url"].startswith("https://")


def test_a_catalog_without_commitment_rates_prices_on_demand_and_says_so():
    old = catalog_by_version("us-east-1@2026-11-01")
    p = profile(commitment="1y", spot_allowed=True, trigger="queue")
    c = cost_of("nerves", "fargate", p, derive_facts(p), old)
    assert c.total == c.on_demand_total and not c.options
    assert any("no Savings Plan rate" in note for note in c.assumptions)


@settings(max_examples=40, deadline=None)
@given(
    rpd=st.floats(1, 5e6),
    pattern=st.sampled_from(["steady", "business_hours", "diurnal", "spiky", "batch"]),
    trigger=st.sampled_from(["api", "queue", "schedule", "event"]),
    commitment=st.sampled_from(["none", "1y", "3y"]),
    spot=st.booleans(),
    placement=st.sampled_from(
        [
            ("nerves", "lambda"),
            ("nerves", "fargate"),
            ("nerves", "ecs_ec2"),
            ("nerves", "step_functions"),
            ("brain", "ec2_gpu"),
            ("brain", "sagemaker_realtime"),
            ("memory", "fargate"),
        ]
    ),
)
def test_a_commitment_never_raises_a_placement_above_on_demand(
    rpd, pattern, trigger, commitment, spot, placement
):
    p = profile(
        requests_per_day=rpd,
        pattern=pattern,
        trigger=trigger,
        commitment=commitment,
        spot_allowed=spot,
        inference="self_hosted",
        model_params_b=7,
        hot_context_gb=4,
    )
    c = cost_of(*placement, p, derive_facts(p), CATALOG, with_options=False)
    if c.total is not None:
        assert c.total <= c.on_demand_total
        on_demand = cost_of(
            *placement,
            profile(
                requests_per_day=rpd,
                pattern=pattern,
                trigger=trigger,
                inference="self_hosted",
                model_params_b=7,
                hot_context_gb=4,
            ),
            derive_facts(p),
            CATALOG,
            with_options=False,
        )
        assert c.on_demand_total == on_demand.total


def test_the_cost_reason_says_which_terms_priced_the_ranking():
    advice = advise(parse_profile({**QUEUED, "commitment": "1y"}))
    reason = next(r for r in advice.layers["nerves"].reasons if r.rule == "COST")
    assert reason.text.endswith("(each priced with 1-year Savings Plans).")
    on_demand = advise(parse_profile(QUEUED))
    assert "priced with" not in next(r for r in on_demand.layers["nerves"].reasons if r.rule == "COST").text


def test_the_simulation_prices_the_sized_fleet_as_the_costs_do():
    from placement.costs import fleet_cost

    p = profile(commitment="3y", requests_per_day=200_000)
    f = derive_facts(p)
    fleet = sizing.nerves_fleet(p, f)
    c = cost_of("nerves", "fargate", p, f, CATALOG)
    fargate = sum(line.amount for line in c.lines if line.name.startswith("Fargate:"))
    assert fleet_cost("fargate", fleet, fleet.task_hours, p, f, CATALOG) == fargate
    # Twice the task-hours: the plan stays sized to the sized fleet's baseline, the rest on demand.
    double = fleet_cost("fargate", fleet, 2 * fleet.task_hours, p, f, CATALOG)
    on_demand = estimate(
        "fargate",
        {
            "tasks": 1,
            "seconds": fleet.task_hours * 3600,
            "vcpu": fleet.vcpu,
            "memory_gb": fleet.memory_gb,
            "arch": "arm64",
        },
    ).total
    assert abs(double - (fargate + on_demand)) <= Decimal("0.02")
