"""AWS limits are data with a source, like prices: every entry cites an AWS page and a date,
a malformed file is refused at load naming the entry, and the values the advice relies on are
the ones AWS documents."""

import json
import re
from dataclasses import FrozenInstanceError
from datetime import date
from pathlib import Path

import pytest
import yaml

from placement.limits import (
    LIMITS_PATH,
    LIMITS_VERSION,
    UNITS,
    Limit,
    LimitsError,
    limit_values,
    limits_version,
    load_limits,
)

PRICES = Path(__file__).resolve().parents[2] / "placement" / "prices" / "us-east-1" / "2026-11-01.json"
MATRIX = Path(__file__).resolve().parents[2] / "placement" / "matrix.yaml"

REQUIRED = """
lambda_timeout_s lambda_memory_max_mb lambda_memory_min_mb lambda_sync_payload_mb
lambda_async_payload_kb lambda_streamed_response_max_mb lambda_concurrency_default
lambda_scaling_per_10s lambda_ephemeral_max_mb step_functions_payload_kb
step_functions_express_max_s step_functions_standard_max_s dynamodb_item_kb
api_gateway_rest_integration_timeout_s api_gateway_http_integration_timeout_s
api_gateway_rest_payload_mb api_gateway_http_payload_mb api_gateway_websocket_idle_s
api_gateway_websocket_connection_s api_gateway_websocket_message_kb alb_idle_timeout_default_s
alb_idle_timeout_max_s function_url_timeout_s sagemaker_realtime_payload_mb
sagemaker_realtime_timeout_s sagemaker_serverless_payload_mb sagemaker_serverless_timeout_s
sagemaker_serverless_memory_max_mb sagemaker_serverless_concurrency_max sagemaker_async_payload_mb
sagemaker_async_timeout_s fargate_max_vcpu fargate_max_memory_gb sqs_message_kb
sqs_visibility_timeout_max_s s3_object_max_gb elasticache_serverless_max_data_gb
""".split()

# (value, unit, adjustable) as the AWS pages read on 2026-11-30 say.
DOCUMENTED = {
    "lambda_timeout_s": (900, "s", False),
    "lambda_memory_max_mb": (10240, "MB", False),
    "lambda_memory_min_mb": (128, "MB", False),
    "lambda_sync_payload_mb": (6, "MB", False),
    "lambda_async_payload_kb": (1024, "KB", False),  # 1 MB since October 2025, was 256 KB
    "lambda_streamed_response_max_mb": (200, "MB", True),  # 200 MB since July 2025, was 20 MB
    "lambda_concurrency_default": (1000, "count", True),
    "lambda_scaling_per_10s": (1000, "count", False),
    "lambda_ephemeral_max_mb": (10240, "MB", False),
    "function_url_timeout_s": (900, "s", False),
    "step_functions_payload_kb": (256, "KB", False),
    "step_functions_express_max_s": (300, "s", False),
    "step_functions_standard_max_s": (365 * 24 * 3600, "s", False),
    "dynamodb_item_kb": (400, "KB", False),
    "api_gateway_rest_integration_timeout_s": (29, "s", True),  # raisable since June 2024
    "api_gateway_http_integration_timeout_s": (30, "s", False),
    "api_gateway_rest_payload_mb": (10, "MB", False),
    "api_gateway_http_payload_mb": (10, "MB", False),
    "api_gateway_websocket_idle_s": (600, "s", False),
    "api_gateway_websocket_connection_s": (7200, "s", False),
    "api_gateway_websocket_message_kb": (128, "KB", False),
    "alb_idle_timeout_default_s": (60, "s", True),
    "alb_idle_timeout_max_s": (4000, "s", False),
    "sagemaker_realtime_payload_mb": (6, "MB", False),
    "sagemaker_realtime_timeout_s": (60, "s", False),
    "sagemaker_serverless_payload_mb": (4, "MB", False),
    "sagemaker_serverless_timeout_s": (60, "s", False),
    "sagemaker_serverless_memory_max_mb": (6144, "MB", False),
    "sagemaker_serverless_concurrency_max": (200, "count", False),
    "sagemaker_async_payload_mb": (1024, "MB", False),
    "sagemaker_async_timeout_s": (3600, "s", False),
    "fargate_max_vcpu": (16, "vcpu", False),
    "fargate_max_memory_gb": (120, "GB", False),
    "sqs_message_kb": (1024, "KB", False),  # 1 MiB since 2025, was 256 KiB
    "sqs_visibility_timeout_max_s": (43200, "s", False),
    "s3_object_max_gb": (50 * 1024, "GB", False),
    "elasticache_serverless_max_data_gb": (5000, "GB", False),
    # Memory stores (placement/stores.py): OCU and ACU memory, Aurora's range, S3 Vectors' limits.
    "opensearch_serverless_ocu_memory_gb": (6, "GB", False),
    "aurora_serverless_gb_per_acu": (2, "GB", False),
    "aurora_serverless_min_acu": (0.5, "count", False),
    "aurora_serverless_max_acu": (256, "count", False),
    "s3_vectors_max_dimensions": (4096, "count", False),
    "s3_vectors_max_vectors_per_index": (2_000_000_000, "count", False),
    "s3_vectors_max_top_k": (100, "count", False),
    "s3_vectors_writes_per_s": (1000, "per_s", False),
    "s3_vectors_warm_query_ms": (100, "ms", False),
}

GOOD = {
    "value": 900,
    "unit": "s",
    "adjustable": False,
    "title": "Lambda function timeout",
    "source": "https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html",
    "source_title": "Lambda quotas",
    "read_on": "2026-11-30",
    "confidence": "A",
}
GOOD_QUOTA = {
    "requests_per_minute": None,
    "tokens_per_minute": 600000,
    "adjustable": True,
    "title": "Bedrock default quota, Meta Llama 3.3 70B Instruct",
    "source": "https://docs.aws.amazon.com/general/latest/gr/bedrock.html",
    "source_title": "Amazon Bedrock endpoints and quotas",
    "read_on": "2026-11-30",
    "confidence": "C",
    "note": "Account-specific default; RPM no longer enforced.",
}


def _write(tmp_path, limits=None, quotas=None, **top):
    doc = {
        "version": "test",
        "limits": limits if limits is not None else {"lambda_timeout_s": GOOD},
        "bedrock_quotas": quotas if quotas is not None else {},
        **top,
    }
    path = tmp_path / "aws.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False))
    return path


# -- the shipped file ------------------------------------------------------------------------


def test_every_required_limit_is_there():
    limits = load_limits()
    missing = [name for name in REQUIRED if name not in limits]
    assert not missing, missing


def test_every_limit_cites_an_aws_page_a_date_and_a_unit():
    for name, limit in load_limits().items():
        assert isinstance(limit, Limit)
        assert limit.name == name
        assert re.match(r"^https://docs\.aws\.amazon\.com/\S+$", limit.source), name
        assert limit.source_title.strip(), name
        assert date.fromisoformat(limit.read_on) <= date(2026, 11, 30), name
        assert limit.unit in UNITS, name
        assert limit.title.strip(), name
        assert limit.confidence in {"A", "B", "C"}, name
        assert limit.value > 0, name


@pytest.mark.parametrize("name", sorted(DOCUMENTED))
def test_values_the_product_relies_on_are_what_aws_documents(name):
    value, unit, adjustable = DOCUMENTED[name]
    limit = load_limits()[name]
    assert (limit.value, limit.unit, limit.adjustable) == (value, unit, adjustable)


def test_headline_limits():
    values = limit_values()
    assert values["lambda_timeout_s"] == 900
    assert values["step_functions_payload_kb"] == 256
    assert values["dynamodb_item_kb"] == 400
    assert values["step_functions_express_max_s"] == 300


def test_limit_values_are_floats_by_name():
    values = limit_values()
    assert set(values) == set(load_limits())
    assert all(isinstance(v, float) for v in values.values())


def test_every_catalog_model_has_a_bedrock_quota_entry():
    rates = json.loads(PRICES.read_text())["rates"]
    models = {m.group(1) for key in rates if (m := re.match(r"^bedrock\.(.+)\.input$", key))}
    quotas = yaml.safe_load(LIMITS_PATH.read_text())["bedrock_quotas"]
    assert models and models <= set(quotas), sorted(models - set(quotas))


def test_bedrock_quotas_are_graded_account_specific_defaults():
    raw = yaml.safe_load(LIMITS_PATH.read_text())["bedrock_quotas"]
    limits = load_limits()
    for model, entry in raw.items():
        assert entry["adjustable"] is True, model
        assert "account" in entry["note"].lower(), model
        for key, prefix in (("requests_per_minute", "bedrock_rpm"), ("tokens_per_minute", "bedrock_tpm")):
            name = f"{prefix}.{model}"
            if entry[key] is None:
                assert name not in limits
            else:
                assert limits[name].value == entry[key] and limits[name].unit == "per_min"


def test_matrix_constants_agree_with_the_limits():
    constants = yaml.safe_load(MATRIX.read_text()).get("constants", {})
    values = limit_values()
    pairs = {
        "lambda_max_duration_s": "lambda_timeout_s",
        "lambda_max_memory_mb": "lambda_memory_max_mb",
        "express_max_duration_s": "step_functions_express_max_s",
        "account_concurrency_limit": "lambda_concurrency_default",
        "step_payload_limit_kb": "step_functions_payload_kb",
    }
    for constant, limit in pairs.items():
        if constant in constants:
            assert constants[constant] == values[limit], constant


def test_version_is_a_short_hash_of_the_file():
    assert re.match(r"^aws@2026-11-30\+[0-9a-f]{8}$", LIMITS_VERSION)
    assert limits_version() == LIMITS_VERSION


def test_loaded_once_and_callers_cannot_change_the_cache():
    first = load_limits()
    first.pop("lambda_timeout_s")
    assert load_limits()["lambda_timeout_s"].value == 900
    with pytest.raises(FrozenInstanceError):
        load_limits()["lambda_timeout_s"].value = 1


# -- a malformed file is refused at load, naming the entry ------------------------------------


def test_a_good_minimal_file_loads(tmp_path):
    path = _write(tmp_path, quotas={"llama-3.3-70b": GOOD_QUOTA})
    limits = load_limits(path)
    assert set(limits) == {"lambda_timeout_s", "bedrock_tpm.llama-3.3-70b"}
    assert limits_version(path).startswith("test+")


@pytest.mark.parametrize(
    "field", ["value", "unit", "adjustable", "title", "source", "source_title", "read_on", "confidence"]
)
def test_a_missing_field_is_refused_naming_the_entry(tmp_path, field):
    entry = {k: v for k, v in GOOD.items() if k != field}
    path = _write(tmp_path, limits={"lambda_timeout_s": entry})
    with pytest.raises(LimitsError, match=rf"lambda_timeout_s: missing {field}"):
        load_limits(path)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"value": "900"}, "value must be a positive number"),
        ({"value": True}, "value must be a positive number"),
        ({"value": -1}, "value must be a positive number"),
        ({"unit": "minutes"}, "unit 'minutes' is not one of"),
        ({"adjustable": "no"}, "adjustable must be true or false"),
        ({"source": "http://docs.aws.amazon.com/x"}, "source must be an https URL"),
        ({"source": ""}, "source must be an https URL"),
        ({"read_on": "last week"}, "read_on must be a date"),
        ({"confidence": "D"}, "confidence must be one of"),
        ({"title": " "}, "title must be non-empty"),
        ({"adjustible": True}, "unknown fields adjustible"),
        ({"note": ""}, "note, when given"),
    ],
)
def test_a_bad_field_is_refused_naming_the_entry(tmp_path, change, message):
    path = _write(tmp_path, limits={"lambda_timeout_s": {**GOOD, **change}})
    with pytest.raises(LimitsError, match=rf"lambda_timeout_s: {re.escape(message)}"):
        load_limits(path)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"tokens_per_minute": "lots"}, "tokens_per_minute must be a positive number or null"),
        ({"note": None, "requests_per_minute": None}, "requests_per_minute is null, so a note"),
        ({"source": None}, "missing source"),
    ],
)
def test_a_bad_bedrock_quota_is_refused_naming_the_model(tmp_path, change, message):
    path = _write(tmp_path, quotas={"llama-3.3-70b": {**GOOD_QUOTA, **change}})
    with pytest.raises(LimitsError, match=rf"bedrock quota llama-3.3-70b: {re.escape(message)}"):
        load_limits(path)


def test_the_file_shape_is_checked(tmp_path):
    bad_yaml = tmp_path / "bad.yaml"
    bad_yaml.write_text("limits: [unclosed")
    with pytest.raises(LimitsError, match="not valid YAML"):
        load_limits(bad_yaml)
    no_quotas = tmp_path / "no_quotas.yaml"
    no_quotas.write_text(yaml.safe_dump({"version": "t", "limits": {"lambda_timeout_s": GOOD}}))
    with pytest.raises(LimitsError, match="needs version, limits and bedrock_quotas"):
        load_limits(no_quotas)
    with pytest.raises(LimitsError, match="unknown top-level keys"):
        load_limits(_write(tmp_path, extra=1))
    with pytest.raises(LimitsError, match="names are lower_snake_case"):
        load_limits(_write(tmp_path, limits={"Lambda Timeout": GOOD}))
    with pytest.raises(LimitsError, match="cannot read"):
        load_limits(tmp_path / "absent.yaml")
