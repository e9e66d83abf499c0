"""Why a model's tokens are not priced, in a sentence that reads, whatever the profile names."""

from placement import parse_profile
from placement.costs import cost_of
from placement.facts import derive_facts
from placement.pricing import load_catalog

CATALOG = load_catalog("us-east-1")


def cost(layer, placement, **fields):
    p = parse_profile({"name": "t", "requests_per_day": 10_000, **fields})
    return cost_of(layer, placement, p, derive_facts(p), CATALOG)


def test_bedrock_without_a_named_model_says_no_model_is_named():
    reason = " ".join(cost("brain", "bedrock", inference="hosted_api", hosted_model=None).assumptions)
    assert reason == "The profile names no hosted model, so no token price applies."
    assert "No model is not" not in reason


def test_a_named_model_bedrock_does_not_serve_is_named_in_the_reason():
    reason = " ".join(
        cost(
            "brain",
            "bedrock",
            hosted_model="other",
            hosted_input_usd_per_million_tokens=2.5,
            hosted_output_usd_per_million_tokens=10,
        ).assumptions
    )
    assert reason == "other is not priced on Bedrock in this catalog."


def test_a_workload_calling_no_model_says_there_are_no_tokens_to_price():
    for placement in ("bedrock", "bedrock_batch", "hosted_api"):
        c = cost("brain", placement, inference="none")
        assert c.total is None
        assert (
            c.assumptions[0]
            == "This workload calls no model (inference: none), so there are no tokens to price."
        )


def test_the_hosted_api_without_a_named_model_says_no_model_is_named():
    c = cost("brain", "hosted_api", inference="hosted_api", hosted_model=None)
    assert c.total is None and c.assumptions[0].startswith("The profile names no hosted model")
