"""The engine alone: ``placement.advise`` of a profile it has never seen, in one process.

    .venv/bin/python benchmarks/engine_bench.py [--profiles 300] [--rounds 3] [--json] [--continuing-only]
        [--cpu-time]

Bodies are the load benchmark's (``bodies.varied_body``: presets with volume, shape, wait,
steps and tokens moved about, each under a unique name; each mode draws its own), so every
call is a new profile: the break-even caches, keyed on the whole profile, answer nothing (they
are emptied before each round anyway). Caches keyed on a part of a profile (a rule's inputs, a
usage's estimate, a model's instance options) stay warm from the bodies before, as in a server
that has answered other profiles. Modes, interleaved round by round so the machine's noise hits
them alike:

  default      advise(profile): what a stored assessment, the dashboard and the PDF get
  no sweep     advise(profile, wait_sweep=False): what POST /api/v1/evaluate/ answers
  cached       advise(profile) again, the break-even remembered

Reports the median milliseconds per profile of each mode over all rounds, and how many
evaluations a second one core would give. No Django, no database.
"""

from __future__ import annotations

import argparse
import inspect
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bodies import varied_body  # noqa: E402

from placement import advise, calculators, parse_profile  # noqa: E402
from placement.presets import PRESETS  # noqa: E402


def forget() -> None:
    """Empty the engine's break-even cache: ``forget_break_evens`` (functools.lru_cache) in a
    newer engine, a module-level dict in older ones (renamed when the wait sweep was split off)."""
    if hasattr(calculators, "forget_break_evens"):
        calculators.forget_break_evens()
    for name in ("_REMEMBERED", "_BREAK_EVEN_CACHE"):
        getattr(calculators, name, {}).clear()


def timed(call, profiles, clock=time.perf_counter) -> list[float]:
    times = []
    for profile in profiles:
        start = clock()
        call(profile)
        times.append((clock() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profiles", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--continuing-only",
        action="store_true",
        help="Leave out one-off job presets (issue 15), so an older tree times the same bodies.",
    )
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="Time each call by the process's CPU time rather than the wall clock: steadier on a "
        "machine other work shares (it leaves out time spent waiting for a core).",
    )
    args = parser.parse_args()
    clock = time.process_time if args.cpu_time else time.perf_counter

    bases = [
        dict(p.profile)
        for p in PRESETS.values()
        if not (args.continuing_only and p.profile.get("job_total_requests") is not None)
    ]
    modes = {"default": advise}
    # Older engines had no wait_sweep switch: then only the default is measured.
    if "wait_sweep" in inspect.signature(advise).parameters:
        modes["no sweep"] = lambda p: advise(p, wait_sweep=False)
    times: dict[str, list[float]] = {mode: [] for mode in [*modes, "cached"]}
    advise(parse_profile(bases[0]))  # load the matrix and the catalog
    for round_ in range(args.rounds):
        for mode, call in modes.items():
            # A seed of its own per mode: each mode's bodies are new to the engine, not the
            # previous mode's under another name (its caches would answer part of them).
            rng = random.Random(f"engine-{mode}-{round_}")
            profiles = [
                parse_profile(varied_body(rng, bases, f"{mode}-{round_}-{n}")) for n in range(args.profiles)
            ]
            forget()
            times[mode] += timed(call, profiles, clock)
            if mode == "default":
                times["cached"] += timed(advise, profiles, clock)
    result = {
        mode: {
            "median_ms": round(statistics.median(t), 2),
            "per_core_per_s": round(1000 / statistics.median(t), 1),
        }
        for mode, t in times.items()
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for mode, r in result.items():
            print(f"{mode:>9}: {r['median_ms']:7.2f} ms a profile, {r['per_core_per_s']:7.1f}/s a core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
