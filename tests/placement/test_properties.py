"""Invariants of the engine, checked on generated workloads (hypothesis)."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from placement import PLACEMENTS, ProfileError, advise, parse_profile
from placement.placements import label
from placement.profile import INFERENCE_KINDS, PATTERNS, TRIGGERS


@st.composite
def profiles(draw):
    duration = draw(st.floats(0.01, 7200))
    data = {
        "name": draw(
            st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=30).filter(
                str.strip
            )
        ),
        "requests_per_day": draw(st.floats(0, 1e9)),
        "peak_to_average": draw(st.floats(1, 100)),
        "pattern": draw(st.sampled_from(PATTERNS)),
        "trigger": draw(st.sampled_from(TRIGGERS)),
        "request_duration_s": duration,
        "max_duration_s": duration * draw(st.floats(1, 5)),
        "wait_fraction": draw(st.floats(0, 1)),
        "orchestration_steps": draw(st.integers(0, 30)),
        "memory_mb": draw(st.integers(128, 32768)),
        "human_wait_hours": draw(st.sampled_from([0, 0.5, 72])),
        "state_kb": draw(st.floats(0, 5000)),
        "payload_kb": draw(st.sampled_from([0, 32, 5_000, 20_000])),
        "streaming": draw(st.booleans()),
        "websocket_session_minutes": draw(st.sampled_from([0, 20])),
        "inference": draw(st.sampled_from(INFERENCE_KINDS)),
        "model_params_b": draw(st.floats(0, 200)),
        "quantization_bits": draw(st.sampled_from([4, 8, 16, 32])),
        "gpu_required": draw(st.sampled_from([None, True, False])),
        "hot_context_gb": draw(st.floats(0, 50)),
        "vector_count": draw(st.integers(0, 10**8)),
        "embedding_dim": draw(st.sampled_from([0, 384, 1024])),
        "cold_start_tolerance_s": draw(st.floats(0, 60)),
    }
    return parse_profile(data)


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_advice_is_deterministic(profile):
    assert advise(profile).to_dict() == advise(profile).to_dict()


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_a_request_over_fifteen_minutes_never_lands_on_lambda(profile):
    advice = advise(profile)
    if profile.max_duration_s > 900:
        assert advice.layers["nerves"].placement != "lambda"
        assert "lambda" not in advice.layers["nerves"].alternatives


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_a_model_that_needs_a_gpu_never_lands_on_lambda(profile):
    advice = advise(profile)
    if advice.facts.gpu_needed:
        assert advice.layers["brain"].placement not in {"lambda", "sagemaker_serverless"}


@settings(max_examples=200, deadline=None)
@given(profiles())
def test_every_layer_gets_a_known_placement_and_the_advice_is_json(profile):
    advice = advise(profile)
    for layer in advice.layers.values():
        assert layer.placement in PLACEMENTS
        assert all(p in PLACEMENTS for p in layer.alternatives)
    json.dumps(advice.to_dict(), allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["name", "requests_per_day", "wait_fraction", "pattern", "memory_mb", "streaming", "junk"]
        ),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(),
            st.text(max_size=5),
            st.lists(st.integers(), max_size=2),
        ),
    )
)
def test_any_input_either_parses_or_names_the_fields_at_fault(data):
    try:
        parse_profile(data)
    except ProfileError as exc:
        assert exc.errors and all(isinstance(m, list) and m for m in exc.errors.values())


# -- the decision procedure (placement/decision.py, docs/decisions.md) -------------------------


def _feasible_costs(advice, layer):
    """Monthly cost of every candidate of a layer that no hard limit rules out (priced ones)."""
    ruled_out = {p for p, _ in advice.layers[layer].excluded}
    return {
        p: float(c.total)
        for p, c in advice.costs[layer].items()
        if p not in ruled_out and c.total is not None
    }


@settings(max_examples=150, deadline=None, derandomize=True)
@given(profiles())
def test_no_chosen_placement_breaks_a_hard_limit(profile):
    advice = advise(profile)
    f = advice.facts
    for name, layer in advice.layers.items():
        assert layer.placement not in dict(layer.excluded), name
    nerves = advice.layers["nerves"]
    if nerves.placement == "lambda":
        assert f.lambda_worst_case_s < 900 and profile.memory_mb <= 10_240
        assert profile.trigger != "api" or profile.payload_kb <= 6 * 1024
    if nerves.placement == "step_functions_express":
        assert profile.max_duration_s < 300
    if nerves.placement == "fargate":
        assert profile.memory_mb <= 120 * 1024
    if nerves.placement != "none":  # "none": nothing fits, said as a warning and a reason
        assert nerves.front_door is not None and not nerves.front_door.breaks
    if advice.layers["memory"].placement == "dynamodb":
        assert profile.state_kb <= 400


@settings(max_examples=150, deadline=None, derandomize=True)
@given(profiles())
def test_every_chosen_placement_has_at_least_one_reason(profile):
    advice = advise(profile)
    for name, layer in advice.layers.items():
        assert layer.reasons, name
        assert all(r.text and r.source for r in layer.reasons)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(profiles())
def test_a_cheaper_feasible_candidate_is_named_in_the_reasons_of_a_dearer_choice(profile):
    advice = advise(profile)
    for name, layer in advice.layers.items():
        costs = _feasible_costs(advice, name)
        mine = costs.get(layer.placement)
        if mine is None or not costs:
            continue
        cheapest = min(costs, key=lambda p: (costs[p], p))
        if costs[cheapest] < mine:
            text = " ".join(r.text for r in layer.reasons)
            assert label(cheapest) in text or any(
                label(p) in text for p, c in costs.items() if c == costs[cheapest]
            ), (name, text)
            assert f"${mine - costs[cheapest]:,.2f} less" in text


@settings(max_examples=150, deadline=None, derandomize=True)
@given(profiles())
def test_warnings_are_about_the_chosen_split(profile):
    advice = advise(profile)
    for firing in advice.trace:
        if firing.fired and firing.effect == "warn" and firing.about:
            layer = advice.layers[firing.layer]
            if layer.placement not in firing.about:
                assert firing.text not in layer.warnings
                assert any(firing.text in w for w in layer.alternative_warnings)


@settings(max_examples=100, deadline=None)
@given(profiles())
def test_a_gpu_models_utilisation_is_its_sized_fleets(profile):
    from placement.facts import derive_facts

    f = derive_facts(profile)
    if f.gpu_needed and f.model_fits_one_instance:
        # No more single-stream busy time capped at 100%: the fleet's mean load over its capacity.
        assert f.gpu_replicas >= 1 and f.gpu_tokens_per_s_per_replica > 0
        assert f.inference_utilization == f.gpu_utilization
        assert 0 <= f.gpu_utilization <= 1
