"""Cost bands across request rates, and where the cheapest placement changes.

Every rate is simulated with the same seed (common random numbers: the same
daily volumes and bursts, scaled), so the curves move with the rate rather
than with the noise, and a crossing is a property of the prices.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from placement.pricing import Catalog, pricing_catalog
from placement.profile import FIELDS_BY_NAME, WorkloadProfile
from placement.simulation.engine import (
    DEFAULT_DAYS,
    ENGINE_VERSION,
    Progress,
    ShouldStop,
    SimulationCancelled,
    simulate,
)
from placement.simulation.results import SERVES_ALL_BELOW, SimulationResult

SWEEP_POINTS = 13  # a decade each side of the profile's rate, the rate itself in the middle
SWEEP_SPAN = 10.0
MAX_RATE = cast(float, FIELDS_BY_NAME["requests_per_day"].maximum)  # the field has a maximum


@dataclass(frozen=True)
class BreakEven:
    """Below ``rate`` requests a day ``below`` is cheaper (median), above it ``above``.

    ``band`` is where the two p10-p90 bands overlap: inside it the cheaper
    placement depends on the month's luck rather than on the rate.
    """

    layer: str
    below: str
    above: str
    rate: float
    band: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "below": self.below,
            "above": self.above,
            "rate": self.rate,
            "band": list(self.band),
        }


@dataclass(frozen=True)
class SweepResult:
    engine_version: str
    catalog: str
    seed: int
    paths: int
    days: int
    rates: tuple[float, ...]  # requests per day
    costs: dict[str, dict[str, dict[str, list[float]]]]  # layer -> placement -> p10|p50|p90|mean
    cheapest: dict[str, list[str]]  # layer -> cheapest placement (median) at each rate
    break_evens: tuple[BreakEven, ...]
    # layer -> placement -> median share of requests throttled at each rate (functions only).
    # A placement throttling more than SERVES_ALL_BELOW at a rate is not the cheapest there:
    # it looks cheap only because the requests it refuses are not billed.
    throttled: dict[str, dict[str, list[float]]] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine_version": self.engine_version,
            "catalog": self.catalog,
            "seed": self.seed,
            "paths": self.paths,
            "days": self.days,
            "rates": list(self.rates),
            "costs": self.costs,
            "cheapest": self.cheapest,
            "break_evens": [b.to_dict() for b in self.break_evens],
            "throttled": self.throttled,
        }


def default_rates(profile: WorkloadProfile, points: int = SWEEP_POINTS) -> list[float]:
    """Log-spaced requests per day from a tenth to ten times the profile's (1/day if it has none)."""
    base = max(profile.requests_per_day, 1.0)
    return [float(r) for r in np.geomspace(base / SWEEP_SPAN, min(base * SWEEP_SPAN, MAX_RATE), points)]


def sweep(
    profile: WorkloadProfile,
    catalog: Catalog | None = None,
    *,
    rates: Sequence[float] | None = None,
    paths: int = 200,
    seed: int,
    days: int = DEFAULT_DAYS,
    placements: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> SweepResult:
    """Simulate the profile at each rate and report cost bands and break-even rates per layer."""
    catalog = catalog or pricing_catalog(profile.region)
    rates = _check_rates(default_rates(profile) if rates is None else rates)
    total = paths * len(rates)
    runs: list[SimulationResult] = []
    for i, rate in enumerate(rates):
        done = i * paths
        step = None if progress is None else (lambda d, _t, done=done: progress(done + d, total))
        try:
            runs.append(
                simulate(
                    dataclasses.replace(profile, requests_per_day=rate),
                    catalog,
                    paths=paths,
                    seed=seed,
                    days=days,
                    placements=placements,
                    progress=step,
                    should_stop=should_stop,
                )
            )
        except SimulationCancelled as exc:
            raise SimulationCancelled(done + exc.done_paths, total) from None
    costs = _cost_curves(runs)
    throttled = _throttle_curves(runs, costs)
    cheapest = {
        layer: _cheapest(curves, len(rates), throttled.get(layer, {})) for layer, curves in costs.items()
    }
    breaks = tuple(
        b for layer, curves in costs.items() for b in _break_evens(layer, rates, curves, cheapest[layer])
    )
    return SweepResult(
        engine_version=ENGINE_VERSION,
        catalog=catalog.version,
        seed=seed,
        paths=paths,
        days=days,
        rates=tuple(rates),
        costs=costs,
        cheapest=cheapest,
        break_evens=breaks,
        throttled=throttled,
    )


def _check_rates(rates: Sequence[float]) -> list[float]:
    clean = sorted({float(r) for r in rates})
    if len(clean) < 2 or not all(math.isfinite(r) and 0 <= r <= MAX_RATE for r in clean):
        raise ValueError(f"rates must be at least two finite request rates between 0 and {MAX_RATE:g}")
    return clean


def _cost_curves(runs: list[SimulationResult]) -> dict[str, dict[str, dict[str, list[float]]]]:
    """Per layer and placement, the cost percentiles at each rate (placements present at all)."""
    out: dict[str, dict[str, dict[str, list[float]]]] = {}
    for layer in runs[0].placements:
        names = [n for n in runs[0].placements[layer] if all(n in r.placements.get(layer, {}) for r in runs)]
        out[layer] = {
            n: {
                q: [getattr(r.placements[layer][n].cost, q) for r in runs]
                for q in ("p10", "p50", "p90", "mean")
            }
            for n in names
        }
    return out


def _throttle_curves(
    runs: list[SimulationResult], costs: dict[str, Any]
) -> dict[str, dict[str, list[float]]]:
    """Per layer, the median throttled share at each rate of the placements that can throttle."""
    out: dict[str, dict[str, list[float]]] = {}
    for layer, curves in costs.items():
        for name in curves:
            shares = [r.placements[layer][name].throttled_share for r in runs]
            if all(s is not None for s in shares):
                out.setdefault(layer, {})[name] = [s.p50 for s in shares if s is not None]
    return out


def _cheapest(
    curves: dict[str, dict[str, list[float]]], points: int, throttled: dict[str, list[float]] | None = None
) -> list[str]:
    """The cheapest placement (median) at each rate among those that serve the traffic there."""
    if not curves:
        return []
    throttled = throttled or {}
    out = []
    for i in range(points):
        serving = [n for n in curves if n not in throttled or throttled[n][i] <= SERVES_ALL_BELOW]
        out.append(min(serving or list(curves), key=lambda n: (curves[n]["p50"][i], n)))
    return out


def _break_evens(
    layer: str, rates: list[float], curves: dict[str, Any], cheapest: list[str]
) -> list[BreakEven]:
    out = []
    logs = np.log(np.maximum(rates, 1e-12))
    for i in range(len(cheapest) - 1):
        a, b = cheapest[i], cheapest[i + 1]
        if a == b:
            continue
        ca, cb = curves[a], curves[b]
        median = np.subtract(ca["p50"], cb["p50"])
        rate = _crossing(logs, median, i)
        # The bands overlap from where A's p90 reaches B's p10 until A's p10 passes B's p90.
        start = np.subtract(ca["p90"], cb["p10"])
        end = np.subtract(ca["p10"], cb["p90"])
        below = [j for j in range(i + 1) if start[j] < 0]
        above = [j for j in range(i + 1, len(rates)) if end[j] > 0]
        low = _crossing(logs, start, below[-1]) if below else rates[0]
        high = _crossing(logs, end, above[0] - 1) if above else rates[-1]
        out.append(
            BreakEven(layer=layer, below=a, above=b, rate=rate, band=(min(low, rate), max(high, rate)))
        )
    return out


def _crossing(logs: np.ndarray, diff: np.ndarray, i: int) -> float:
    """The rate between points i and i+1 where ``diff`` crosses zero (log-linear)."""
    d0, d1 = float(diff[i]), float(diff[i + 1])
    share = 0.5 if d1 == d0 else min(1.0, max(0.0, -d0 / (d1 - d0)))
    return float(math.exp(logs[i] + share * (logs[i + 1] - logs[i])))
