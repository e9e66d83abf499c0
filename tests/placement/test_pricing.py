import json
import shutil
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement.pricing import (
    SERVICES,
    CatalogError,
    UsageError,
    catalog_by_version,
    catalog_for_region,
    catalog_versions,
    check_catalog,
    estimate,
    load_catalog,
    read_catalog,
)

EXAMPLES = json.loads(Path(__file__).with_name("prices-examples.json").read_text())


@pytest.mark.parametrize("case", EXAMPLES, ids=[c["name"] for c in EXAMPLES])
def test_it_reproduces_aws_worked_examples_to_the_cent(case):
    assert estimate(case["service"], case["usage"]).total == Decimal(str(case["total"]))


def test_the_lambda_example_shows_each_line_as_aws_does():
    lines = {l.name: l.amount for l in estimate("lambda", EXAMPLES[2]["usage"]).lines}
    assert lines == {
        "Requests": Decimal("0.40"),
        "Duration (x86_64)": Decimal("0.83"),
        "Provisioned concurrency": Decimal("18.00"),
        "Provisioned duration": Decimal("0.73"),
    }


def test_the_same_lambda_workload_on_arm_costs_less():
    # 540,000 GB-s less 400,000 free at $0.0000133334 = $1.87, plus $0.40 of requests
    usage = {**EXAMPLES[0]["usage"], "arch": "arm64"}
    assert estimate("lambda", usage).total == Decimal("2.27")


def test_without_the_free_tier_every_request_and_gb_second_is_billed():
    usage = {**EXAMPLES[0]["usage"], "free_tier": False}
    # 540,000 GB-s x 0.0000166667 = 9.00; 3M requests = 0.60
    assert estimate("lambda", usage).total == Decimal("9.60")


def test_durable_functions_snapstart_and_streaming_are_priced():
    lines = {
        l.name: l.amount
        for l in estimate(
            "lambda",
            {
                "requests": 0,
                "memory_mb": 1024,
                "durable_operations": 2_000_000,
                "durable_written_gb": 10,
                "durable_retained_gb_month": 4,
                "snapstart_cache_hours": 1,
                "snapstart_restores": 10_000,
                "stream_gb": 150,
            },
        ).lines
    }
    assert lines["Durable operations"] == Decimal("16.00")
    assert lines["Durable state written"] == Decimal("2.50")
    assert lines["Durable state retained"] == Decimal("0.60")
    assert lines["SnapStart cache"] == Decimal("0.02")  # 3-hour minimum: 1 GB x 10,800 s
    assert lines["SnapStart restore"] == Decimal("1.40")
    assert lines["Response streaming"] == Decimal("0.40")  # 50 GB beyond the free 100


def test_express_rounds_duration_to_100_ms_and_memory_to_64_mb_chunks():
    assert estimate(
        "step_functions_express", {"requests": 1_000_000, "duration_ms": 101, "memory_mb": 65}
    ) == estimate("step_functions_express", {"requests": 1_000_000, "duration_ms": 200, "memory_mb": 128})


def test_standard_step_functions_bill_transitions_beyond_the_free_4000():
    assert estimate("step_functions", {"transitions": 1_004_000}).total == Decimal("25.00")


def test_fargate_bills_a_one_minute_minimum_and_windows_its_licence():
    short = estimate("fargate", {"tasks": 1, "seconds": 10, "vcpu": 1, "memory_gb": 2})
    minute = estimate("fargate", {"tasks": 1, "seconds": 60, "vcpu": 1, "memory_gb": 2})
    assert short.total == minute.total
    windows = estimate(
        "fargate", {"tasks": 1, "seconds": 2_628_000, "vcpu": 1, "memory_gb": 2, "os": "windows"}
    )
    assert "Windows licence" in [l.name for l in windows.lines]


def test_instances_apply_the_purchase_option():
    on_demand = estimate("ec2", {"instance_type": "g5.xlarge", "hours": 730})
    assert on_demand.total == Decimal("734.38")
    # 730 h x $1.006 = $734.38, less the catalog's 3-year Compute Savings Plan rate for GPU
    # families (savings_plans.compute.3y.ec2_gpu, 50%): $367.19, with on demand kept beside it.
    committed = estimate("ec2", {"instance_type": "g5.xlarge", "purchase": "savings_3y"})
    assert committed.total == Decimal("367.19") and committed.on_demand_total == Decimal("734.38")


def test_an_application_load_balancer_bills_its_hours_and_capacity_units():
    e = estimate("alb", {"hours": 730, "lcu_hours": 1_460})
    assert {l.name: l.amount for l in e.lines} == {
        "Load balancer hours": Decimal("16.43"),  # 730 x 0.0225
        "Load balancer capacity units (LCU-hours)": Decimal("11.68"),
    }
    assert e.total == Decimal("28.11")


def test_s3_bills_storage_through_its_tiers_and_requests_per_thousand():
    e = estimate("s3", {"storage_gb_month": 100, "put_requests": 1_000_000, "get_requests": 10_000_000})
    assert [l.amount for l in e.lines] == [Decimal("2.30"), Decimal("5.00"), Decimal("4.00")]
    # 60 TB: the first 50 TB at $0.023, the next 10 TB at $0.022
    assert estimate("s3", {"storage_gb_month": 61_440}).total == Decimal("1402.88")


def test_api_gateway_requests_get_cheaper_past_each_volume_tier():
    assert estimate("api_gateway_http", {"requests": 300_000_000}).total == Decimal("300.00")
    assert estimate("api_gateway_http", {"requests": 400_000_000}).total == Decimal("390.00")
    assert estimate("api_gateway_rest", {"requests": 1_000_000_000}).total == Decimal("3033.10")
    assert estimate("api_gateway_websocket", {"messages": 2_000_000_000}).total == Decimal("1800.00")


def test_bedrock_prices_tokens_by_model():
    e = estimate(
        "bedrock", {"model": "claude-haiku-4.5", "input_tokens": 2_000_000, "output_tokens": 1_000_000}
    )
    assert e.total == Decimal("7.00")


@pytest.mark.parametrize(
    "service,usage,message",
    [
        ("lambda", {"requests": -1}, "negative"),
        ("lambda", {"requets": 1}, "unknown usage keys"),
        ("lambda", {"arch": "sparc"}, "arch"),
        ("lambda", {"requests": float("nan")}, "finite"),
        ("lambda", {"requests": float("inf")}, "finite"),
        ("lambda", {"requests": True}, "a number"),
        ("lambda", {"requests": "5"}, "a number"),
        ("lambda", {"requests": Decimal("-0.5")}, "negative"),
        ("lambda", {"requests": -0.5}, "negative"),
        ("lambda", {"free_tier": "yes"}, "true or false"),
        ("fargate", {"tasks": 1}, "required"),
        ("bedrock", {"model": "gpt-9"}, "gpt-9"),
        ("ec2", {"instance_type": "z9.huge"}, "z9.huge"),
        ("cloudflare", {}, "unknown service"),
    ],
)
def test_bad_usage_is_refused_naming_the_key(service, usage, message):
    with pytest.raises(UsageError, match=message):
        estimate(service, usage)


def test_every_rate_of_every_shipped_catalog_has_a_source_and_a_date():
    for path in catalog_versions("us-east-1"):
        catalog = read_catalog(path)
        for key, rate in catalog.rates.items():
            assert rate["source"].startswith("https://") and rate["read_on"], (path.name, key)
            assert rate.get("confidence") in ("A", "B", "C"), (path.name, key)


def test_the_newest_catalog_is_used_and_an_older_one_still_loads_by_its_version():
    assert load_catalog("us-east-1").version == "us-east-1@2026-11-30"
    assert catalog_for_region("us-east-1").version == "us-east-1@2026-11-30"
    old = catalog_by_version("us-east-1@2026-11-01")  # what assessments made before 2026-11-30 rebuild with
    assert old.read_on == "2026-11-01" and not old.has("alb.hours")
    assert estimate("ec2", {"instance_type": "g5.xlarge"}, old).total == Decimal("734.38")


def test_a_catalog_without_sources_is_refused():
    with pytest.raises(CatalogError, match="source"):
        check_catalog({"region": "x", "version": "v", "read_on": "d", "rates": {"a": {"price": "1"}}})


def test_an_unknown_region_has_no_catalog():
    assert catalog_versions("mars-north-1") == []
    with pytest.raises(CatalogError):
        load_catalog("mars-north-1")


def test_every_usage_key_of_prices_md_is_accepted():
    documented = {
        "lambda": "requests duration_ms memory_mb arch ephemeral_mb free_tier pc_concurrency pc_hours "
        "pc_requests pc_duration_ms snapstart_cache_hours snapstart_restores stream_gb "
        "durable_operations durable_written_gb durable_retained_gb_month purchase committed_share",
        "fargate": "tasks seconds vcpu memory_gb arch os ephemeral_gb spot purchase committed_share",
        "step_functions": "transitions free_tier",
        "step_functions_express": "requests duration_ms memory_mb",
        "ec2": "instance_type hours count purchase committed_share",
        "sagemaker_realtime": "instance_type hours count purchase committed_share",
        "sagemaker_serverless": "memory_mb seconds purchase committed_share",
        "bedrock": "model input_tokens output_tokens",
        "api_gateway_http": "requests",
        "api_gateway_rest": "requests",
        "sqs": "requests",
        "api_gateway_websocket": "messages connection_minutes",
        "dynamodb": "write_units read_units",
        "elasticache_serverless": "gb_hours ecpus",
        "opensearch_serverless": "ocu_hours storage_gb",
        "alb": "hours lcu_hours",
        "s3": "storage_gb_month put_requests get_requests",
    }
    for service, keys in documented.items():
        assert set(keys.split()) <= set(SERVICES[service].keys), service


# -- properties --------------------------------------------------------------------

lambda_usage = st.fixed_dictionaries(
    {
        "requests": st.integers(0, 10**10),
        "duration_ms": st.integers(1, 900_000),
        "memory_mb": st.integers(128, 10_240),
        "free_tier": st.booleans(),
        "ephemeral_mb": st.integers(512, 10_240),
    }
)


@settings(max_examples=200, deadline=None)
@given(lambda_usage, st.sampled_from(["requests", "duration_ms", "memory_mb"]), st.integers(1, 10**6))
def test_a_lambda_cost_never_falls_when_requests_duration_or_memory_rise(usage, key, more):
    bigger = {**usage, key: usage[key] + more}
    assert estimate("lambda", bigger).total >= estimate("lambda", usage).total


@settings(max_examples=200, deadline=None)
@given(lambda_usage)
def test_arm_never_costs_more_than_x86_for_the_same_gb_seconds(usage):
    assert estimate("lambda", {**usage, "arch": "arm64"}).total <= estimate("lambda", usage).total


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(SERVICES)), st.integers(0, 10**9))
def test_no_cost_is_negative_or_nan(service, quantity):
    required = {
        "fargate": {"seconds": quantity, "vcpu": 1, "memory_gb": 2},
        "step_functions": {"transitions": quantity},
        "step_functions_express": {"requests": quantity, "duration_ms": 1000},
        "ec2": {"instance_type": "m7g.large", "hours": quantity},
        "sagemaker_realtime": {"instance_type": "ml.g5.xlarge", "hours": quantity},
        "sagemaker_serverless": {"memory_mb": 2048, "seconds": quantity},
        "bedrock": {"model": "nova-lite", "input_tokens": quantity},
        "api_gateway_http": {"requests": quantity},
        "api_gateway_rest": {"requests": quantity},
        "sqs": {"requests": quantity},
        "eks": {"cluster_hours": quantity},
        "elasticache_nodes": {"instance_type": "cache.r7g.large", "hours": quantity},
    }.get(service, {})
    e = estimate(service, required)
    assert e.total >= 0 and e.total == e.total
    assert all(line.amount >= 0 for line in e.lines)


def test_a_catalog_reads_each_rate_once_and_hands_out_tiers_callers_cannot_spoil():
    catalog = load_catalog("us-east-1")
    tiers = catalog.tiers("lambda.duration.arm64")
    tiers.clear()
    assert catalog.tiers("lambda.duration.arm64") and catalog.tiers("lambda.duration.arm64") is not tiers
    assert catalog.unit_price("lambda.requests") is catalog.unit_price("lambda.requests")
    with pytest.raises(TypeError):  # read when the catalog is built, and never changed after
        catalog.read_rates["lambda.requests"] = catalog.read_rates["sqs.requests"]  # type: ignore[index]
    assert catalog.unit_price("lambda.requests") == Decimal(
        catalog.rates["lambda.requests"]["price"]
    ) / Decimal(catalog.rates["lambda.requests"].get("per", 1))


def test_a_catalog_is_known_by_its_version_so_caches_never_mix_two_versions():
    newest, older = catalog_by_version("us-east-1@2026-11-30"), catalog_by_version("us-east-1@2026-11-01")
    assert hash(newest) == hash(load_catalog("us-east-1")) and newest == load_catalog("us-east-1")
    assert newest != older
    usage = {"instance_type": "g5.xlarge"}
    assert estimate("ec2", usage, older).catalog == "us-east-1@2026-11-01"
    assert estimate("ec2", usage, newest).catalog == "us-east-1@2026-11-30"


def test_a_catalog_imported_while_the_process_runs_prices_the_next_advice(tmp_path):
    shipped = catalog_versions("us-east-1")
    (tmp_path / "us-east-1").mkdir()
    shutil.copy(shipped[0], tmp_path / "us-east-1" / shipped[0].name)
    assert catalog_for_region("us-east-1", tmp_path).version == "us-east-1@2026-11-01"
    shutil.copy(shipped[-1], tmp_path / "us-east-1" / shipped[-1].name)
    assert catalog_for_region("us-east-1", tmp_path).version == "us-east-1@2026-11-30"
    assert catalog_for_region("eu-west-3", tmp_path) is None


def test_a_usage_priced_again_gives_the_same_lines_and_a_number_keeps_how_it_was_given():
    whole = estimate("fargate", {"seconds": 3600, "vcpu": 1, "memory_gb": 2})
    again = estimate("fargate", {"seconds": 3600, "vcpu": 1, "memory_gb": 2})
    decimal = estimate("fargate", {"seconds": 3600, "vcpu": 1.0, "memory_gb": 2})
    assert again == whole and decimal.total == whole.total
    # 1 and 1.0 are one dictionary key, but a line's detail prints them as given.
    assert "x 1 vCPU" in whole.lines[0].detail and "x 1.0 vCPU" in decimal.lines[0].detail


def test_an_unhashable_usage_value_is_still_refused_naming_the_key():
    with pytest.raises(UsageError, match="requests must be a number"):
        estimate("sqs", {"requests": [1, 2]})
