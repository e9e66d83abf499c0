"""Monte Carlo cost simulation: what each placement costs under realistic, random traffic.

    >>> from placement import parse_profile
    >>> result = simulate(parse_profile({"name": "bot", "requests_per_day": 2000}),
    ...                   paths=20, days=2, seed=7)
    >>> result.placements["nerves"]["lambda"].cost.p10 <= result.placements["nerves"]["lambda"].cost.p90
    True

Pure NumPy, no Django: ``simulate`` runs in one process; a task queue can
instead run ``simulate_chunk`` for each of ``chunk_count(paths)`` chunks on any
workers and ``merge`` them (``ChunkResult.to_dict``/``from_dict`` travel as
JSON) to the same numbers.
"""

from placement.simulation.engine import (
    CHUNK_PATHS,
    DEFAULT_DAYS,
    DEFAULT_PATHS,
    ENGINE_VERSION,
    MAX_DAYS,
    MAX_PATHS,
    MAX_SEED,
    ChunkResult,
    SimulationCancelled,
    chunk_count,
    demand_chunk,
    merge,
    simulate,
    simulate_chunk,
)
from placement.simulation.findings import Finding, findings
from placement.simulation.results import PlacementResult, SimulationResult, Stats, TrafficWeek
from placement.simulation.sweep import BreakEven, SweepResult, default_rates, sweep

__all__ = [
    "CHUNK_PATHS",
    "DEFAULT_DAYS",
    "DEFAULT_PATHS",
    "ENGINE_VERSION",
    "MAX_DAYS",
    "MAX_PATHS",
    "MAX_SEED",
    "BreakEven",
    "ChunkResult",
    "Finding",
    "PlacementResult",
    "SimulationCancelled",
    "SimulationResult",
    "Stats",
    "SweepResult",
    "TrafficWeek",
    "chunk_count",
    "default_rates",
    "demand_chunk",
    "findings",
    "merge",
    "simulate",
    "simulate_chunk",
    "sweep",
]
