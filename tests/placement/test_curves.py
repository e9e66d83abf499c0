"""The Nerves pair priced over arrays (placement/curves.py) bills what the Decimal builders bill.

The break-even search prices hundreds of volumes per profile in one NumPy call each; a
user reads the Decimal lines of ``costs``. These tests hold the two to the cent, point by
point, and the search to a one-at-a-time reference.
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest

from placement import calculators, parse_profile, sizing
from placement.calculators import SCAN_GRID, break_even, cached_break_even, wait_sweep
from placement.costs import monthly_total
from placement.curves import NervesPrices
from placement.facts import DAYS_PER_MONTH, derive_facts
from placement.presets import PRESETS
from placement.pricing import Catalog, load_catalog
from placement.profile import ProfileError, WorkloadProfile, varied

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from bodies import varied_body  # noqa: E402

CATALOG = load_catalog("us-east-1")
SCENARIOS = sorted((Path(__file__).with_name("scenarios")).glob("*.json"))
TERMS = (
    {"commitment": "1y"},
    {"commitment": "3y"},
    {"spot_allowed": True, "trigger": "queue"},
    {"commitment": "1y", "spot_allowed": True, "pattern": "batch", "trigger": "schedule"},
    {"latency_slo_ms": 200},  # provisioned concurrency
    {"websocket_session_minutes": 5},
)


def _scalar_cents(placement: str, p: WorkloadProfile, rpd: float, wait: float, catalog: Catalog) -> float:
    q = varied(p, requests_per_day=rpd, wait_fraction=wait)
    total = monthly_total("nerves", placement, q, derive_facts(q), catalog)
    return math.nan if total is None else float(total * 100)


def _varied_profiles(count: int, seed: str) -> list[WorkloadProfile]:
    """Seeded variations of the presets, with purchase terms, patterns and triggers moved about too."""
    rng = random.Random(seed)
    bases = [dict(preset.profile) for preset in PRESETS.values()]
    profiles = []
    while len(profiles) < count:
        body = varied_body(rng, bases, f"curves-{len(profiles)}")
        body["commitment"] = rng.choice(["none", "1y", "3y"])
        body["spot_allowed"] = rng.random() < 0.5
        body["pattern"] = rng.choice(["steady", "diurnal", "spiky", "business_hours", "batch"])
        body["memory_mb"] = rng.choice([128, 512, 1769, 3008, 10240])
        if body.get("job_total_requests") is None:
            body["trigger"] = rng.choice(["api", "api", "queue", "event", "schedule"])
        if body.get("trigger", "api") == "api":
            body["latency_slo_ms"] = rng.choice([None, 200, 3000])
            body["websocket_session_minutes"] = rng.choice([0, 0, 0, 5])
        try:
            profiles.append(parse_profile(body))
        except ProfileError:
            continue  # a combination the profile rules refuse
    return profiles


def _tier_edges(p: WorkloadProfile, catalog: Catalog) -> list[float]:
    """Volumes (requests a day) where a tier of Lambda duration or API Gateway requests ends, and beside them."""
    cpu_s, wait_s = p.request_duration_s * (1 - p.wait_fraction), p.request_duration_s * p.wait_fraction
    config = sizing.lambda_config(p, cpu_s, wait_s)
    gb_s_per_request = math.ceil(config.duration_s * 1000) / 1000 * config.memory_mb / 1024
    edges = [end / gb_s_per_request / DAYS_PER_MONTH for end in _tier_ends(catalog, "lambda.duration.arm64")]
    for key in ("api_gateway_http.requests", "api_gateway_rest.requests"):
        edges += [end / DAYS_PER_MONTH for end in _tier_ends(catalog, key)]
    return [edge * nudge for edge in edges for nudge in (1 - 1e-9, 1.0, 1 + 1e-9) if edge * nudge <= 1e10]


def _tier_ends(catalog: Catalog, key: str) -> list[float]:
    """Where each tier but the last ends: the running total of the tier sizes."""
    sizes = [float(size) for size, _ in catalog.tiers(key) if size is not None]
    return [sum(sizes[: n + 1]) for n in range(len(sizes))]


def _assert_cents_match(p: WorkloadProfile, volumes: list[float], catalog: Catalog = CATALOG) -> None:
    prices = NervesPrices(p, catalog)
    for placement in ("lambda", "fargate"):
        arrays = prices.monthly_cents(placement, np.array(volumes))
        scalar = [_scalar_cents(placement, p, rpd, p.wait_fraction, catalog) for rpd in volumes]
        mismatches = [
            (rpd, a, s) for rpd, a, s in zip(volumes, arrays.tolist(), scalar, strict=True) if a != s
        ]
        assert not mismatches, f"{p.name} {placement}: (volume, arrays, Decimal) {mismatches[:3]}"


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda path: path.stem)
def test_the_arrays_bill_every_scenario_to_the_cent_over_the_scan(path):
    p = parse_profile(json.loads(path.read_text())["profile"])
    _assert_cents_match(p, [*SCAN_GRID, *_tier_edges(p, CATALOG)])


@pytest.mark.parametrize("terms", TERMS, ids=lambda terms: ",".join(f"{k}={v}" for k, v in terms.items()))
def test_the_arrays_bill_savings_plans_spot_and_warm_functions_to_the_cent(terms):
    p = parse_profile({"name": "terms", "requests_per_day": 20_000, **terms})
    _assert_cents_match(p, [*SCAN_GRID, *_tier_edges(p, CATALOG)])


def test_the_arrays_bill_a_one_off_job_to_the_cent():
    p = parse_profile(
        {"name": "backfill", "job_total_requests": 3_000_000, "job_deadline_days": 10, "spot_allowed": True}
    )
    assert p.one_off
    _assert_cents_match(p, list(SCAN_GRID))


def test_the_arrays_bill_hundreds_of_varied_profiles_to_the_cent_at_random_volumes_and_waits():
    rng = np.random.default_rng(17)
    for p in _varied_profiles(200, "curves"):
        volumes = 10 ** rng.uniform(0, 9, size=12)
        waits = np.array([[p.wait_fraction], [rng.uniform(0, 0.95)]])
        prices = NervesPrices(p, CATALOG)
        for placement in ("lambda", "fargate"):
            arrays = prices.monthly_cents(placement, np.broadcast_to(volumes, (2, len(volumes))), waits)
            for row, wait in enumerate(waits[:, 0].tolist()):
                scalar = [_scalar_cents(placement, p, rpd, wait, CATALOG) for rpd in volumes.tolist()]
                assert arrays[row].tolist() == scalar, f"{p.name} {placement} at wait {wait}"


# -- the search ----------------------------------------------------------------------------


def _reference_crossing(
    p: WorkloadProfile, wait: float, serverless: str = "lambda", provisioned: str = "fargate"
) -> float | None:
    """Today's search one price at a time: a scan of SCAN_GRID, then 16 halvings on a log scale."""

    def gap(rpd: float) -> float:
        cheap = _scalar_cents(serverless, p, rpd, wait, CATALOG)
        return cheap - _scalar_cents(provisioned, p, rpd, wait, CATALOG)

    previous = None
    for rpd in SCAN_GRID:
        g = gap(rpd)
        if math.isnan(g):
            return None
        if previous is not None and (previous[1] <= 0) != (g <= 0):
            low, high, low_sign = previous[0], rpd, previous[1] <= 0
            for _ in range(16):
                mid = math.sqrt(low * high)
                if (gap(mid) <= 0) == low_sign:
                    low = mid
                else:
                    high = mid
            return round(math.sqrt(low * high), 1)
        previous = (rpd, g)
    return None


def test_the_break_even_and_the_wait_sweep_find_the_crossings_a_point_by_point_search_finds():
    profiles = _varied_profiles(12, "search") + [
        parse_profile(json.loads(SCENARIOS[0].read_text())["profile"])
    ]
    found = 0
    for p in profiles:
        result = break_even(p, CATALOG)
        assert result.requests_per_day == _reference_crossing(p, p.wait_fraction), p.name
        if result.requests_per_day is not None:
            found += 1
            q = varied(p, requests_per_day=result.requests_per_day)
            assert result.utilization == derive_facts(q).utilization
        for wait, crossing in wait_sweep(p, CATALOG):
            assert crossing == _reference_crossing(p, wait), (p.name, wait)
    assert found >= 3  # the comparison covered real crossings, not only "none in range"


def test_placements_without_array_prices_are_searched_point_by_point_alike():
    p = parse_profile({"name": "durable", "requests_per_day": 2_000, "orchestration_steps": 3})
    result = break_even(p, CATALOG, serverless="lambda_durable", provisioned="ecs_ec2")
    assert result.requests_per_day is not None
    assert result.requests_per_day == _reference_crossing(p, p.wait_fraction, "lambda_durable", "ecs_ec2")


def test_the_curve_is_the_decimal_totals_as_floats():
    p = parse_profile({"name": "curve", "requests_per_day": 5_000, "commitment": "1y"})
    for rpd, serverless, provisioned in break_even(p, CATALOG).curve:
        q = varied(p, requests_per_day=rpd)
        f = derive_facts(q)
        assert serverless == float(monthly_total("nerves", "lambda", q, f, CATALOG))
        assert provisioned == float(monthly_total("nerves", "fargate", q, f, CATALOG))


def test_a_catalog_without_a_rate_the_arrays_read_is_priced_point_by_point():
    rates = {k: v for k, v in CATALOG.rates.items() if k != "api_gateway_websocket.messages"}
    partial = Catalog.of(CATALOG.region, "us-east-1@test-partial", CATALOG.read_on, rates)
    p = parse_profile({"name": "held", "requests_per_day": 5_000, "websocket_session_minutes": 5})
    result = break_even(p, partial)
    assert result.requests_per_day is None
    assert all(serverless is None and provisioned is not None for _, serverless, provisioned in result.curve)


# -- the cache ----------------------------------------------------------------------------


def _dearer_fargate() -> Catalog:
    """The catalog with Fargate at twice the price, under a version of its own."""
    rates = {
        key: (
            {**rate, "price": str(2 * float(rate["price"]))}
            if key.startswith("fargate.linux.arm64")
            else rate
        )
        for key, rate in CATALOG.rates.items()
    }
    return Catalog.of(CATALOG.region, "us-east-1@test-dearer-fargate", CATALOG.read_on, rates)


def test_the_cache_answers_a_profile_again_and_a_new_catalog_version_anew():
    calculators.forget_break_evens()
    p = parse_profile({"name": "cached", "requests_per_day": 20_000})
    first = cached_break_even(p, CATALOG)
    assert cached_break_even(p, CATALOG) is first
    dearer = cached_break_even(p, _dearer_fargate())
    assert dearer == break_even(p, _dearer_fargate())
    assert dearer.requests_per_day is not None and first.requests_per_day is not None
    assert dearer.requests_per_day > first.requests_per_day  # containers cost more: functions win longer
    assert cached_break_even(p, CATALOG) is first


def test_the_wait_sweep_is_cached_apart_and_added_only_when_asked_for():
    calculators.forget_break_evens()
    p = parse_profile({"name": "swept", "requests_per_day": 20_000})
    quick = cached_break_even(p, CATALOG)
    full = cached_break_even(p, CATALOG, sweep_wait=True)
    assert quick.by_wait_fraction is None
    assert full.by_wait_fraction == wait_sweep(p, CATALOG)
    assert full == break_even(p, CATALOG, sweep_wait=True)
