"""Regions: a region without a catalog is priced at us-east-1 rates and says so; eu-central-1 ships its
own (partial) catalog; data residency rules out models served only through cross-region inference."""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from advisor.advice_record import StoredAdvice
from advisor.presentation.observability import observability_steps
from placement import advise, parse_profile
from placement.pricing import DEFAULT_REGION, catalog_for_pricing, estimate, load_catalog, pricing_catalog
from placement.profile import ProfileError

SCENARIOS = Path(__file__).with_name("scenarios")
SUPPORT_BOT = json.loads((SCENARIOS / "support-bot.json").read_text())["profile"]
FRANKFURT = load_catalog("eu-central-1")


def profile(**fields):
    return parse_profile({**SUPPORT_BOT, **fields})


# -- a region without a catalog ------------------------------------------------------------


def test_a_region_without_a_catalog_is_priced_at_us_east_1_rates():
    catalog, fallback = catalog_for_pricing("ap-southeast-7")
    assert catalog.region == DEFAULT_REGION and fallback
    advice = advise(profile(region="ap-southeast-7")).to_dict()
    assert advice["pricing"] == {"region": "ap-southeast-7", "catalog_region": "us-east-1", "fallback": True}
    assert advice["catalog"].startswith("us-east-1@")
    assert advice["monthly_cost"]["total"] > 0  # costs are shown, not left out


def test_the_fallback_warning_names_us_east_1_and_the_import_prices_command_for_the_region():
    [warning] = [w for w in advise(profile(region="ap-southeast-7")).warnings if "import_prices" in w]
    assert "No price catalog for ap-southeast-7" in warning and "us-east-1 rates" in warning
    # The command as advisor/management/commands/import_prices.py takes it: files, then --region.
    assert "`python manage.py import_prices AWSLambda.json AmazonECS.json" in warning
    assert "--region ap-southeast-7`" in warning


def test_a_region_with_its_own_catalog_is_not_a_fallback():
    for region in ("us-east-1", "eu-central-1"):
        catalog, fallback = catalog_for_pricing(region)
        assert catalog.region == region and not fallback
        assert advise(profile(region=region)).to_dict()["pricing"]["fallback"] is False


def test_simulations_price_a_region_without_a_catalog_at_the_same_rates_as_the_advice():
    assert pricing_catalog("ap-southeast-7").version == advise(profile(region="ap-southeast-7")).catalog


def test_a_hosted_model_is_checked_against_the_catalog_that_prices_the_region():
    # ap-southeast-7 is priced at us-east-1's catalog: its models are the ones known.
    assert parse_profile({**SUPPORT_BOT, "region": "ap-southeast-7"}).hosted_model == "claude-haiku-4.5"
    with pytest.raises(ProfileError) as caught:
        parse_profile({**SUPPORT_BOT, "region": "ap-southeast-7", "hosted_model": "gpt-4o"})
    assert "in the us-east-1 price catalog" in caught.value.errors["hosted_model"][0]


# -- eu-central-1's own catalog -------------------------------------------------------------


def test_frankfurt_prices_fargate_and_lambda_at_its_own_sourced_rates():
    # Research note issue15-commitments-stores-regions.md section 4 (B): Fargate x86 $0.04656 per
    # vCPU-hour and $0.00511 per GB-hour (us-east-1: $0.04048 and $0.004445); Lambda $0.20 per
    # million requests and $0.0000166667 per GB-s, as us-east-1; REST API $3.70 per million.
    per_hour = lambda key: (FRANKFURT.unit_price(key) * 3600).quantize(Decimal("0.000001"))  # noqa: E731
    assert per_hour("fargate.linux.x86_64.vcpu") == Decimal("0.04656")
    assert per_hour("fargate.linux.x86_64.memory") == Decimal("0.00511")
    assert FRANKFURT.unit_price("lambda.requests") * 1_000_000 == Decimal("0.20")
    assert FRANKFURT.tiers("lambda.duration.x86_64")[0][1] == Decimal("0.0000166667")
    assert FRANKFURT.tiers("api_gateway_rest.requests")[0][1] * 1_000_000 == Decimal("3.70")
    # One x86 task of 1 vCPU and 2 GB for 730 hours: 730 x 0.04656 = $33.99 and
    # 730 x 2 x 0.00511 = $7.46.
    month = estimate("fargate", {"seconds": 730 * 3600, "vcpu": 1, "memory_gb": 2}, FRANKFURT)
    assert [line.amount for line in month.lines] == [Decimal("33.99"), Decimal("7.46")]
    assert month.catalog == "eu-central-1@2026-11-30"


def test_every_frankfurt_rate_has_a_source_the_date_it_was_read_and_a_grade():
    raw = json.loads(Path("placement/prices/eu-central-1/2026-11-30.json").read_text())
    for key, rate in raw["rates"].items():
        assert rate["source"].startswith("https://") and rate["read_on"] == "2026-11-30", key
        assert rate["confidence"] in ("A", "B", "C"), key
        if rate["confidence"] == "C":
            assert rate.get("note"), f"{key}: a derived rate says how it was derived"


def test_advice_in_frankfurt_is_priced_from_the_frankfurt_catalog():
    advice = advise(profile(region="eu-central-1"))
    assert advice.catalog == "eu-central-1@2026-11-30"
    assert advice.costs["nerves"]["lambda"].total is not None
    assert not any("import_prices" in w for w in advice.warnings)


@pytest.mark.parametrize("scenario", sorted(p.name for p in SCENARIOS.glob("*.json")))
def test_a_partial_catalog_leaves_placements_unpriced_one_by_one_never_raising(scenario):
    data = json.loads((SCENARIOS / scenario).read_text()).get("profile")
    try:
        p = parse_profile({**data, "region": "eu-central-1"})
    except ProfileError:
        pytest.skip("a model Bedrock does not serve in eu-central-1")
    advice, home = advise(p), advise(parse_profile({**data, "region": "us-east-1"}))
    assert advice.costs is not None and advice.to_dict()["monthly_cost"] is not None
    for layer, costs in advice.costs.items():
        for placement, cost in costs.items():
            if cost.total is None and home.costs[layer][placement].total is not None:
                # Priced at home, not here: the missing Frankfurt rate is named.
                assert any("Not priced" in a or "catalog" in a for a in cost.assumptions), (layer, placement)


def test_dynamodb_is_not_priced_in_frankfurt_and_says_which_rate_is_missing():
    cost = advise(profile(region="eu-central-1")).costs["memory"]["dynamodb"]
    assert cost.total is None and any("dynamodb" in a and "Not priced" in a for a in cost.assumptions)


# -- no cost comparison claimed without costs --------------------------------------------------


BUSY = {"requests_per_day": 3_000_000, "pattern": "steady", "wait_fraction": 0.7, "trigger": "api"}


def test_without_prices_no_rule_quotes_a_cost_comparison():
    advice = advise(profile(**BUSY), catalog=None)
    fired = {f.rule: f.text for f in advice.trace if f.fired}
    assert "N05" not in fired and "N02" not in fired and "N03" not in fired
    assert "N03a" in fired and "no cost was compared" in fired["N03a"]
    assert not any("$0.00" in text for text in fired.values())


def test_without_prices_the_next_steps_do_not_call_containers_the_cheaper_home():
    result = advise(profile(**BUSY), catalog=None).to_dict()
    assert result["layers"]["nerves"]["placement"] in ("fargate", "ecs_ec2")
    steps = json.dumps(observability_steps(StoredAdvice.from_engine(result)))
    assert "cheaper home" not in steps and "15% utilisation" in steps


def test_with_prices_containers_cheaper_is_said_only_when_computed():
    result = advise(profile(**BUSY)).to_dict()
    fired = {f["rule"] for f in result["trace"] if f["fired"]}
    steps = json.dumps(observability_steps(StoredAdvice.from_engine(result)))
    if result["layers"]["nerves"]["placement"] == "fargate":
        assert ("cheaper home" in steps) == ("N03" in fired)


# -- data residency ---------------------------------------------------------------------------


def test_residency_rules_out_a_model_served_in_frankfurt_only_by_cross_region_inference():
    advice = advise(profile(region="eu-central-1", hosted_model="claude-sonnet-4.5", data_residency=True))
    brain = advice.layers["brain"]
    excluded = dict(brain.excluded)
    assert brain.placement != "bedrock" and "bedrock" in excluded
    reason = excluded["bedrock"]
    assert reason.rule == "R01"
    assert (
        "claude-sonnet-4.5 is served in eu-central-1 only through cross-region inference" in reason.text
        and "data residency rules it out" in reason.text
    )
    assert "cross-region-inference.html" in reason.source


def test_residency_keeps_a_model_served_in_frankfurt_itself():
    advice = advise(profile(region="eu-central-1", hosted_model="nova-lite", data_residency=True))
    assert advice.facts.bedrock_model_in_region
    assert "bedrock" not in dict(advice.layers["brain"].excluded)


def test_without_residency_a_cross_region_model_stays_with_a_plain_note():
    advice = advise(profile(region="eu-central-1", hosted_model="claude-sonnet-4.5"))
    brain = advice.layers["brain"]
    assert "bedrock" not in dict(brain.excluded)
    note = next(f for f in advice.trace if f.rule == "R02")
    assert note.fired and "cross-region inference" in note.text
    if brain.placement == "bedrock":
        assert any("cross-region inference" in w for w in brain.warnings)


def test_residency_with_a_provider_api_asks_for_the_providers_terms_rather_than_guessing():
    p = parse_profile(
        {
            **SUPPORT_BOT,
            "hosted_model": "other",
            "hosted_input_usd_per_million_tokens": 1.0,
            "hosted_output_usd_per_million_tokens": 2.0,
            "data_residency": True,
        }
    )
    note = next(f for f in advise(p).trace if f.rule == "R04")
    assert note.fired and "provider's data residency terms" in note.text


def test_a_model_bedrock_does_not_serve_in_frankfurt_is_refused_with_the_reason():
    with pytest.raises(ProfileError) as caught:
        parse_profile({**SUPPORT_BOT, "region": "eu-central-1", "hosted_model": "claude-opus-4.1"})
    assert "does not serve claude-opus-4.1 in eu-central-1" in caught.value.errors["hosted_model"][0]


def test_residency_with_a_model_whose_availability_is_not_recorded_says_check_rather_than_guess():
    advice = advise(profile(region="us-east-1", hosted_model="claude-haiku-4.5", data_residency=True))
    assert advice.facts.bedrock_model_served == "not recorded"
    note = next(f for f in advice.trace if f.rule == "R03")
    assert note.fired and "not recorded here" in note.text
    assert "bedrock" not in dict(advice.layers["brain"].excluded)
