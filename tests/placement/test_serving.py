"""Model serving sized as an inference engineer would: against published figures, and properties.

Figures are from docs/research/issue15-gpu-serving.md (read 2026-11-30), which gives each source.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import parse_profile, serving, sizing
from placement.costs import cost_of
from placement.facts import derive_facts
from placement.instances import BY_NAME, INSTANCES
from placement.pricing import load_catalog
from placement.simulation.engine import simulate

CATALOG = load_catalog("us-east-1")
P4D, P5, G5, INF2 = (BY_NAME[n] for n in ("p4d.24xlarge", "p5.48xlarge", "g5.xlarge", "inf2.48xlarge"))
GIB = 2**30 / 1e9


def profile(**fields):
    return parse_profile({"name": "t", "requests_per_day": 10_000, "inference": "self_hosted", **fields})


# -- published figures ---------------------------------------------------------------------


def test_instances_carry_the_published_accelerator_memory_and_bandwidth():
    assert (P4D.accelerators, P4D.accelerator, P4D.accelerator_gb, P4D.bandwidth_gb_s) == (
        8,
        "A100 40GB",
        40,
        1555,
    )
    assert (G5.accelerator, G5.accelerator_gb, G5.bandwidth_gb_s) == ("A10G", 24, 600)
    assert (P5.accelerators, P5.accelerator, P5.accelerator_gb, P5.bandwidth_gb_s) == (8, "H100", 80, 3350)
    # Neuron docs: 32 GiB of HBM per Inferentia2 chip at 820 GiB/s, 12 chips on inf2.48xlarge.
    assert INF2.accelerators == 12 and INF2.accelerator_gb == pytest.approx(32 * GIB)
    assert INF2.bandwidth_gb_s == pytest.approx(820 * GIB)
    assert {i.interconnect for i in INSTANCES if i.name.startswith(("p4d", "p5"))} == {"NVLink"}


def test_llama_3_1_70b_weighs_about_141_gb_at_16_bit():
    assert serving.weights_gb(70.55, 16) == pytest.approx(141.1)
    assert serving.weights_gb(70.55, 8) == pytest.approx(70.55)
    assert serving.weights_gb(70.55, 4) == pytest.approx(70.55 * 0.5625)  # 4.5 bits with scales


def test_the_kv_cache_per_token_follows_the_model_config():
    llama_8b, _ = serving.shape_for(8)
    assert llama_8b.name == "Llama 3.1 8B" and llama_8b.kv_bytes_per_token == 131_072
    llama_70b, _ = serving.shape_for(70)
    assert llama_70b.name == "Llama 3.1 70B" and llama_70b.kv_bytes_per_token == 320 * 1024


def test_a_model_between_known_sizes_takes_the_next_larger_shape_and_says_so():
    shape, scale = serving.shape_for(13)
    assert shape.name == "Gemma 2 27B" and scale == 1
    fit = sizing.model_fit(
        profile(model_params_b=13), derive_facts(profile(model_params_b=13)), "ec2", CATALOG
    )
    assert "KV cache sized as for Gemma 2 27B (46 layers, 16 KV heads)" in fit.advice


def test_the_worked_p4d_example_gives_about_2600_output_tokens_a_second():
    # Research note: Llama 3.1 70B, bf16, TP 8 on p4d.24xlarge, B = 64 at an average context of
    # 2,048: 17.6 GB of weights + 5.4 GB of KV per GPU per step, at 60% of 1,555 GB/s = 24.7 ms.
    need = serving.Need(70.55, 16, 1_000, 300)
    step = serving.memory_step_seconds(need, P4D, 8, 64, average_context=2_048)
    assert step == pytest.approx(0.0247, rel=0.01)
    assert 64 / step == pytest.approx(2_600, rel=0.02)


def test_usable_memory_is_ninety_percent_less_the_runtime():
    # p4d at TP 8: 8 x (0.9 x 40 - 1.5) = 276 GB; 140 GB of weights leave 136 GB, 319 sequences
    # of 1,300 tokens at 320 KiB, capped at vLLM's 256.
    need = serving.Need(70, 16, 1_000, 300)
    assert serving.usable_gb(P4D, 8) == pytest.approx(276)
    assert serving.memory_batch(need, P4D, 8) == 256
    assert serving.memory_batch(need, P4D, 4) == 0  # 138 GB cannot hold 140 GB of weights


# -- fleets -----------------------------------------------------------------------------------


def test_the_70b_model_at_30_requests_a_second_needs_a_handful_of_instances_not_56_p4d():
    p = profile(model_params_b=70, quantization_bits=16, gpu_required=True, requests_per_day=30 * 86_400)
    f = derive_facts(p)
    c = cost_of("brain", "ec2_gpu", p, f, CATALOG)
    # 90 requests/s at the peak (3 x 30), 1,000 prompt tokens each: compute bound. One p5.48xlarge
    # runs 2 copies at TP 4, each about 2,600 output tokens/s, so 27,000 tokens/s at the peak need
    # 27,000 / (5,217 x 0.7) -> 8 instances; the old sizing gave 56 p4d ($897,628 a month).
    assert f.gpu_replicas == 8 and "p5.48xlarge" in c.lines[0].name
    assert f.gpu_tokens_per_s_per_replica == pytest.approx(5_217, rel=0.01)
    assert c.total < 897_628 / 2
    assert any("tensor parallelism over 4 H100s, 2 copies per instance" in a for a in c.assumptions)


def test_utilisation_of_a_steady_13b_code_assistant_is_well_below_full_and_matches_the_simulation():
    p = profile(
        model_params_b=13,
        quantization_bits=16,
        requests_per_day=50_000,
        pattern="steady",
        peak_to_average=1.5,
        input_tokens=1_500,
        output_tokens=200,
    )
    f = derive_facts(p)
    # One g6e.xlarge (L40S) batches 24 sequences of 23.8 ms steps: about 307 output tokens/s,
    # against a mean of 50,000 x 200 / 86,400 = 116: 38% busy, not the old "100%".
    assert f.gpu_replicas == 1 and f.gpu_batch == 24
    assert f.gpu_utilization == f.inference_utilization == pytest.approx(0.376, abs=0.005)
    result = simulate(p, paths=20, days=3, seed=1, placements={"brain": ["ec2_gpu", "sagemaker_realtime"]})
    for placement, r in result.placements["brain"].items():
        assert r.utilization.mean == pytest.approx(f.gpu_utilization, abs=0.02), placement


def test_a_latency_target_lowers_the_batch_until_each_answer_fits_it():
    # An 8B model on one A10G: 300 steps of 44.7 ms (16 GB read at 60% of 600 GB/s) take 13.4 s
    # for one sequence; a batch of 22 takes 16.3 s. A 15 s target holds fewer sequences.
    loose = serving.engine_for(serving.Need(8, 16, 1_000, 300), G5)
    tight = serving.engine_for(serving.Need(8, 16, 1_000, 300, latency_slo_ms=15_000), G5)
    assert loose.request_s > 15 and tight.request_s <= 15 and tight.batch < loose.batch
    assert tight.latency_met


def test_a_target_no_batch_can_meet_is_read_as_time_to_the_first_token():
    p = profile(model_params_b=8, latency_slo_ms=300, gpu_required=True)
    c = cost_of("brain", "ec2_gpu", p, derive_facts(p), CATALOG)
    assert any("read as time to the first token" in a for a in c.assumptions)


def test_inferentia2_is_sized_and_priced_but_never_chosen_automatically():
    p = profile(model_params_b=7, gpu_required=True, input_tokens=8_000, output_tokens=1_500)
    plan = sizing.gpu_serving(p, derive_facts(p), "ec2", CATALOG)
    assert plan.engine.spec.gpu
    neuron = plan.assumptions()[-1]
    assert "inf2.xlarge (Inferentia2)" in neuron and "Neuron SDK" in neuron


def test_a_model_too_large_for_any_node_says_which_precision_fits_where():
    p = profile(model_params_b=400, quantization_bits=16, gpu_required=True)
    f = derive_facts(p)
    assert not f.model_fits_one_instance and f.gpu_replicas == 0
    fit = sizing.model_fit(p, f, "ec2", CATALOG)
    assert not fit.fits and "At 8-bit (400 GB of weights) it fits p5.48xlarge" in fit.advice


def test_the_plans_of_a_catalog_are_worked_out_once():
    need = serving.Need(13, 16, 1_000, 300)
    assert serving.options(need, "ec2", CATALOG) is serving.options(need, "ec2", CATALOG)


# -- properties -------------------------------------------------------------------------------

params = st.floats(min_value=0.5, max_value=500, allow_nan=False)
tokens = st.integers(min_value=1, max_value=50_000)


@settings(max_examples=60, deadline=None)
@given(
    params_b=params, rate=st.floats(min_value=0.01, max_value=200), more=st.floats(min_value=1, max_value=20)
)
def test_more_traffic_never_needs_fewer_replicas_of_an_instance_nor_a_smaller_bill(params_b, rate, more):
    need = serving.Need(params_b, 8, 1_000, 300)
    low = serving.plan(need, rate, rate / 3, "ec2", CATALOG, sizing.TARGET_UTILIZATION)
    high = serving.plan(need, rate * more, rate * more / 3, "ec2", CATALOG, sizing.TARGET_UTILIZATION)
    if not low.fits:
        return
    assert high.replicas * high.hourly >= low.replicas * low.hourly
    for option in serving.options(need, "ec2", CATALOG)[0]:
        assert serving.replicas_for(option, need, rate * more, 0.7) >= serving.replicas_for(
            option, need, rate, 0.7
        )
    # and the fleet always serves the peak at the target
    assert high.replicas * high.engine.requests_per_s * sizing.TARGET_UTILIZATION >= rate * more * (1 - 1e-9)


@settings(max_examples=60, deadline=None)
@given(params_b=params, input_tokens=tokens, output_tokens=tokens)
def test_a_model_that_fits_at_16_bit_fits_at_8_and_4_bit(params_b, input_tokens, output_tokens):
    need = serving.Need(params_b, 16, input_tokens, output_tokens)
    for spec in INSTANCES:
        if serving.holds(need, spec):
            assert serving.holds(need.at(8), spec) and serving.holds(need.at(4), spec), spec.name
    if serving.plan(need, 1, 0.3, "ec2", CATALOG, 0.7).fits:
        assert serving.plan(need.at(8), 1, 0.3, "ec2", CATALOG, 0.7).fits


@settings(max_examples=60, deadline=None)
@given(params_b=params, input_tokens=tokens, extra=st.integers(min_value=0, max_value=100_000))
def test_more_context_never_allows_a_bigger_batch(params_b, input_tokens, extra):
    short = serving.Need(params_b, 16, input_tokens, 300)
    long = serving.Need(params_b, 16, input_tokens + extra, 300)
    for spec in INSTANCES:
        for tp in serving.TP_DEGREES:
            if tp <= spec.accelerators:
                assert serving.memory_batch(long, spec, tp) <= serving.memory_batch(short, spec, tp)


def test_owned_hardware_is_compared_with_the_gpus_of_the_sized_fleet():
    from placement import advise

    advice = advise(profile(model_params_b=70, gpu_required=True, requests_per_day=30 * 86_400))
    # 8 x p5.48xlarge of 8 H100s each, not 56 p4d x 8 A100s
    assert advice.facts.gpu_replicas == 8 and advice.economics.repatriation.gpus == 64
