"""The Monte Carlo engine: chunks of paths simulated independently and merged exactly.

A run of N paths is cut into chunks of ``CHUNK_PATHS`` paths. Chunk ``i`` draws
from its own generator, derived from ``(seed, i)``, so the numbers do not depend
on how many workers ran the chunks or in what order: ``merge`` of the chunks is
bit-identical to ``simulate`` in one process.

Costs come from the price catalog, through ``costing.Pricer``: never from
rates written in this package.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from placement import sizing
from placement.costs import cost_of
from placement.facts import DAYS_PER_MONTH, Facts, derive_facts
from placement.placements import DECISION_ORDER, PLACEMENTS
from placement.pricing import Catalog, pricing_catalog
from placement.profile import WorkloadProfile
from placement.simulation import capacity, traffic
from placement.simulation.costing import Pricer
from placement.simulation.results import PlacementResult, SimulationResult, Stats, TrafficWeek, series_of

# sim-1.1: throttled requests are no longer billed; shares and the busiest hour are reported.
ENGINE_VERSION = "sim-1.1"
# Fixed, whatever the number of workers: chunk i is always paths [100 i, 100 i + 100).
CHUNK_PATHS = 100
# The bounds of a run, in one place: the form, the API (and its schema), the service and the
# advise command read them here, so a value one accepts every other accepts.
MAX_PATHS = 100_000
DEFAULT_PATHS = 1000
# A month at most: what is simulated is scaled to a 730-hour month, and the product says
# "simulate a month". A year (366 days) cost one 100-path chunk 10 s and 850 MB of memory.
MAX_DAYS = 31
DEFAULT_DAYS = 30
# Seeds a JSON client, a 32-bit integer column and JavaScript all hold exactly.
MAX_SEED = 2**31 - 1
LAYERS = DECISION_ORDER
DEFAULT_LAYERS = ("nerves", "brain")
BLOCK_ROWS = 10  # paths whose minute arrays are processed together (they fit the CPU cache)
WEEK_DAYS = 7
IDLE_MINUTES = max(1, round(sizing.WARM_ENVIRONMENT_IDLE_S / 60))
AUTOSCALED = {"fargate", "ecs_ec2", "eks", "ec2"}
FIXED_BRAIN = {"sagemaker_realtime", "ec2_gpu", "ecs_ec2", "eks", "ec2"}
METRICS = (
    "cost",
    "cold_starts",
    "throttled_requests",
    "utilization",
    "under_provisioned_minutes",
    "throttled_share",
    "cold_start_share",
    "peak_hour_requests",
    "peak_hour_throttled",
)
# Counts over the simulated days, scaled to a 730-hour month; the rest are kept as they are
# (utilisation and the shares are ratios, the busiest hour is one hour whatever the days).
PER_MONTH = ("cold_starts", "throttled_requests", "under_provisioned_minutes")
AS_IS = ("utilization", "peak_hour_requests", "peak_hour_throttled")

Progress = Callable[[int, int], Any]
ShouldStop = Callable[[], bool]


class SimulationCancelled(Exception):
    """``should_stop()`` said stop; ``done_paths`` of ``total_paths`` had been simulated."""

    def __init__(self, done_paths: int, total_paths: int):
        self.done_paths, self.total_paths = done_paths, total_paths
        super().__init__(f"simulation cancelled after {done_paths:,} of {total_paths:,} paths")


@dataclass(frozen=True)
class Target:
    layer: str
    placement: str
    kind: str  # lambda | autoscaled | fixed | usage
    deterministic_cost: float


@dataclass(frozen=True)
class ChunkResult:
    """Per-path results of one chunk: what a worker returns and ``merge`` joins."""

    chunk: int
    start: int
    stop: int
    seed: int
    paths: int
    days: int
    pattern: str
    engine_version: str
    catalog: str
    targets: tuple[Target, ...]
    skipped: dict[str, dict[str, str]]
    requests: np.ndarray  # (n,) requests per 730-hour month
    metrics: dict[str, dict[str, np.ndarray]]  # "layer/placement" -> metric -> (n,)
    week: dict[str, np.ndarray]  # arrivals | concurrency | fleet_size -> (n, hours)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe, with the arrays as one base64 ``.npz``: exact, and small enough to store fast.

        As lists of numbers a chunk was ~470 KB of JSON, and writing and re-reading
        it capped what a second worker could add (BENCHMARKS.md). Arrays of whole
        numbers travel as int32, the rest as float64, so the round trip is exact.
        """
        names: list[list[str]] = []
        arrays: dict[str, Any] = {}  # savez's keyword arguments: array by name
        for name, value in self._arrays():
            as_int = value.astype(np.int32)
            arrays[f"a{len(names)}"] = as_int if np.array_equal(as_int, value) else value
            names.append(name)
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        plain = {
            f.name: getattr(self, f.name)
            for f in dataclasses.fields(self)
            if f.name not in ("requests", "metrics", "week")
        }
        plain["targets"] = [dataclasses.asdict(t) for t in self.targets]
        plain["array_names"] = names
        plain["arrays"] = base64.b64encode(buffer.getvalue()).decode("ascii")
        return plain

    def _arrays(self) -> Iterator[tuple[list[str], np.ndarray]]:
        yield ["requests"], self.requests
        for key, metrics in self.metrics.items():
            for metric, value in metrics.items():
                yield ["metrics", key, metric], value
        for key, value in self.week.items():
            yield ["week", key], value

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChunkResult:
        data = dict(data)
        loaded = np.load(io.BytesIO(base64.b64decode(data.pop("arrays"))))
        data.update(requests=None, metrics={}, week={})
        for i, name in enumerate(data.pop("array_names")):
            value = loaded[f"a{i}"].astype(np.float64)
            if name[0] == "requests":
                data["requests"] = value
            elif name[0] == "metrics":
                data["metrics"].setdefault(name[1], {})[name[2]] = value
            else:
                data["week"][name[1]] = value
        data["targets"] = tuple(Target(**t) for t in data["targets"])
        return cls(**data)


# -- the public entry points ----------------------------------------------------------


def simulate(
    profile: WorkloadProfile,
    catalog: Catalog | None = None,
    *,
    paths: int = DEFAULT_PATHS,
    seed: int,
    days: int = DEFAULT_DAYS,
    placements: Mapping[str, Any] | None = None,
    progress: Progress | None = None,
    should_stop: ShouldStop | None = None,
) -> SimulationResult:
    """Simulate ``paths`` months of traffic and what each placement costs and does under it.

    ``progress(done_paths, total_paths)`` is called after each chunk; ``should_stop()``
    is checked before each chunk and raises ``SimulationCancelled`` when true.
    """
    check_run(paths, seed, days)
    catalog = catalog or pricing_catalog(profile.region)
    chunks = []
    for chunk in range(chunk_count(paths)):
        if should_stop is not None and should_stop():
            raise SimulationCancelled(chunk_bounds(chunk, paths)[0], paths)
        chunks.append(
            simulate_chunk(
                profile, catalog, chunk=chunk, paths=paths, seed=seed, days=days, placements=placements
            )
        )
        if progress is not None:
            progress(chunks[-1].stop, paths)
    return merge(chunks)


def chunk_count(paths: int) -> int:
    return math.ceil(paths / CHUNK_PATHS)


def chunk_bounds(chunk: int, paths: int) -> tuple[int, int]:
    return chunk * CHUNK_PATHS, min(paths, (chunk + 1) * CHUNK_PATHS)


def chunk_rng(seed: int, chunk: int) -> np.random.Generator:
    """The generator of one chunk: ``SeedSequence(seed).spawn(n)[chunk]`` for any n > chunk."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(chunk,)))


def demand_chunk(
    profile: WorkloadProfile, *, chunk: int, paths: int, seed: int, days: int = DEFAULT_DAYS
) -> np.ndarray:
    """The arrivals of one chunk, exactly as ``simulate_chunk`` draws them (the benchmark's floor)."""
    check_run(paths, seed, days, chunk)
    start, stop = chunk_bounds(chunk, paths)
    return traffic.arrivals(profile, chunk_rng(seed, chunk), stop - start, days)


def simulate_chunk(
    profile: WorkloadProfile,
    catalog: Catalog | None = None,
    *,
    chunk: int,
    paths: int,
    seed: int,
    days: int = DEFAULT_DAYS,
    placements: Mapping[str, Any] | None = None,
) -> ChunkResult:
    """Simulate the paths of chunk ``chunk`` of a ``paths``-path run."""
    catalog = catalog or pricing_catalog(profile.region)
    facts = derive_facts(profile)
    targets, skipped = plan(profile, facts, catalog, placements)
    arrivals = demand_chunk(profile, chunk=chunk, paths=paths, seed=seed, days=days)
    metrics, week, requests = _chunk_metrics(profile, facts, catalog, days, targets, arrivals)
    start, stop = chunk_bounds(chunk, paths)
    return ChunkResult(
        chunk=chunk,
        start=start,
        stop=stop,
        seed=seed,
        paths=paths,
        days=days,
        pattern=profile.pattern,
        engine_version=ENGINE_VERSION,
        catalog=catalog.version,
        targets=tuple(targets),
        skipped=skipped,
        requests=requests,
        metrics=metrics,
        week=week,
    )


def merge(chunks: list[ChunkResult]) -> SimulationResult:
    """Join the chunks of one run, in any order, into its result."""
    chunks = sorted(chunks, key=lambda c: c.chunk)
    first = chunks[0] if chunks else None
    if first is None or [c.chunk for c in chunks] != list(range(chunk_count(first.paths))):
        raise ValueError("merge needs every chunk of the run exactly once")

    def run_id(c: ChunkResult) -> tuple[Any, ...]:
        return (c.seed, c.paths, c.days, c.pattern, c.engine_version, c.catalog, c.targets)

    if any(run_id(c) != run_id(first) for c in chunks):
        raise ValueError("chunks come from different runs")
    requests = np.concatenate([c.requests for c in chunks])
    placements: dict[str, dict[str, PlacementResult]] = {}
    for t in first.targets:
        key = f"{t.layer}/{t.placement}"
        stats = {m: Stats.of(np.concatenate([c.metrics[key][m] for c in chunks])) for m in first.metrics[key]}
        placements.setdefault(t.layer, {})[t.placement] = PlacementResult(
            layer=t.layer,
            placement=t.placement,
            kind=t.kind,
            deterministic_cost=t.deterministic_cost,
            **stats,
        )
    return SimulationResult(
        engine_version=first.engine_version,
        catalog=first.catalog,
        seed=first.seed,
        paths=first.paths,
        days=first.days,
        pattern=first.pattern,
        requests=Stats.of(requests),
        placements=placements,
        traffic=_traffic_week(chunks, requests),
        skipped=first.skipped,
        lambda_concurrency_quota=capacity.LAMBDA_ACCOUNT_CONCURRENCY,
    )


def check_run(paths: int, seed: int, days: int, chunk: int | None = None) -> None:
    for name, value, low, high in (
        ("paths", paths, 1, MAX_PATHS),
        ("days", days, 1, MAX_DAYS),
        ("seed", seed, 0, MAX_SEED),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
            raise ValueError(f"{name} must be a whole number, not {value!r}")
        if not low <= value <= high:
            raise ValueError(f"{name} must be between {low:,} and {high:,}, not {value:,}")
    if chunk is not None and not 0 <= chunk < chunk_count(paths):
        raise ValueError(f"chunk must be between 0 and {chunk_count(paths) - 1}, not {chunk}")


# -- what is simulated ------------------------------------------------------------------


def plan(
    p: WorkloadProfile, f: Facts, catalog: Catalog, placements: Mapping[str, Any] | None
) -> tuple[list[Target], dict[str, dict[str, str]]]:
    """The placements to simulate, each with its kind and deterministic cost; the rest, with why not."""
    targets: list[Target] = []
    skipped: dict[str, dict[str, str]] = {}
    for layer, ids in _requested(placements).items():
        for placement in ids:
            cost = cost_of(layer, placement, p, f, catalog)
            if placement == "none" or cost.total is None:
                reason = "Nothing to simulate." if placement == "none" else " ".join(cost.assumptions)
                skipped.setdefault(layer, {})[placement] = reason
                continue
            targets.append(Target(layer, placement, _kind(layer, placement), float(cost.total)))
    return targets, skipped


def _requested(placements: Mapping[str, Any] | None) -> dict[str, tuple[str, ...]]:
    if placements is None:
        from placement.rules import load_matrix  # the matrix owns the candidate lists

        candidates = load_matrix().candidates
        return {layer: tuple(candidates[layer]) for layer in DEFAULT_LAYERS}
    if not isinstance(placements, Mapping):
        raise ValueError("placements must map a layer to a list of placement ids")
    out = {}
    for layer, ids in placements.items():
        if layer not in LAYERS:
            raise ValueError(f"unknown layer {layer!r}; known: {', '.join(LAYERS)}")
        if isinstance(ids, str) or any(i not in PLACEMENTS for i in ids):
            raise ValueError(f"{layer}: unknown placement in {ids!r}")
        out[layer] = tuple(dict.fromkeys(ids))
    return out


def _kind(layer: str, placement: str) -> str:
    if placement in ("lambda", "lambda_durable") and layer in ("nerves", "brain"):
        return "lambda"
    if layer == "nerves" and placement in AUTOSCALED:
        return "autoscaled"
    if layer == "brain" and placement in FIXED_BRAIN:
        return "fixed"
    return "usage"


# -- one chunk --------------------------------------------------------------------------


def _chunk_metrics(
    p: WorkloadProfile, f: Facts, catalog: Catalog, days: int, targets: list[Target], arrivals: np.ndarray
) -> tuple[dict[str, Any], dict[str, Any], np.ndarray]:
    """Per-path metrics of every target, the chart week and each path's monthly requests.

    The minute-by-minute work runs on blocks of ``BLOCK_ROWS`` paths, whose
    arrays stay in the CPU cache; pricing runs once on the whole chunk.
    """
    blocks = [
        _Block(p, f, days, arrivals[i : i + BLOCK_ROWS], catalog) for i in range(0, len(arrivals), BLOCK_ROWS)
    ]
    usage = {t: _join([b.usage(t) for b in blocks]) for t in targets}
    week = _join([b.week() for b in blocks])
    month = DAYS_PER_MONTH / days  # simulated days -> a 730-hour month
    volume = arrivals.sum(axis=1).astype(np.float64)
    pricer = Pricer(p, f, catalog, days)
    metrics = {}
    for t in targets:
        u = usage[t]
        out = {"cost": pricer.cost(t, _served(volume, u), u)}
        out.update({m: u[m] * month for m in PER_MONTH if m in u})
        out.update({m: u[m] for m in AS_IS if m in u})
        out.update(_shares(volume, u))
        metrics[f"{t.layer}/{t.placement}"] = out
    return metrics, week, volume * month


def _served(volume: np.ndarray, usage: dict[str, Any]) -> np.ndarray:
    """Requests that ran: a throttled invocation is refused before it runs and is not billed."""
    if "throttled_requests" not in usage:
        return volume
    return cast(np.ndarray, np.maximum(volume - usage["throttled_requests"], 0.0))  # numpy types it Any


def _shares(volume: np.ndarray, usage: dict[str, Any]) -> dict[str, np.ndarray]:
    """Throttled requests per request offered, cold starts per request served, path by path."""
    out = {}
    if "throttled_requests" in usage:
        out["throttled_share"] = _ratio(usage["throttled_requests"], volume)
    if "cold_starts" in usage:
        out["cold_start_share"] = _ratio(usage["cold_starts"], _served(volume, usage))
    return out


def _ratio(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    return cast(np.ndarray, np.minimum(np.divide(part, whole, out=np.zeros_like(part), where=whole > 0), 1.0))


def _join(parts: list[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}


class _Block:
    """The minute arrays of a few paths, shared by the placements that need the same thing."""

    def __init__(
        self, p: WorkloadProfile, f: Facts, days: int, arrivals: np.ndarray, catalog: Catalog | None = None
    ):
        self.p, self.f, self.days, self.arrivals = p, f, days, arrivals
        self.catalog = catalog
        self._in_flight: dict[float, np.ndarray] = {}
        self._done: dict[tuple[Any, ...], dict[str, Any]] = {}
        self._fleet_hourly: np.ndarray | None = None

    def usage(self, t: Target) -> dict[str, np.ndarray]:
        """What the capacity did over the simulated days (counts, not yet per month)."""
        if t.kind == "lambda":
            return self._lambda_pool(t)
        if t.kind == "autoscaled":
            return self._autoscaled()
        if t.kind == "fixed":
            return self._fixed(t)
        return {}

    def in_flight(self, duration_s: float) -> np.ndarray:
        if duration_s not in self._in_flight:
            self._in_flight[duration_s] = traffic.in_flight(self.arrivals, duration_s)
        return self._in_flight[duration_s]

    def week(self) -> dict[str, np.ndarray]:
        hours = min(self.days, WEEK_DAYS) * 24
        out = {
            "arrivals": _hourly(self.arrivals, hours, np.sum),
            "concurrency": _hourly(self.in_flight(self.p.request_duration_s), hours, np.max),
        }
        if self._fleet_hourly is not None:
            out["fleet_size"] = self._fleet_hourly
        return out

    def _lambda_pool(self, t: Target) -> dict[str, Any]:
        p, f = self.p, self.f
        if t.layer == "brain":
            duration, floor = f.model_seconds, 0
        else:
            cpu_s = p.request_duration_s * f.cpu_share
            duration = sizing.lambda_config(p, cpu_s, f.wait_seconds_per_request).duration_s
            floor = sizing.provisioned_concurrency(p, f, duration)
        key = ("lambda", duration, floor)
        if key not in self._done:
            warm = None
            if floor:  # provisioned environments stay warm while traffic is on
                active = traffic.daily_shape(p.pattern, p.peak_to_average) > 0
                warm = np.tile(active, self.days) * np.float32(floor)
            self._done[key] = capacity.lambda_pool(
                self.arrivals, self.in_flight(duration), IDLE_MINUTES, warm
            )
        return self._done[key]

    def _autoscaled(self) -> dict[str, Any]:
        if ("fleet",) not in self._done:
            fleet = sizing.nerves_fleet(self.p, self.f)
            metrics, tasks = capacity.autoscaled_fleet(
                self.in_flight(self.p.request_duration_s),
                fleet.in_flight_per_task,
                sizing.TARGET_UTILIZATION,
                fleet.min_tasks,
            )
            self._fleet_hourly = _hourly(tasks, min(self.days, WEEK_DAYS) * 24, np.mean)
            self._done[("fleet",)] = metrics
        return self._done[("fleet",)]

    def _fixed(self, t: Target) -> dict[str, Any]:
        """An always-on model fleet. On GPUs, the fleet ``costs`` priced (placement/serving.py):
        each request holds one of its batch slots for its time in the batch, so the simulated
        utilisation is the sizing's, measured minute by minute."""
        p, f = self.p, self.f
        family = "sagemaker" if t.placement == "sagemaker_realtime" else "ec2"
        key = ("fixed", family if f.gpu_needed else "cpu")
        if key not in self._done:
            if f.gpu_needed:
                plan = sizing.gpu_serving(p, f, family, self.catalog)
                duration, slots = plan.request_seconds, plan.replicas * plan.slots
            else:
                duration, slots = f.model_seconds, sizing.inference_servers(p, f)
            self._done[key] = capacity.fixed_fleet(self.in_flight(duration), slots)
        return self._done[key]


def _hourly(minutes: np.ndarray, hours: int, reduce: Callable[..., Any]) -> np.ndarray:
    n = len(minutes)
    return cast(np.ndarray, reduce(minutes[:, : hours * 60].reshape(n, hours, 60), axis=2).astype(np.float64))


def _traffic_week(chunks: list[ChunkResult], requests: np.ndarray) -> TrafficWeek:
    path = int(np.argsort(requests, kind="stable")[len(requests) // 2])
    week = {name: np.concatenate([c.week[name] for c in chunks]) for name in chunks[0].week}
    fleet = week.get("fleet_size")
    return TrafficWeek(
        hours=week["arrivals"].shape[1],
        representative_path=path,
        arrivals=series_of(week["arrivals"], path),
        concurrency=series_of(week["concurrency"], path),
        fleet_size=None if fleet is None else series_of(fleet, path),
    )
