"""Benchmark of the Monte Carlo simulation (issue 4), in one process.

    .venv/bin/python benchmarks/simulation_bench.py [--preset agent_orchestrator] [--json]

Measures, for a preset workload:
  (a) the default run: simulate(profile, seed=...) -- 1,000 paths x 30 days x one-minute steps,
      every default placement -- median of --repeat runs;
  (b) the floor: drawing the demand alone (the Poisson arrivals of the same grid and the same
      chunks, via demand_chunk) -- median of --repeat runs; the run should stay within 2x of it;
  (c) peak memory of one default run: tracemalloc's peak (NumPy reports its buffers to it) and
      the growth of the process's maximum resident set (getrusage), measured first, in a fresh
      process state.
Targets: (a) <= 5 s on the project's 2-core machine, (a)/(b) <= 2, (c) <= 1 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from placement import parse_profile  # noqa: E402
from placement.presets import PRESETS  # noqa: E402
from placement.pricing import load_catalog  # noqa: E402
from placement.simulation import chunk_count, demand_chunk, simulate  # noqa: E402

TARGET_SECONDS, TARGET_RATIO, TARGET_BYTES = 5.0, 2.0, 1024**3


def machine() -> dict:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="agent_orchestrator", choices=sorted(PRESETS))
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)

    profile = parse_profile(PRESETS[args.preset].profile)
    catalog = load_catalog(profile.region)
    run = lambda: simulate(profile, catalog, paths=args.paths, seed=args.seed, days=args.days)

    def floor():
        for chunk in range(chunk_count(args.paths)):
            demand_chunk(profile, chunk=chunk, paths=args.paths, seed=args.seed, days=args.days)

    simulate(profile, catalog, paths=100, seed=args.seed, days=1)  # imports, matrix, caches
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = run()
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - rss_before
    tracemalloc.start()
    run()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    run_times, floor_times = [], []
    for _ in range(args.repeat):  # interleaved, so drift in the machine hits both alike
        floor_times += timed(floor, 1)
        run_times += timed(run, 1)
    run_s, floor_s = statistics.median(run_times), statistics.median(floor_times)
    report = {
        "machine": machine(),
        "preset": args.preset,
        "paths": args.paths,
        "days": args.days,
        "minutes": args.days * 1440,
        "seed": args.seed,
        "repeat": args.repeat,
        "engine_version": result.engine_version,
        "catalog": result.catalog,
        "placements": sum(len(v) for v in result.placements.values()),
        "run_s": {"median": run_s, "all": run_times},
        "floor_s": {"median": floor_s, "all": floor_times},
        "ratio": run_s / floor_s,
        "memory": {"tracemalloc_peak_bytes": traced_peak, "maxrss_growth_bytes": rss_growth},
        "targets_met": {
            "run_s": run_s <= TARGET_SECONDS,
            "ratio": run_s / floor_s <= TARGET_RATIO,
            "memory": max(traced_peak, rss_growth) <= TARGET_BYTES,
        },
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        m = report["machine"]
        print(f"machine: {m['nproc']} x {m['cpu']}; Python {m['python']}, NumPy {m['numpy']}; {m['date']}")
        print(
            f"workload: preset {args.preset}, {args.paths:,} paths x {args.days} days x 1-minute steps, "
            f"{report['placements']} placements, catalog {result.catalog}"
        )
        print(
            f"(a) default run   median {run_s:6.2f} s  (of {args.repeat}: "
            f"{', '.join(f'{t:.2f}' for t in run_times)})  target <= {TARGET_SECONDS:g} s"
        )
        print(
            f"(b) demand floor  median {floor_s:6.2f} s  (of {args.repeat}: "
            f"{', '.join(f'{t:.2f}' for t in floor_times)})"
        )
        print(f"    ratio run/floor {run_s / floor_s:.2f}  target <= {TARGET_RATIO:g}")
        print(
            f"(c) peak memory   tracemalloc {traced_peak / 2**20:,.0f} MiB, max RSS growth "
            f"{rss_growth / 2**20:,.0f} MiB  target <= 1 GiB"
        )
        print(
            "targets met:", ", ".join(f"{k}={'yes' if v else 'NO'}" for k, v in report["targets_met"].items())
        )
    return 0 if all(report["targets_met"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
