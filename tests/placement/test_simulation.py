"""The Monte Carlo simulation: reproducible, chunkable, and faithful to the profile it simulates.

Few paths and days keep the file fast; what a test needs more of, it says.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from placement import parse_profile
from placement.facts import ACTIVE_HOURS_PER_DAY, DAYS_PER_MONTH
from placement.profile import PATTERNS
from placement.simulation import (
    CHUNK_PATHS,
    ENGINE_VERSION,
    MAX_SEED,
    ChunkResult,
    SimulationCancelled,
    chunk_count,
    merge,
    simulate,
    simulate_chunk,
    sweep,
)
from placement.simulation.capacity import trailing_max
from placement.simulation.traffic import burst_plan, daily_shape, in_flight

BOT = {
    "name": "support bot",
    "requests_per_day": 20_000,
    "request_duration_s": 4,
    "wait_fraction": 0.85,
    "hosted_model": "claude-haiku-4.5",
}


def profile(**fields):
    return parse_profile({**BOT, **fields})


def every_number(value):
    """Every number in a nested to_dict() structure."""
    if isinstance(value, dict):
        for v in value.values():
            yield from every_number(v)
    elif isinstance(value, list):
        for v in value:
            yield from every_number(v)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield value


def all_stats(result):
    for layer in result.placements.values():
        for placement in layer.values():
            for name in (
                "cost",
                "cold_starts",
                "throttled_requests",
                "utilization",
                "under_provisioned_minutes",
            ):
                if getattr(placement, name) is not None:
                    yield f"{placement.layer}/{placement.placement}/{name}", getattr(placement, name)
    yield "requests", result.requests


# -- reproducibility and chunking ---------------------------------------------------------


def test_the_same_seed_gives_bit_identical_results():
    one = simulate(profile(pattern="spiky"), paths=30, days=2, seed=11)
    two = simulate(profile(pattern="spiky"), paths=30, days=2, seed=11)
    assert json.dumps(one.to_dict()) == json.dumps(two.to_dict())


def test_different_seeds_give_different_results():
    one = simulate(profile(), paths=30, days=2, seed=11)
    two = simulate(profile(), paths=30, days=2, seed=12)
    assert one.requests != two.requests


def test_chunks_run_anywhere_and_merged_in_any_order_equal_one_process():
    p, paths = profile(pattern="spiky", peak_to_average=6), 2 * CHUNK_PATHS + 30
    whole = simulate(p, paths=paths, days=1, seed=5)
    # Each chunk travels as JSON, as it would from a Celery worker, and arrives out of order.
    chunks = [
        ChunkResult.from_dict(
            json.loads(json.dumps(simulate_chunk(p, chunk=c, paths=paths, days=1, seed=5).to_dict()))
        )
        for c in reversed(range(chunk_count(paths)))
    ]
    assert chunk_count(paths) == 3
    assert merge(chunks).to_dict() == whole.to_dict()


def test_merge_refuses_a_missing_chunk():
    chunks = [simulate_chunk(profile(), chunk=c, paths=250, days=1, seed=5) for c in (0, 2)]
    with pytest.raises(ValueError, match="every chunk"):
        merge(chunks)


def test_spiky_bursts_differ_from_path_to_path():
    result = simulate(profile(pattern="spiky", peak_to_average=8), paths=20, days=2, seed=3)
    hourly = np.array([result.traffic.arrivals["p10"], result.traffic.arrivals["p90"]])
    # Were the bursts shared, p10 and p90 would only differ by Poisson noise at their hours.
    assert (hourly[1] / np.maximum(hourly[0], 1)).max() > 2


# -- faithful to the profile -------------------------------------------------------------


@pytest.mark.parametrize("pattern", PATTERNS)
def test_mean_monthly_requests_are_requests_per_day_times_a_month(pattern):
    result = simulate(profile(pattern=pattern, requests_per_day=5000), paths=100, days=30, seed=2)
    # Reported per 730-hour month (30.42 days), the unit of every cost; within a few % of 30 days.
    assert result.requests.mean == pytest.approx(5000 * DAYS_PER_MONTH, rel=0.01)
    assert result.requests.mean == pytest.approx(5000 * 30, rel=0.03)


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("peak", [1, 3, 20])
def test_the_daily_curve_keeps_the_mean_and_the_peak_over_active_hours(pattern, peak):
    shape = daily_shape(pattern, peak)
    active = shape[shape > 0]
    assert shape.mean() == pytest.approx(1)
    assert len(active) == ACTIVE_HOURS_PER_DAY[pattern] * 60
    if pattern == "spiky":  # the peak is in the bursts: base + height = peak, mean 1
        plan = burst_plan(pattern, peak)
        assert plan is None if peak == 1 else plan.base + plan.height == pytest.approx(peak)
    else:
        assert active.max() / active.mean() == pytest.approx(peak, rel=0.01)


def test_percentiles_are_ordered():
    result = simulate(profile(pattern="spiky", peak_to_average=10), paths=40, days=3, seed=4)
    for name, stats in all_stats(result):
        assert stats.p10 <= stats.p50 <= stats.p90, name
        assert stats.p10 <= stats.mean <= stats.p90 or name.endswith(
            ("cold_starts", "throttled_requests", "under_provisioned_minutes")
        ), name


def test_the_deterministic_cost_of_a_steady_profile_sits_inside_the_simulated_band():
    """No tolerance is needed: both price the same mean volume (requests_per_day x a 730-hour
    month), the band is about +-2.3% wide (10% day-to-day volume, over 30 days) and the
    simulated median of 100 paths is within about 0.2% of that mean. Fleets are left out: the
    deterministic fleet is an hourly approximation that the simulation exists to correct."""
    result = simulate(profile(requests_per_day=100_000, peak_to_average=1), paths=100, days=30, seed=8)
    for layer, placement in (
        ("nerves", "lambda"),
        ("brain", "bedrock"),
        ("brain", "hosted_api"),
        ("nerves", "step_functions"),
    ):
        r = result.placements[layer][placement]
        assert r.cost.p10 <= r.deterministic_cost <= r.cost.p90, placement
        assert r.cost.mean == pytest.approx(r.deterministic_cost, rel=0.01), placement


def test_a_fleet_that_never_leaves_its_minimum_costs_exactly_what_cost_of_says():
    result = simulate(profile(requests_per_day=100, peak_to_average=1), paths=20, days=2, seed=1)
    for placement in ("fargate", "ecs_ec2", "eks"):
        r = result.placements["nerves"][placement]
        assert r.cost.p10 == r.cost.p90 == pytest.approx(r.deterministic_cost, abs=0.01), placement


# -- what capacity does under the traffic ------------------------------------------------


def test_spiky_traffic_causes_more_lambda_cold_starts_and_throttles_than_steady_near_the_limit():
    # About 230 in flight on average, peaks of four times that: close to the 1,000 limit.
    near = dict(requests_per_day=2_000_000, request_duration_s=10, peak_to_average=4)
    steady = simulate(profile(pattern="steady", **near), paths=20, days=3, seed=6)
    spiky = simulate(profile(pattern="spiky", **near), paths=20, days=3, seed=6)
    s, k = steady.placements["nerves"]["lambda"], spiky.placements["nerves"]["lambda"]
    assert k.cold_starts.mean > 2 * s.cold_starts.mean
    assert k.throttled_requests.mean > s.throttled_requests.mean


def test_fargate_is_under_provisioned_for_fewer_minutes_when_the_peak_is_lower():
    # The peak builds over a quarter of an hour: the higher it is, the steeper the climb the
    # autoscaler follows three minutes late with 30% headroom.
    minutes = []
    for peak in (12, 6, 3, 1.5):
        result = simulate(
            profile(
                pattern="steady", requests_per_day=1_000_000, request_duration_s=20, peak_to_average=peak
            ),
            paths=20,
            days=3,
            seed=9,
            placements={"nerves": ["fargate"]},
        )
        minutes.append(result.placements["nerves"]["fargate"].under_provisioned_minutes.mean)
    assert minutes[0] > minutes[1] > minutes[2] > minutes[3] == 0


def test_fixed_gpu_fleets_cost_what_cost_of_says_and_report_utilisation():
    p = profile(
        inference="self_hosted",
        model_params_b=7,
        gpu_required=True,
        inference_seconds=5,
        requests_per_day=5000,
    )
    result = simulate(p, paths=20, days=2, seed=2, placements={"brain": ["ec2_gpu", "sagemaker_realtime"]})
    for r in result.placements["brain"].values():
        assert r.kind == "fixed"
        assert r.cost.p10 == r.cost.p90 == r.deterministic_cost
        assert 0 < r.utilization.p50 < 1


def test_the_trailing_window_maximum_matches_a_plain_loop():
    a = np.random.default_rng(0).integers(0, 50, size=(3, 200)).astype(np.float32)
    for window in (1, 2, 7, 10, 15, 300):
        expected = np.array(
            [[row[max(0, t - window + 1) : t + 1].max() for t in range(len(row))] for row in a]
        )
        assert np.array_equal(trailing_max(a, window), expected)


@pytest.mark.parametrize("duration_s", [30, 61, 600, 3000, 3001, 9000])
def test_requests_longer_than_a_minute_stay_in_flight_and_the_month_wraps_round(duration_s):
    a = np.random.default_rng(1).integers(0, 9, size=(2, 50))
    window = math.ceil(duration_s / 60)
    expected = np.array([[sum(row[(t - j) % 50] for j in range(window)) for t in range(50)] for row in a])
    expected = expected * (duration_s / 60 / window) if window > 1 else a * duration_s / 60
    assert np.allclose(in_flight(a, duration_s), expected, rtol=1e-6)


def test_provisioned_concurrency_for_a_tight_latency_target_saves_cold_starts():
    loose = simulate(profile(latency_slo_ms=5000), paths=10, days=2, seed=3)
    tight = simulate(profile(latency_slo_ms=300), paths=10, days=2, seed=3)
    assert (
        tight.placements["nerves"]["lambda"].cold_starts.mean
        < loose.placements["nerves"]["lambda"].cold_starts.mean / 2
    )


def test_the_chart_week_shows_traffic_concurrency_and_the_fleet():
    week = simulate(profile(pattern="business_hours"), paths=10, days=8, seed=3).traffic
    assert week.hours == 168
    assert all(len(series) == 168 for series in week.arrivals.values())
    assert week.arrivals["p50"][3] == 0 < week.arrivals["p50"][10]  # 03:00 is outside business hours
    assert min(week.fleet_size["p10"]) >= 2  # a synchronous fleet keeps two tasks


# -- invariants (hypothesis) -------------------------------------------------------------


@st.composite
def workloads(draw):
    duration = draw(st.floats(0.05, 900))
    return profile(
        requests_per_day=draw(st.floats(0, 3e6)),
        pattern=draw(st.sampled_from(PATTERNS)),
        peak_to_average=draw(st.floats(1, 50)),
        request_duration_s=duration,
        max_duration_s=duration * 2,
        wait_fraction=draw(st.floats(0, 1)),
        trigger=draw(st.sampled_from(["api", "queue"])),
        latency_slo_ms=draw(st.sampled_from([None, 300, 5000])),
    )


FAST = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(workloads(), st.floats(1.5, 4))
def test_more_traffic_never_costs_less_with_the_same_seed(p, factor):
    import dataclasses

    low = simulate(p, paths=20, days=2, seed=13)
    high = simulate(
        dataclasses.replace(p, requests_per_day=p.requests_per_day * factor), paths=20, days=2, seed=13
    )
    for layer, results in low.placements.items():
        for name, r in results.items():
            # A function at its concurrency quota bills the requests it served, which stop
            # growing with the traffic offered: the invariant is about placements that serve it all.
            if (
                high.placements[layer][name].throttled_requests is not None
                and high.placements[layer][name].throttled_requests.p90 > 0
            ):
                continue
            more = high.placements[layer][name].cost
            assert more.mean >= r.cost.mean - 0.01, name
            assert more.p50 >= r.cost.p50 - 0.01, name


@FAST
@given(workloads(), st.integers(0, MAX_SEED))
def test_nothing_is_nan_or_negative(p, seed):
    result = simulate(p, paths=10, days=1, seed=seed)
    data = result.to_dict()
    json.dumps(data, allow_nan=False)
    numbers = list(every_number(data))
    assert all(math.isfinite(x) and x >= 0 for x in numbers)


# -- sweep -------------------------------------------------------------------------------


def test_the_sweep_finds_where_the_cheapest_nerves_placement_flips_with_a_band():
    p = profile(requests_per_day=200_000, request_duration_s=2, wait_fraction=0.2)
    result = sweep(
        p,
        rates=[2_000, 20_000, 200_000, 2_000_000],
        paths=20,
        days=1,
        seed=1,
        placements={"nerves": ["lambda", "fargate"]},
    )
    curves = result.costs["nerves"]
    assert set(curves) == {"lambda", "fargate"}
    assert all(len(curves["lambda"][q]) == 4 for q in ("p10", "p50", "p90", "mean"))
    assert result.cheapest["nerves"][0] == "lambda" and result.cheapest["nerves"][-1] == "fargate"
    flip = result.break_evens[0]
    assert (flip.below, flip.above) == ("lambda", "fargate")
    assert flip.band[0] <= flip.rate <= flip.band[1]
    assert 2_000 < flip.rate < 2_000_000
    json.dumps(result.to_dict(), allow_nan=False)


def test_the_default_sweep_spans_a_decade_each_side_of_the_profile():
    from placement.simulation import default_rates

    rates = default_rates(profile(requests_per_day=1000))
    assert rates[0] == pytest.approx(100) and rates[-1] == pytest.approx(10_000)
    assert 1000 in [pytest.approx(r) for r in rates]


# -- the engine around the numbers -------------------------------------------------------


def test_the_result_names_engine_catalog_seed_paths_and_days():
    data = simulate(profile(), paths=10, days=1, seed=99).to_dict()
    assert (data["engine_version"], data["seed"], data["paths"], data["days"]) == (ENGINE_VERSION, 99, 10, 1)
    assert data["catalog"].startswith("us-east-1@")
    assert data["traffic"]["hours"] == 24 and len(data["traffic"]["arrivals"]["p50"]) == 24


def test_progress_reports_reach_the_total():
    calls = []
    simulate(profile(), paths=250, days=1, seed=1, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(100, 250), (200, 250), (250, 250)]


def test_cancellation_stops_between_chunks():
    calls = []
    with pytest.raises(SimulationCancelled) as stopped:
        simulate(
            profile(),
            paths=1000,
            days=1,
            seed=1,
            progress=lambda d, t: calls.append(d),
            should_stop=lambda: len(calls) >= 2,
        )
    assert calls == [100, 200]
    assert (stopped.value.done_paths, stopped.value.total_paths) == (200, 1000)


@pytest.mark.parametrize(
    "bad",
    [
        dict(seed=-1),
        dict(seed=1.5),
        dict(paths=0),
        dict(days=0),
        dict(placements={"nerves": ["warp_drive"]}),
        dict(placements={"gpu": ["lambda"]}),
    ],
)
def test_it_refuses_impossible_runs(bad):
    with pytest.raises(ValueError):
        simulate(profile(), **{"paths": 10, "days": 1, "seed": 1, **bad})


def test_it_lists_placements_it_cannot_price_instead_of_simulating_them():
    result = simulate(profile(), paths=10, days=1, seed=1)
    assert "sagemaker_realtime" in result.skipped["brain"]
    assert "sagemaker_realtime" not in result.placements["brain"]


def test_the_engine_imports_no_django():
    code = (
        "import sys; from placement import parse_profile; from placement.simulation import simulate; "
        "simulate(parse_profile({'name': 'x', 'requests_per_day': 100}), paths=5, days=1, seed=1); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"


# -- what the simulation tells the advice -----------------------------------------------------

# About 3,500 requests in flight at the top of a burst, 50 times the average: far past the
# default quota of 1,000 concurrent executions.
SPIKY_HEAVY = dict(
    requests_per_day=300_000,
    pattern="spiky",
    peak_to_average=50,
    request_duration_s=20,
    wait_fraction=0.5,
    trigger="api",
)
ON_LAMBDA = {"layers": {"nerves": {"placement": "lambda", "excluded": []}}}


def spiky_heavy(**run):
    return simulate(
        profile(**SPIKY_HEAVY),
        **{"paths": 20, "days": 3, "seed": 21, "placements": {"nerves": ["lambda", "fargate"]}, **run},
    )


def test_a_spiky_heavy_profile_throttles_at_the_default_quota_and_the_finding_says_so():
    from placement.simulation import findings

    result = spiky_heavy()
    r = result.placements["nerves"]["lambda"]
    assert result.lambda_concurrency_quota == 1_000
    assert 0.1 < r.throttled_share.p50 < 0.6
    assert 0 < r.peak_hour_throttled.p50 < r.peak_hour_requests.p50
    found = {f.kind: f for f in findings(result, ON_LAMBDA)}
    throttling = found["throttling"]
    assert (throttling.severity, throttling.layer, throttling.placement) == ("warning", "nerves", "lambda")
    share = f"{r.throttled_share.p50 * 100:.1f}%"
    assert throttling.text.startswith(
        f"The simulation throttled {share} of the requests to AWS Lambda (Nerves)"
    )
    assert "Lambda's default quota of 1,000 concurrent executions" in throttling.text
    assert f"{r.throttled_requests.p50:,.0f} of {result.requests.p50:,.0f} requests" in throttling.text
    assert (
        f"{r.peak_hour_throttled.p50:,.0f} of {r.peak_hour_requests.p50:,.0f} in its busiest hour"
        in throttling.text
    )
    assert "quota increase" in throttling.text and "SQS" in throttling.text
    assert throttling.values["throttled_share"] == r.throttled_share.p50
    # The same result as stored JSON gives the same findings.
    assert [f.to_dict() for f in findings(json.loads(json.dumps(result.to_dict())), ON_LAMBDA)] == [
        f.to_dict() for f in findings(result, ON_LAMBDA)
    ]


def test_throttled_requests_are_not_billed(monkeypatch):
    from placement.simulation import capacity

    throttled = spiky_heavy().placements["nerves"]["lambda"]
    # The same arrivals with a quota high enough that nothing is refused (and no faster scaling).
    monkeypatch.setattr(capacity, "LAMBDA_ACCOUNT_CONCURRENCY", 10**9)
    monkeypatch.setattr(capacity, "LAMBDA_SCALE_UP_PER_MINUTE", 10**9)
    served_all = spiky_heavy().placements["nerves"]["lambda"]
    assert served_all.throttled_requests.p90 == 0
    assert throttled.cost.p50 < served_all.cost.p50
    # The bill falls with the share refused: invocations and GB-seconds both scale with requests.
    assert throttled.cost.mean == pytest.approx(
        served_all.cost.mean * (1 - throttled.throttled_share.mean), rel=0.03
    )


def test_a_function_that_throttles_is_never_called_the_cheapest():
    result = spiky_heavy()
    lam, fargate = result.placements["nerves"]["lambda"], result.placements["nerves"]["fargate"]
    assert lam.cost.p50 < fargate.cost.p50  # cheaper only because refused requests are free
    assert result.cheapest("nerves") == "fargate"


def test_the_sweep_does_not_call_a_throttling_function_the_cheapest():
    result = sweep(
        profile(**SPIKY_HEAVY),
        rates=[3_000, 300_000],
        paths=10,
        days=2,
        seed=21,
        placements={"nerves": ["lambda", "fargate"]},
    )
    assert result.throttled["nerves"]["lambda"][0] == 0 < result.throttled["nerves"]["lambda"][1]
    assert result.cheapest["nerves"] == ["lambda", "fargate"]
    json.dumps(result.to_dict(), allow_nan=False)


def stats(p50, p90=None):
    p90 = p50 if p90 is None else p90
    return {"p10": p50, "p50": p50, "p90": p90, "mean": p50}


def stored(placements):
    """A stored result (to_dict) of the nerves layer, as an old or a new engine wrote it."""
    return {
        "requests": stats(1_000_000),
        "placements": {
            "nerves": {
                name: {
                    "layer": "nerves",
                    "placement": name,
                    "kind": "autoscaled" if name == "fargate" else "lambda",
                    "deterministic_cost": r.pop("deterministic_cost", 100.0),
                    "cost": stats(100.0),
                    **r,
                }
                for name, r in placements.items()
            }
        },
    }


def test_findings_name_cold_starts_and_minutes_below_demand_with_their_numbers():
    from placement.simulation import findings

    result = stored(
        {
            "lambda": {
                "cold_starts": stats(42_000),
                "throttled_requests": stats(0),
                "cold_start_share": stats(0.042),
                "throttled_share": stats(0),
            },
            "fargate": {"under_provisioned_minutes": stats(95, 140)},
        }
    )
    cold = findings(result, ON_LAMBDA)
    assert [(f.kind, f.severity) for f in cold] == [("cold_starts", "notice")]
    assert cold[0].text.startswith("4.2% of the requests to AWS Lambda (Nerves) met a cold start")
    assert "42,000 a month" in cold[0].text
    on_fargate = {"layers": {"nerves": {"placement": "fargate", "excluded": []}}}
    under = findings(result, on_fargate)
    assert [(f.kind, f.severity) for f in under] == [("under_provisioned", "warning")]
    assert under[0].text.startswith(
        "The container fleet (ECS on Fargate, Nerves) was below demand for 95 minutes "
        "of the simulated month (140 minutes in the p90 month)"
    )


def test_findings_say_when_the_p90_month_has_another_cheapest_placement():
    from placement.simulation import findings

    result = stored(
        {
            "lambda": {"deterministic_cost": 850.0, "cost": stats(880.0, 905.0)},
            "fargate": {
                "deterministic_cost": 860.0,
                "cost": stats(830.0, 812.0),
                "under_provisioned_minutes": stats(0),
            },
        }
    )
    (flip,) = findings(result, ON_LAMBDA)
    assert (flip.kind, flip.severity) == ("p90_cheapest", "warning")
    assert flip.text.startswith(
        "In the p90 month ECS on Fargate ($812) is cheaper than the recommended AWS Lambda ($905) for Nerves"
    )
    # A placement the rules ruled out is no comparison.
    ruled_out = {"layers": {"nerves": {"placement": "lambda", "excluded": [{"placement": "fargate"}]}}}
    assert findings(result, ruled_out) == []


def test_findings_read_results_stored_before_shares_were_recorded():
    from placement.simulation import findings

    old = stored({"lambda": {"cold_starts": stats(1_000), "throttled_requests": stats(281_000, 300_000)}})
    (throttling,) = findings(old, ON_LAMBDA)
    assert "throttled 28.1% of the requests" in throttling.text
    assert "281,000 of 1,000,000 requests in a median month" in throttling.text
    assert "busiest hour" not in throttling.text


def test_a_quiet_simulation_has_no_findings():
    from placement.simulation import findings

    result = simulate(profile(), paths=10, days=2, seed=3)
    assert findings(result, None) == []
