import math
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from placement import advise, parse_profile
from placement.costs import _Job, cost_of, placement_costs
from placement.facts import derive_facts
from placement.pricing import Catalog, estimate, load_catalog
from placement.rules import load_matrix

CATALOG = load_catalog("us-east-1")


def costs_for(**fields):
    p = parse_profile({"name": "t", "requests_per_day": 10_000, **fields})
    return placement_costs(p, derive_facts(p), CATALOG, load_matrix().candidates)


def cost(layer, placement, **fields):
    p = parse_profile({"name": "t", "requests_per_day": 10_000, **fields})
    return cost_of(layer, placement, p, derive_facts(p), CATALOG)


def test_every_candidate_has_a_cost_or_says_why_not():
    for profile in ({}, {"inference": "self_hosted", "model_params_b": 7}, {"hot_context_gb": 10}):
        for layer, by_placement in costs_for(**profile).items():
            for placement, c in by_placement.items():
                assert c.total is not None or c.assumptions, (layer, placement)
                if c.total is not None:
                    assert c.total == sum((line.amount for line in c.lines), Decimal(0))


def test_lambda_bills_the_waits_and_stretches_cpu_work_below_a_full_vcpu():
    c = cost(
        "nerves",
        "lambda",
        requests_per_day=100_000,
        request_duration_s=1,
        wait_fraction=0.5,
        memory_mb=1024,
        trigger="event",
    )
    # 0.5 s waiting + 0.5 s of CPU at 1024/1769 of a vCPU, billed at 1 GB on arm64
    duration_s = math.ceil((0.5 + 0.5 / (1024 / 1769)) * 1000) / 1000  # billed in whole ms
    requests = 100_000 * 730 / 24
    expected = round(requests * duration_s * 0.0000133334, 2) + round(requests * 0.2 / 1e6, 2)
    assert float(c.total) == expected
    assert any("memory trap" in a for a in c.assumptions)


def test_synchronous_cpu_work_gets_a_full_vcpu_and_says_so():
    c = cost("nerves", "lambda", request_duration_s=2, wait_fraction=0.2, memory_mb=512, trigger="api")
    assert any(a.startswith("1,769 MB instead of 512 MB") for a in c.assumptions)


def test_a_tight_latency_target_adds_provisioned_concurrency():
    c = cost("nerves", "lambda", trigger="api", latency_slo_ms=300)
    assert any("Provisioned concurrency" in line.name for line in c.lines)


def test_containers_hold_more_waiting_requests_per_vcpu_so_they_cost_less_as_waits_grow():
    busy = cost("nerves", "fargate", requests_per_day=500_000, request_duration_s=4, wait_fraction=0.2)
    idle = cost("nerves", "fargate", requests_per_day=500_000, request_duration_s=4, wait_fraction=0.9)
    assert idle.total < busy.total


def test_gpu_models_get_the_cheapest_instance_that_holds_them():
    c = cost("brain", "ec2_gpu", inference="self_hosted", model_params_b=70, quantization_bits=16)
    # 140 GB of weights: 4 x L40S (4 x (0.9 x 48 - 1.5) = 166.8 GB usable) at $10.49 an hour
    # beats 8 x A100 (320 GB) at $21.96; at 10,000 requests a day one instance serves the peak.
    assert "g6e.12xlarge" in c.lines[0].name
    assert any(
        "g6e.12xlarge (4 x L40S, 192 GB) holds it with tensor parallelism over 4 L40Ss" in a
        for a in c.assumptions
    )
    assert any(a.startswith("1 x g6e.12xlarge always on") for a in c.assumptions)
    too_big = cost("brain", "ec2_gpu", inference="self_hosted", model_params_b=1000, quantization_bits=16)
    assert too_big.total is None and any("p5.48xlarge" in a for a in too_big.assumptions)


def test_a_fine_tuned_70b_model_is_priced_on_a_sagemaker_endpoint():
    for placement in ("sagemaker_realtime", "sagemaker_async"):
        c = cost(
            "brain",
            placement,
            inference="self_hosted",
            model_params_b=70,
            quantization_bits=16,
            requests_per_day=30 * 86_400,
        )
        assert c.total is not None and c.total > 0, placement
        # 90 requests/s at the peak (3 x 30) of 1,000 prompt tokens each are compute bound: the
        # H100s' FLOPS serve them with the fewest dollars (tests/placement/test_serving.py).
        assert "ml.p5.48xlarge" in c.lines[0].name
        assert any("140.0 GB of weights" in a and "ml.p5.48xlarge" in a for a in c.assumptions)
    realtime = cost(
        "brain",
        "sagemaker_realtime",
        inference="self_hosted",
        model_params_b=70,
        quantization_bits=16,
        requests_per_day=30 * 86_400,
    )
    assert any(a.startswith("8 x ml.p5.48xlarge always on") for a in realtime.assumptions)
    assert realtime.total == Decimal("369648.64")  # 8 x $63.296 x 730 h


def test_a_400b_model_at_16_bit_fits_no_single_instance_and_says_what_would():
    for placement in ("sagemaker_realtime", "sagemaker_async", "ec2_gpu", "eks"):
        c = cost("brain", placement, inference="self_hosted", model_params_b=400, quantization_bits=16)
        assert c.total is None, placement
        note = " ".join(c.assumptions)
        assert "Not priced" in note and "800.0 GB of weights" in note  # 400B x 2 bytes
        assert "p5.48xlarge, 8 x H100, 640 GB) offers 564 GB" in note  # 8 x (0.9 x 80 - 1.5)
        assert "At 8-bit (400 GB of weights) it fits" in note
        assert "at 4-bit (225 GB of weights) it fits" in note  # 0.5625 bytes a weight
        assert "spread over 2 nodes" in note


def test_every_instance_in_the_specs_has_a_sourced_price_in_the_newest_catalog():
    from placement.instances import INSTANCES

    for spec in INSTANCES:
        families = ("ec2", "sagemaker") if spec.sagemaker else ("ec2",)
        for family in families:
            rate = CATALOG.rates[spec.catalog_key(family)]
            assert Decimal(rate["price"]) > 0 and rate["source"].startswith("https://aws.amazon.com/")
            assert rate["read_on"] and rate["confidence"] in "ABC", spec.catalog_key(family)
        assert spec.source.startswith("https://aws.amazon.com/ec2/instance-types/")
        assert spec.bandwidth_source.startswith("https://") and spec.bandwidth_gb_s > 0
        assert spec.total_accelerator_gb == spec.accelerators * spec.accelerator_gb > 0


def test_purchase_options_are_priced_beside_on_demand():
    c = cost("brain", "ec2_gpu", inference="self_hosted", model_params_b=7, quantization_bits=16)
    options = dict(c.options)
    assert options["savings_3y"] < options["savings_1y"] < c.total == c.on_demand_total
    # A synchronous API's servers are never offered on Spot (test_commitments.py); queued work is.
    assert "spot" not in options
    queued = cost(
        "brain", "ec2_gpu", inference="self_hosted", model_params_b=7, quantization_bits=16, trigger="queue"
    )
    assert dict(queued.options)["spot"] < queued.total


def test_a_model_with_no_price_is_not_given_a_number():
    c = cost("brain", "hosted_api", hosted_model=None)
    assert c.total is None and "names no hosted model" in c.assumptions[0]


def test_another_model_is_priced_at_the_token_prices_the_profile_gives():
    c = cost(
        "brain",
        "hosted_api",
        hosted_model="other",
        input_tokens=1000,
        output_tokens=300,
        hosted_input_usd_per_million_tokens=2.5,
        hosted_output_usd_per_million_tokens=10,
    )
    # 10,000 requests a day: 304,166,666.67 input and 91,250,000 output tokens a month
    assert [line.amount for line in c.lines] == [Decimal("760.42"), Decimal("912.50")]
    assert c.total == Decimal("1672.92")
    assert "profile's own token prices" in c.assumptions[0]


def test_another_model_is_not_priced_on_bedrock_and_the_note_says_so():
    c = cost(
        "brain",
        "bedrock",
        hosted_model="other",
        hosted_input_usd_per_million_tokens=2.5,
        hosted_output_usd_per_million_tokens=10,
    )
    assert c.total is None and "not priced on Bedrock" in " ".join(c.assumptions)


def test_eks_adds_its_control_plane_to_ecs_on_ec2():
    ecs, eks = cost("nerves", "ecs_ec2"), cost("nerves", "eks")
    assert eks.total - ecs.total == Decimal("73.00")  # $0.10 an hour for 730 hours


def test_a_remembered_estimate_never_answers_for_another_catalog():
    before = cost("nerves", "eks")
    rates = {
        key: {**rate, "price": str(2 * float(rate["price"]))} if key == "eks.cluster_hours" else rate
        for key, rate in CATALOG.rates.items()
    }
    dearer = Catalog.of(CATALOG.region, "us-east-1@test-dearer-eks", CATALOG.read_on, rates)
    p = parse_profile({"name": "t", "requests_per_day": 10_000})
    after = cost_of("nerves", "eks", p, derive_facts(p), dearer)
    assert after.total - before.total == Decimal("73.00")  # the fee at $0.20 an hour, not $0.10
    assert cost("nerves", "eks") == before


def test_a_remembered_estimate_prints_a_usage_as_this_call_gave_it():
    p = parse_profile({"name": "t", "requests_per_day": 10_000})
    job = _Job(p, derive_facts(p), CATALOG)
    as_int = job.priced("fargate", {"seconds": 3600, "vcpu": 1, "memory_gb": 2})
    as_float = job.priced("fargate", {"seconds": 3600, "vcpu": 1.0, "memory_gb": 2.0})
    assert as_int.total == as_float.total
    assert [line.detail for line in as_int.lines] != [line.detail for line in as_float.lines]
    assert as_float == estimate("fargate", {"seconds": 3600, "vcpu": 1.0, "memory_gb": 2.0}, CATALOG)


def test_hot_context_is_priced_as_ram():
    c = cost("memory", "fargate", hot_context_gb=10)
    assert any("12.5 GB" in a or "13 GB" in a for a in c.assumptions) or c.total > 0


def test_advice_reports_the_split_against_containers_and_todays_bill():
    data = advise(
        parse_profile(
            {
                "name": "t",
                "requests_per_day": 2000,
                "wait_fraction": 0.9,
                "orchestration_steps": 3,
                "current_monthly_cost": 900,
                "hosted_model": "claude-haiku-4.5",
            }
        )
    ).to_dict()
    split = data["monthly_cost"]
    assert split["total"] == round(sum(line["amount"] for line in split["lines"]), 2)
    assert data["economics"]["comparison"]["current"] == 900
    assert data["economics"]["comparison"]["containers"] > split["total"]
    assert data["catalog"] == CATALOG.version


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1e7), st.floats(1, 10), st.floats(0.05, 600), st.floats(0, 1))
def test_no_placement_cost_is_negative_or_nan(rpd, factor, duration, wait):
    for by_placement in costs_for(
        requests_per_day=rpd * factor, request_duration_s=duration, wait_fraction=wait
    ).values():
        for c in by_placement.values():
            assert c.total is None or (c.total >= 0 and not math.isnan(c.total))


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1e7), st.floats(1.01, 10), st.sampled_from(["lambda", "fargate", "step_functions"]))
def test_more_traffic_never_costs_less(rpd, factor, placement):
    low = cost("nerves", placement, requests_per_day=rpd)
    high = cost("nerves", placement, requests_per_day=rpd * factor)
    assert high.total >= low.total
