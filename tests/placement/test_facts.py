import dataclasses

import pytest

from placement import sizing
from placement.facts import derive_facts, lambda_vcpus
from placement.profile import parse_profile


def facts(**fields):
    return derive_facts(parse_profile({"name": "x", "requests_per_day": 86_400, **fields}))


def test_average_concurrency_follows_littles_law():
    # one request a second, each lasting 4 s: four in flight on average
    assert facts(request_duration_s=4).average_concurrency == pytest.approx(4)


def test_peak_concurrency_scales_with_the_peak_ratio():
    assert facts(request_duration_s=4, peak_to_average=3).peak_concurrency == pytest.approx(12)


def test_business_hours_squeeze_the_day_into_ten_hours():
    steady, office = facts(pattern="steady"), facts(pattern="business_hours")
    assert office.active_rps == pytest.approx(steady.active_rps * 2.4)
    assert office.utilization < steady.utilization


def test_utilisation_is_the_busy_share_of_the_fleet_you_would_run():
    p = parse_profile(
        {"name": "x", "requests_per_day": 86_400, "request_duration_s": 4, "peak_to_average": 2}
    )
    f = derive_facts(p)
    fleet = sizing.nerves_fleet(p, f)
    busy_task_hours = f.requests_per_month * 4 / fleet.in_flight_per_task / 3600
    assert f.utilization == pytest.approx(busy_task_hours / fleet.task_hours)


def test_utilisation_grows_with_volume_until_the_fleet_is_large():
    volumes = [3_000, 30_000, 300_000, 3_000_000]
    shares = [
        facts(
            requests_per_day=v, pattern="business_hours", request_duration_s=2, wait_fraction=0.5
        ).utilization
        for v in volumes
    ]
    assert shares == sorted(shares)
    assert shares[0] < 0.05 < 0.4 < shares[-1] <= sizing.TARGET_UTILIZATION


def test_a_trickle_of_traffic_barely_uses_the_two_tasks_kept_for_availability():
    f = derive_facts(parse_profile({"name": "x", "requests_per_day": 100, "request_duration_s": 2}))
    assert f.fleet_size_for_peak == 1
    assert f.utilization < 0.01


def test_cpu_share_is_what_waiting_leaves():
    assert facts(wait_fraction=0.9).cpu_share == pytest.approx(0.1)


def test_monthly_requests_and_gb_seconds_use_a_730_hour_month():
    f = facts(request_duration_s=0.5, memory_mb=2048)
    assert f.requests_per_month == pytest.approx(86_400 * 730 / 24)
    assert f.monthly_gb_seconds == pytest.approx(f.requests_per_month * 0.5 * 2)


@pytest.mark.parametrize(
    "memory_mb,vcpus", [(1769, 1.0), (3538, 2.0), (10_240, 10_240 / 1769), (128, 128 / 1769)]
)
def test_lambda_cpu_scales_with_memory(memory_mb, vcpus):
    assert lambda_vcpus(memory_mb) == pytest.approx(vcpus)


def test_lambda_never_gives_more_than_six_vcpus():
    assert lambda_vcpus(20_000) == 6


def test_model_memory_is_weights_plus_one_sequences_kv_cache():
    f = facts(inference="self_hosted", model_params_b=7, quantization_bits=16)
    assert f.model_weights_gb == pytest.approx(14)  # 7B x 2 bytes
    # KV cache sized as for Mistral 7B v0.3 (32 layers, 8 KV heads of 128): 131,072 bytes a
    # token, for the default 1,000 + 300 tokens of context.
    assert f.model_memory_gb == pytest.approx(14 + 131_072 * 1_300 / 1e9)
    assert f.gpu_needed and not f.model_fits_lambda


def test_a_quantised_one_billion_model_fits_lambda_without_a_gpu():
    f = facts(inference="self_hosted", model_params_b=1, quantization_bits=4)
    assert f.model_weights_gb == pytest.approx(0.5625)  # 4.5 bits a weight with the scales
    assert f.model_fits_lambda and not f.gpu_needed
    assert 15 <= f.lambda_tokens_per_second <= 32  # seed 002: 15-25 tokens/s, Arm 20-30% faster


def test_a_stated_gpu_requirement_overrides_the_derived_one():
    assert facts(inference="self_hosted", model_params_b=1, quantization_bits=4, gpu_required=True).gpu_needed
    assert not facts(inference="hosted_api", gpu_required=True).gpu_needed


def test_lambda_limits_are_checked_on_the_worst_case():
    # A worst case of exactly 900 s reaches the timeout: the request is stopped there.
    assert not facts(max_duration_s=900, request_duration_s=100).lambda_fits_duration
    assert facts(max_duration_s=899, request_duration_s=100, wait_fraction=1).lambda_fits_duration
    assert not facts(memory_mb=10_241).lambda_fits_memory


def test_the_worst_case_on_lambda_stretches_its_cpu_part_below_a_full_vcpu():
    f = facts(max_duration_s=400, request_duration_s=100, wait_fraction=0.5, memory_mb=512, trigger="queue")
    # 200 s of CPU on a 512 MB slice would take 691 s and push the worst case to 891 s, close
    # to the limit: the function is given a full vCPU, as an engineer would.
    assert f.lambda_memory_mb == 1_769
    assert f.lambda_worst_case_s == pytest.approx(400)


def test_a_cpu_bound_worst_case_past_fifteen_minutes_does_not_fit_lambda():
    f = facts(max_duration_s=1_000, request_duration_s=500, wait_fraction=0.1)
    assert f.lambda_worst_case_s >= 900
    assert not f.lambda_fits_duration


def test_a_seven_billion_model_loaded_from_s3_takes_tens_of_seconds():
    # seeds 001/003: 30-60 s, and 45 s for a 7B model downloaded from S3
    assert 30 <= facts(inference="self_hosted", model_params_b=7).lambda_cold_start_s <= 60


def test_vector_index_size_includes_graph_overhead():
    # The HNSW graph in RAM (OpenSearch k-NN docs): 1.1 x (4 x 1,000 + 8 x 16) bytes per vector
    # = 4,540.8 bytes, so 1M vectors take 4.5408 GB; the raw floats alone are 4 GB.
    f = facts(vector_count=1_000_000, embedding_dim=1000)
    assert f.vector_index_gb == pytest.approx(4.5408)
    assert f.context_gb == pytest.approx(4.5408)


def test_derived_facts_have_every_field_in_declaration_order():
    # derive_facts builds Facts without __init__ (it runs for every price point of a
    # break-even search); replace() re-runs __init__ and would fail on a missing field.
    derived = facts(pattern="business_hours", inference="self_hosted", model_params_b=7)
    assert dataclasses.replace(derived) == derived
    assert list(derived.to_dict()) == [f.name for f in dataclasses.fields(derived)]
    assert derived.to_dict() == dataclasses.asdict(derived)
