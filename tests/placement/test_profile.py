import dataclasses
import math

import pytest

from placement.facts import derive_facts
from placement.pricing import hosted_models, load_catalog
from placement.profile import FIELDS, FIELDS_BY_NAME, ProfileError, defaults, parse_profile, varied


def errors_of(data):
    with pytest.raises(ProfileError) as caught:
        parse_profile(data)
    return caught.value.errors


def test_only_name_and_requests_per_day_are_required():
    assert set(errors_of({})) == {"name", "requests_per_day"}


def test_every_optional_field_gets_its_documented_default():
    profile = parse_profile({"name": "x", "requests_per_day": 10}).to_dict()
    for field, default in defaults().items():
        if field != "max_duration_s":
            assert profile[field] == default, field


def test_worst_case_duration_defaults_to_twice_the_average():
    assert parse_profile({"name": "x", "requests_per_day": 1, "request_duration_s": 7}).max_duration_s == 14


def test_every_field_has_a_label_help_and_layer():
    for spec in FIELDS:
        assert spec.label and spec.help and spec.layer in {"general", "nerves", "brain", "memory", "costs"}


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_it_refuses_nan_and_infinity(bad):
    assert "requests_per_day" in errors_of({"name": "x", "requests_per_day": bad})


def test_it_refuses_absurdly_large_numbers():
    assert "requests_per_day" in errors_of({"name": "x", "requests_per_day": 1e308})


def test_it_refuses_nul_characters_in_text():
    assert "name" in errors_of({"name": "a\x00b", "requests_per_day": 1})


def test_it_refuses_unknown_fields_instead_of_ignoring_them():
    assert errors_of({"name": "x", "requests_per_day": 1, "reqests_per_day": 2}) == {
        "reqests_per_day": ["Unknown field."]
    }


@pytest.mark.parametrize(
    "field,value",
    [
        ("requests_per_day", "1000"),
        ("requests_per_day", True),
        ("streaming", "yes"),
        ("orchestration_steps", 2.5),
        ("quantization_bits", 5),
        ("quantization_bits", "4"),
        ("pattern", "bursty"),
        ("name", 42),
        ("wait_fraction", 1.5),
        ("memory_mb", 64),
        ("request_duration_s", 0),
        ("peak_to_average", 0.5),
        ("region", "mars-1"),
        ("hosted_model", "Claude Haiku!"),
        ("latency_slo_ms", -1),
        ("horizon_months", 0),
    ],
)
def test_it_refuses_wrong_types_and_out_of_range_values(field, value):
    assert field in errors_of({"name": "x", "requests_per_day": 1, field: value})


def test_it_reports_every_problem_at_once_each_under_its_field():
    errors = errors_of({"name": "", "requests_per_day": -1, "wait_fraction": 2, "bogus": 1})
    assert set(errors) == {"name", "requests_per_day", "wait_fraction", "bogus"}


def test_worst_case_may_not_be_shorter_than_the_average():
    assert "max_duration_s" in errors_of(
        {"name": "x", "requests_per_day": 1, "request_duration_s": 10, "max_duration_s": 5}
    )


def test_a_profile_must_be_an_object():
    assert "non_field_errors" in errors_of(["not", "an", "object"])


def test_nullable_fields_accept_null_and_others_do_not():
    assert parse_profile({"name": "x", "requests_per_day": 1, "latency_slo_ms": None}).latency_slo_ms is None
    assert "wait_fraction" in errors_of({"name": "x", "requests_per_day": 1, "wait_fraction": None})


def test_whole_floats_are_accepted_for_integer_fields():
    profile = parse_profile(
        {"name": "x", "requests_per_day": 1, "orchestration_steps": 3.0, "quantization_bits": 4.0}
    )
    assert (profile.orchestration_steps, profile.quantization_bits) == (3, 4)
    assert isinstance(profile.orchestration_steps, int)


def test_the_profile_is_immutable():
    profile = parse_profile({"name": "x", "requests_per_day": 1})
    with pytest.raises(AttributeError):
        profile.requests_per_day = 5


def test_a_varied_profile_equals_the_same_change_made_through_the_constructor():
    p = parse_profile({"name": "bot", "requests_per_day": 2000, "wait_fraction": 0.4})
    q = varied(p, requests_per_day=31.6, wait_fraction=0.9)
    assert q == dataclasses.replace(p, requests_per_day=31.6, wait_fraction=0.9)
    assert hash(q) == hash(dataclasses.replace(p, requests_per_day=31.6, wait_fraction=0.9))
    assert p.requests_per_day == 2000 and p.wait_fraction == 0.4  # the original is untouched


def test_varying_a_field_a_profile_does_not_have_is_refused():
    p = parse_profile({"name": "bot", "requests_per_day": 2000})
    with pytest.raises(TypeError, match="requests_per_hour"):
        varied(p, requests_per_hour=3)


# -- hosted models ---------------------------------------------------------------------

OTHER_PRICES = {"hosted_input_usd_per_million_tokens": 0.5, "hosted_output_usd_per_million_tokens": 1.5}


def with_model(model, **fields):
    return {"name": "x", "requests_per_day": 1, "hosted_model": model, **fields}


@pytest.mark.parametrize("model", sorted(hosted_models(load_catalog("us-east-1"))))
def test_every_model_the_catalog_prices_is_accepted_and_served_by_bedrock(model):
    profile = parse_profile(with_model(model))
    assert profile.hosted_model == model and derive_facts(profile).hosted_model_on_bedrock


def test_an_unknown_hosted_model_is_refused_naming_the_nearest_known_models():
    [message] = errors_of(with_model("claud-sonnet-4.5"))["hosted_model"]
    assert message.startswith("Unknown model 'claud-sonnet-4.5'; did you mean claude-sonnet-4.5")
    assert "claude-haiku-4.5" in message  # the known models are listed
    assert '"other"' in message and "hosted_input_usd_per_million_tokens" in message


def test_a_model_like_none_the_catalog_knows_is_refused_without_a_guess():
    [message] = errors_of(with_model("gpt-4o"))["hosted_model"]
    assert message.startswith("Unknown model 'gpt-4o' in the us-east-1 price catalog.")
    assert "did you mean" not in message


def test_a_region_without_a_catalog_checks_models_against_the_us_east_1_catalog_that_prices_it():
    # eu-west-3 has no catalog: it is priced at us-east-1 rates (issue 15), so us-east-1's models are known.
    assert (
        parse_profile(with_model("claude-haiku-4.5", region="eu-west-3")).hosted_model == "claude-haiku-4.5"
    )
    [message] = errors_of(with_model("gpt-4o", region="eu-west-3"))["hosted_model"]
    assert message.startswith("Unknown model 'gpt-4o' in the us-east-1 price catalog.")


def test_another_model_is_accepted_with_its_token_prices():
    profile = parse_profile(with_model("other", **OTHER_PRICES))
    assert (profile.hosted_input_usd_per_million_tokens, profile.hosted_output_usd_per_million_tokens) == (
        0.5,
        1.5,
    )
    assert not derive_facts(profile).hosted_model_on_bedrock


def test_another_model_needs_both_token_prices():
    errors = errors_of(with_model("other", hosted_input_usd_per_million_tokens=0.5))
    assert set(errors) == {"hosted_output_usd_per_million_tokens"}
    assert set(errors_of(with_model("other"))) == {
        "hosted_input_usd_per_million_tokens",
        "hosted_output_usd_per_million_tokens",
    }


@pytest.mark.parametrize("price", [-0.01, "2", True, math.nan])
def test_a_token_price_is_a_number_of_at_least_zero(price):
    errors = errors_of(with_model("other", **{**OTHER_PRICES, "hosted_input_usd_per_million_tokens": price}))
    assert set(errors) == {"hosted_input_usd_per_million_tokens"}


def test_token_prices_given_for_a_catalog_model_are_refused_rather_than_ignored():
    errors = errors_of(with_model("claude-haiku-4.5", **OTHER_PRICES))
    assert set(errors) == set(OTHER_PRICES)
    assert parse_profile(with_model("claude-haiku-4.5", hosted_input_usd_per_million_tokens=None))


def test_the_token_prices_are_brain_fields_that_may_be_null():
    for name in OTHER_PRICES:
        spec = FIELDS_BY_NAME[name]
        assert spec.layer == "brain" and spec.nullable and spec.default is None and spec.minimum == 0
