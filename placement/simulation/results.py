"""What a simulation returns: plain floats and lists, JSON-safe, no NumPy types."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

PERCENTILES = (10, 50, 90)
OPTIONAL_METRICS = (
    "cold_starts",
    "throttled_requests",
    "utilization",
    "under_provisioned_minutes",
    "throttled_share",
    "cold_start_share",
    "peak_hour_requests",
    "peak_hour_throttled",
)
# A placement that refuses more than this share of the requests in its median month does not
# serve the workload: its smaller bill (throttled requests are not billed) is not a saving, so
# it is never called the cheapest. One in a thousand is already an error rate users notice.
SERVES_ALL_BELOW = 0.001


@dataclass(frozen=True)
class Stats:
    """p10, p50, p90 and mean of one quantity over the simulated paths."""

    p10: float
    p50: float
    p90: float
    mean: float

    @classmethod
    def of(cls, values: np.ndarray) -> Stats:
        values = np.asarray(values, dtype=np.float64)
        p10, p50, p90 = (float(v) for v in np.percentile(values, PERCENTILES))
        # Interpolated percentiles can differ from the mean in the last bit;
        # keep p10 <= p50 <= p90 exact for readers that check it.
        return cls(p10=min(p10, p50), p50=p50, p90=max(p90, p50), mean=float(values.mean()))

    def to_dict(self) -> dict[str, Any]:
        return {
            "p10": _safe(self.p10),
            "p50": _safe(self.p50),
            "p90": _safe(self.p90),
            "mean": _safe(self.mean),
        }


@dataclass(frozen=True)
class PlacementResult:
    """One placement under simulated traffic: monthly cost band and what the capacity did.

    Counts (cold starts, throttled requests, under-provisioned minutes) are per
    730-hour month; a metric that does not apply to the placement is None.
    ``throttled_share`` is throttled / offered requests and ``cold_start_share``
    cold starts / served requests, path by path; ``peak_hour_requests`` and
    ``peak_hour_throttled`` are the requests of each path's busiest hour and how
    many of them were throttled. The cost leaves throttled requests out: they
    were refused before running, so nobody is billed for them.
    """

    layer: str
    placement: str
    kind: str  # lambda | autoscaled | fixed | usage
    deterministic_cost: float
    cost: Stats
    cold_starts: Stats | None = None
    throttled_requests: Stats | None = None
    utilization: Stats | None = None
    under_provisioned_minutes: Stats | None = None
    throttled_share: Stats | None = None
    cold_start_share: Stats | None = None
    peak_hour_requests: Stats | None = None
    peak_hour_throttled: Stats | None = None

    def to_dict(self) -> dict[str, Any]:
        out = {
            "layer": self.layer,
            "placement": self.placement,
            "kind": self.kind,
            "deterministic_cost": _safe(self.deterministic_cost),
            "cost": self.cost.to_dict(),
        }
        for name in OPTIONAL_METRICS:
            value = getattr(self, name)
            out[name] = None if value is None else value.to_dict()
        return out

    def serves_all(self) -> bool:
        """False when the median month throttles more than ``SERVES_ALL_BELOW`` of the requests."""
        return self.throttled_share is None or self.throttled_share.p50 <= SERVES_ALL_BELOW


@dataclass(frozen=True)
class TrafficWeek:
    """Hourly series over the first week (or all days, if fewer) for charts.

    Each series has the p10/p50/p90 over paths hour by hour and ``path``, the
    path whose monthly requests are the median (a real, unsmoothed week).
    """

    hours: int
    representative_path: int
    arrivals: dict[str, list[float]]  # requests per hour
    concurrency: dict[str, list[float]]  # peak requests in flight in the hour (nerves)
    fleet_size: dict[str, list[float]] | None  # mean tasks of the autoscaled nerves fleet

    def to_dict(self) -> dict[str, Any]:
        return {
            "hours": self.hours,
            "representative_path": self.representative_path,
            "arrivals": _series(self.arrivals),
            "concurrency": _series(self.concurrency),
            "fleet_size": None if self.fleet_size is None else _series(self.fleet_size),
        }


@dataclass(frozen=True)
class SimulationResult:
    engine_version: str
    catalog: str
    seed: int
    paths: int
    days: int
    pattern: str
    requests: Stats  # requests per 730-hour month
    placements: dict[str, dict[str, PlacementResult]]
    traffic: TrafficWeek
    skipped: dict[str, dict[str, str]] = field(default_factory=dict)
    lambda_concurrency_quota: int | None = None  # the account quota the functions ran under

    def cheapest(self, layer: str) -> str | None:
        """The placement of ``layer`` with the lowest median monthly cost, among those that serve
        the traffic (``SERVES_ALL_BELOW``); any placement when none does."""
        options = self.placements.get(layer) or {}
        serving = {k: r for k, r in options.items() if r.serves_all()} or options
        return min(serving, key=lambda k: (serving[k].cost.p50, k)) if serving else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "engine_version": self.engine_version,
            "catalog": self.catalog,
            "seed": self.seed,
            "paths": self.paths,
            "days": self.days,
            "pattern": self.pattern,
            "requests": self.requests.to_dict(),
            "placements": {
                layer: {name: r.to_dict() for name, r in results.items()}
                for layer, results in self.placements.items()
            },
            "cheapest": {layer: self.cheapest(layer) for layer in self.placements},
            "traffic": self.traffic.to_dict(),
            "skipped": {layer: dict(reasons) for layer, reasons in self.skipped.items()},
            "lambda_concurrency_quota": self.lambda_concurrency_quota,
        }


def _safe(value: float) -> float | None:
    """JSON has no NaN or Infinity: such a value becomes null."""
    value = float(value)
    return value if math.isfinite(value) else None


def _series(series: dict[str, list[float]]) -> dict[str, list[float | None]]:
    return {name: [_safe(v) for v in values] for name, values in series.items()}


def series_of(hourly: np.ndarray, path: int) -> dict[str, list[float]]:
    """Percentiles over paths, hour by hour, and one path's own series."""
    low, mid, high = np.percentile(hourly, PERCENTILES, axis=0)
    return {
        "p10": low.tolist(),
        "p50": mid.tolist(),
        "p90": high.tolist(),
        "path": np.asarray(hourly[path], dtype=np.float64).tolist(),
    }
