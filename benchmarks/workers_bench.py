"""Benchmark of simulation runs on Celery workers: 1 worker process against 2 (issue 4).

    .venv/bin/python benchmarks/workers_bench.py [--preset agent_orchestrator] [--paths 10000]
        [--repeat 3] [--configs 1x1,1x2,2x1] [--reference-repeat 3] [--breakdown] [--json]

What it measures, all in one invocation:
  * a --paths run (default 10,000 paths x 30 days, every default placement of the preset)
    requested through ``advisor.simulations.simulation_request`` and computed by real Celery
    workers over the real Redis and PostgreSQL on 127.0.0.1, timed from the request until the
    ``SimulationRun`` row reads ``succeeded`` (polled every 20 ms);
  * for each worker configuration ``WxC`` = W worker processes started with ``-c C``:
      1x1  one worker, one pool process             (the baseline, "1 worker process")
      1x2  one worker with --concurrency 2          (what ``celery -A advisor worker`` gives on a
                                                     2-core machine: the target's configuration)
      2x1  two workers with --concurrency 1 each    (scaling out by worker count)
    the configurations alternate (rep 1: 1x1, 1x2, 2x1; rep 2: ...), workers are started fresh
    for every run, warmed up with a small run (each pool process imports the engine and loads
    the catalog once), timed, then stopped with SIGTERM; the median of --repeat runs is kept;
  * the reference: ``placement.simulation.simulate`` of the same paths in this one process
    (median of --reference-repeat, interleaved with the worker runs); queue overhead =
    worker time / in-process time;
  * --breakdown: the same run through the service functions in this process, one chunk after
    another (no broker, no worker), split into claim / engine / store+merge, to tell the per-task
    database cost and the serial merge at the end apart from the engine.
Target: time(1x1) / time(1x2) >= 1.7 on the project's 2-core machine.

Isolation (the machine is shared with test runs): PostgreSQL database ``placement_bench``
(created and migrated when missing), Redis DB 14 (flushed before every run, while no bench
worker is running), queue ``bench``. Only 127.0.0.1 is contacted. Every wait has a timeout;
the workers this script started are stopped on exit, also on failure or Ctrl-C.

--experiment NAME runs the workers with a monkeypatch applied in each pool process (this file
is then the Celery app module: ``celery -A benchmarks.workers_bench``). It is an EXPERIMENT to
measure a change, not the shipped code; see EXPERIMENTS below.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DB_NAME = "placement_bench"
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
ENV = {
    "DEBUG": "1",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/14",
    "CELERY_TASK_DEFAULT_QUEUE": "bench",
    "DJANGO_SETTINGS_MODULE": "advisor.settings",
}
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 14
TARGET_RATIO = 1.7
TARGET_CONFIG = "1x2"
BASELINE_CONFIG = "1x1"
EXPERIMENT_ENV = "WORKERS_BENCH_EXPERIMENT"

# -- experiments: monkeypatches applied inside each worker pool process -------------------------
#
# Each one replaces a function of advisor.simulations in the worker only, for this benchmark.


def _experiment_lean_merge() -> None:
    """Merge from the chunk rows' JSON without the row-by-row ChunkResult round trip.

    Same result as advisor.simulations._merge; fetches only the ``result`` column and decodes
    it once per chunk (the shipped code loads full model instances ordered by index).
    """
    from advisor import simulations as s
    from advisor.models import SimulationRun
    from django.utils import timezone

    def _merge(run):
        rows = run.chunks.order_by("index").values_list("result", flat=True)
        chunks = [s.simulation.ChunkResult.from_dict(r) for r in rows]
        run.result = s.simulation.merge(chunks).to_dict()
        run.status, run.finished_at = SimulationRun.Status.SUCCEEDED, timezone.now()
        run.chunks.update(result=None)

    s._merge = _merge


def _experiment_no_chunk_store() -> None:
    """Upper bound: skip storing the per-path chunk JSON (and therefore the real merge).

    NOT a correct implementation: the run ends ``succeeded`` with an empty result. It shows what
    the database round trip of each chunk's ~0.5 MB of JSON plus the final merge cost.
    """
    from advisor import simulations as s
    from advisor.models import SimulationRun
    from django.utils import timezone

    original_store = s._chunk_store

    def _chunk_store(*, run_id, chunk, result):
        original_store(run_id=run_id, chunk=chunk, result={"chunk": chunk})

    def _merge(run):
        run.result = {"experiment": "no_chunk_store"}
        run.status, run.finished_at = SimulationRun.Status.SUCCEEDED, timezone.now()
        run.chunks.update(result=None)

    s._chunk_store, s._merge = _chunk_store, _merge


EXPERIMENTS = {"lean_merge": _experiment_lean_merge, "no_chunk_store": _experiment_no_chunk_store}


def __getattr__(name: str):
    """``celery -A benchmarks.workers_bench``: the project's app, with the experiment hooked in."""
    if name not in ("app", "celery"):
        raise AttributeError(name)
    from celery.signals import worker_process_init

    from advisor.celery import app

    experiment = os.environ.get(EXPERIMENT_ENV, "")
    if experiment:
        @worker_process_init.connect(weak=False)
        def _apply(**_):
            EXPERIMENTS[experiment]()
    return app


# -- helpers ------------------------------------------------------------------------------------


class BenchError(RuntimeError):
    pass


def machine() -> dict:
    import celery
    import numpy as np

    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": model, "python": platform.python_version(),
            "numpy": np.__version__, "celery": celery.__version__, "platform": platform.platform(),
            "date": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}


def loadavg() -> float:
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def log(quiet: bool, *args) -> None:
    if not quiet:
        print(*args, file=sys.stderr, flush=True)


def ensure_database(quiet: bool) -> None:
    """Create placement_bench when missing, then migrate it (a no-op when up to date)."""
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB_NAME,)).fetchone()
        if not exists:
            log(quiet, f"creating database {DB_NAME}")
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    done = subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                          cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise BenchError(f"migrate failed:\n{done.stdout}\n{done.stderr}")


def child_env(experiment: str = "") -> dict:
    env = {**os.environ, **ENV, "PYTHONPATH": str(ROOT)}
    env.pop(EXPERIMENT_ENV, None)
    if experiment:
        env[EXPERIMENT_ENV] = experiment
    return env


def redis_client():
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=5,
                       socket_connect_timeout=2)


class Workers:
    """W celery worker processes with -c C each, started and stopped by this script only."""

    def __init__(self, config: str, experiment: str, logdir: Path):
        self.count, self.concurrency = (int(x) for x in config.split("x"))
        self.config, self.experiment, self.logdir = config, experiment, logdir
        self.procs: list[subprocess.Popen] = []

    def start(self, timeout: float) -> float:
        from advisor.celery import app

        app_module = "benchmarks.workers_bench" if self.experiment else "advisor"
        started = time.perf_counter()
        for i in range(self.count):
            logfile = open(self.logdir / f"worker-{self.config}-{i}.log", "ab")
            cmd = [str(ROOT / ".venv/bin/celery"), "-A", app_module, "worker", "-Q", "bench",
                   "-c", str(self.concurrency), "-n", f"bench{i}-{os.getpid()}@%h",
                   "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"]
            self.procs.append(subprocess.Popen(cmd, cwd=ROOT, env=child_env(self.experiment),
                                               stdout=logfile, stderr=subprocess.STDOUT,
                                               start_new_session=True))
            logfile.close()
        names = {f"bench{i}-{os.getpid()}" for i in range(self.count)}
        deadline = started + timeout
        while time.perf_counter() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise BenchError(f"worker exited with status {p.returncode} at start; "
                                     f"see {self.logdir}")
            replies = app.control.ping(timeout=0.5) or []
            answered = {name.split("@")[0] for reply in replies for name in reply}
            if names <= answered:
                return time.perf_counter() - started
        raise BenchError(f"workers {self.config} did not answer a ping within {timeout:.0f} s")

    def stop(self, timeout: float = 60) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)  # warm shutdown: finish the current task, then exit
        deadline = time.monotonic() + timeout
        for p in self.procs:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)  # our own process group only
                p.wait(timeout=10)
        self.procs = []


def wait_for_run(run_id: int, timeout: float) -> None:
    from advisor.models import SimulationRun

    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        status, error = SimulationRun.objects.filter(pk=run_id).values_list("status", "error").get()
        if status == SimulationRun.Status.SUCCEEDED:
            return
        if status in SimulationRun.FINISHED:
            raise BenchError(f"simulation run {run_id} ended {status}: {error}")
        time.sleep(0.02)
    raise BenchError(f"simulation run {run_id} not finished after {timeout:.0f} s")


def timed_run(user, workload, paths: int, seed: int, timeout: float) -> dict:
    from advisor.models import SimulationRun
    from advisor.simulations import simulation_request
    from django.db.models import Max

    start = time.perf_counter()
    run = simulation_request(user=user, workload=workload, paths=paths, seed=seed)
    requested = time.perf_counter()
    wait_for_run(run.pk, timeout)
    elapsed = time.perf_counter() - start
    run = SimulationRun.objects.get(pk=run.pk)
    last_store = run.chunks.aggregate(t=Max("updated_at"))["t"]
    return {"run_id": run.pk, "s": elapsed, "request_s": requested - start,
            "first_claim_s": (run.started_at - run.created_at).total_seconds(),
            # the last chunk's store and the merge of all chunks share one transaction
            "merge_tail_s": (run.finished_at - last_store).total_seconds()}


def flush_redis() -> None:
    redis_client().flushdb()


def setup_django():
    os.environ.update(ENV)
    import django

    django.setup()


def bench_workload(preset: str):
    from django.contrib.auth import get_user_model

    from advisor.models import Membership, SimulationRun, Team, Workload
    from advisor.services import team_membership_ensure, workload_create
    from placement.presets import PRESETS

    user, _ = get_user_model().objects.get_or_create(username="workers-bench")
    team, _ = Team.objects.get_or_create(slug="workers-bench", defaults={"name": "Workers bench"})
    team_membership_ensure(user=user, team=team, role=Membership.Role.OWNER)
    SimulationRun.objects.filter(workload__team=team).delete()  # earlier invocations' runs
    Workload.objects.filter(team=team).delete()
    return user, workload_create(user=user, team=team, profile_data=PRESETS[preset].profile)


def breakdown(user, workload, paths: int, seed: int) -> dict:
    """The run through the service functions in this process, chunk after chunk, timed by part."""
    from advisor import simulations as s
    from placement import simulation

    parts = {"claim": 0.0, "engine": 0.0, "store": 0.0, "merge": 0.0}

    def timed_fn(name, fn):
        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                parts[name] += time.perf_counter() - t
        return wrapper

    saved = (s._chunk_claim, s._chunk_store, s._merge, simulation.simulate_chunk, s.simulation_enqueue)
    simulation.simulate_chunk = timed_fn("engine", simulation.simulate_chunk)  # s.simulation is this module
    s._chunk_claim = timed_fn("claim", s._chunk_claim)
    s._chunk_store = timed_fn("store", s._chunk_store)
    s._merge = timed_fn("merge", s._merge)
    s.simulation_enqueue = lambda **_: True  # nothing sent: this process computes the chunks
    try:
        run = s.simulation_request(user=user, workload=workload, paths=paths, seed=seed)
        start = time.perf_counter()
        for chunk in range(run.chunks_total):
            s.simulation_chunk_compute(run_id=run.pk, chunk=chunk)
        total = time.perf_counter() - start
    finally:
        (s._chunk_claim, s._chunk_store, s._merge, simulation.simulate_chunk,
         s.simulation_enqueue) = saved
    run.refresh_from_db()
    if run.status != "succeeded":
        raise BenchError(f"breakdown run ended {run.status}: {run.error}")
    parts["store"] -= parts["merge"]  # the merge runs inside the last store
    chunks = run.chunks_total
    return {"total_s": total, "chunks": chunks, **{f"{k}_s": v for k, v in parts.items()},
            "per_chunk_ms": {k: 1000 * v / chunks for k, v in parts.items() if k != "merge"},
            "other_s": total - sum(parts.values())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    from placement.presets import PRESETS

    parser.add_argument("--preset", default="agent_orchestrator", choices=sorted(PRESETS))
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reference-repeat", type=int, default=3,
                        help="in-process simulate() runs, interleaved with the worker runs (0: none)")
    parser.add_argument("--configs", default="1x1,1x2,2x1",
                        help="comma-separated WxC: W worker processes with --concurrency C")
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--warmup-paths", type=int, default=400,
                        help="paths of the untimed run after each start (0: cold workers)")
    parser.add_argument("--run-timeout", type=float, default=600, help="seconds per run")
    parser.add_argument("--start-timeout", type=float, default=60, help="seconds for workers to answer")
    parser.add_argument("--breakdown", action="store_true",
                        help="also time the service functions in-process, chunk after chunk")
    parser.add_argument("--experiment", choices=sorted(EXPERIMENTS), default="",
                        help="EXPERIMENT: monkeypatch the workers (see the module docstring)")
    parser.add_argument("--logdir", default="/tmp/workers_bench", help="worker logs")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    for c in configs:
        if len(c.split("x")) != 2 or not all(x.isdigit() and int(x) > 0 for x in c.split("x")):
            parser.error(f"bad configuration {c!r}: use WxC, e.g. 1x2")
    quiet = args.json
    logdir = Path(args.logdir)
    logdir.mkdir(parents=True, exist_ok=True)

    ensure_database(quiet)
    setup_django()
    from placement import parse_profile
    from placement.pricing import load_catalog
    from placement.simulation import ENGINE_VERSION, chunk_count, simulate

    flush_redis()
    user, workload = bench_workload(args.preset)
    profile = parse_profile(PRESETS[args.preset].profile)
    catalog = load_catalog(profile.region)
    simulate(profile, catalog, paths=100, seed=args.seed, days=1)  # imports, caches

    runs: dict[str, list[dict]] = {c: [] for c in configs}
    reference: list[float] = []
    starts: dict[str, list[float]] = {c: [] for c in configs}
    result: dict = {}
    workers = None
    try:
        for rep in range(args.repeat):
            if rep < args.reference_repeat:
                t = time.perf_counter()
                simulate(profile, catalog, paths=args.paths, seed=args.seed + rep)
                reference.append(time.perf_counter() - t)
                log(quiet, f"rep {rep + 1}: in-process simulate {reference[-1]:.2f} s")
            for config in configs:
                flush_redis()  # with no bench worker running: nothing left from the last run
                workers = Workers(config, args.experiment, logdir)
                starts[config].append(workers.start(args.start_timeout))
                if args.warmup_paths:
                    timed_run(user, workload, args.warmup_paths, args.seed, args.run_timeout)
                load = loadavg()
                r = timed_run(user, workload, args.paths, args.seed + rep, args.run_timeout)
                r["loadavg_1m_before"] = load
                runs[config].append(r)
                workers.stop()
                workers = None
                log(quiet, f"rep {rep + 1}: {config} {r['s']:.2f} s (merge tail {r['merge_tail_s']:.2f} s, "
                           f"load {load:.2f})")
        for rep in range(args.repeat, args.reference_repeat):
            t = time.perf_counter()
            simulate(profile, catalog, paths=args.paths, seed=args.seed + rep)
            reference.append(time.perf_counter() - t)
        if args.breakdown:
            flush_redis()
            result["breakdown"] = breakdown(user, workload, args.paths, args.seed)
            log(quiet, "breakdown:", json.dumps(result["breakdown"]))
    finally:
        if workers is not None:
            workers.stop()
        flush_redis()

    medians = {c: statistics.median(r["s"] for r in runs[c]) for c in configs}
    ref = statistics.median(reference) if reference else None
    ratios = {c: medians[BASELINE_CONFIG] / medians[c] for c in configs
              if BASELINE_CONFIG in medians and c != BASELINE_CONFIG}
    report = {
        "machine": machine(), "preset": args.preset, "paths": args.paths, "days": 30,
        "chunks": chunk_count(args.paths), "seed": args.seed, "repeat": args.repeat,
        "engine_version": ENGINE_VERSION, "catalog": catalog.version, "experiment": args.experiment,
        "warmup_paths": args.warmup_paths,
        "runs": {c: {"median_s": medians[c], "all_s": [r["s"] for r in runs[c]],
                     "merge_tail_median_s": statistics.median(r["merge_tail_s"] for r in runs[c]),
                     "details": runs[c], "worker_start_s": starts[c]} for c in configs},
        "in_process": {"median_s": ref, "all_s": reference},
        "queue_overhead": {c: medians[c] / ref for c in configs} if ref else {},
        "ratios": ratios, "target": {"config": TARGET_CONFIG, "ratio": TARGET_RATIO},
        "target_met": ratios.get(TARGET_CONFIG, 0) >= TARGET_RATIO if TARGET_CONFIG in ratios else None,
        **result,
    }
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        m = report["machine"]
        print(f"machine: {m['nproc']} x {m['cpu']}; Python {m['python']}, NumPy {m['numpy']}, "
              f"Celery {m['celery']}; {m['date']}")
        print(f"workload: preset {args.preset}, {args.paths:,} paths x 30 days "
              f"({report['chunks']} chunks), catalog {catalog.version}"
              + (f"; EXPERIMENT {args.experiment}" if args.experiment else ""))
        if ref:
            print(f"in-process simulate   median {ref:6.2f} s  (of {len(reference)}: "
                  f"{', '.join(f'{t:.2f}' for t in reference)})")
        for c in configs:
            w, n = c.split("x")
            print(f"workers {c} ({w} worker{'s' if w != '1' else ''} x -c {n})  median {medians[c]:6.2f} s  "
                  f"(of {len(runs[c])}: {', '.join(f'{t:.2f}' for t in report['runs'][c]['all_s'])})"
                  f"  merge tail {report['runs'][c]['merge_tail_median_s']:.2f} s"
                  + (f"  queue overhead x{medians[c] / ref:.2f}" if ref else ""))
        for c, r in ratios.items():
            mark = f"  target >= {TARGET_RATIO}" if c == TARGET_CONFIG else ""
            print(f"ratio {BASELINE_CONFIG}/{c} = {r:.2f}{mark}")
        if "breakdown" in report:
            b = report["breakdown"]
            print(f"breakdown (in-process, service functions, {b['chunks']} chunks): total {b['total_s']:.2f} s = "
                  f"claim {b['claim_s']:.2f} + engine {b['engine_s']:.2f} + store {b['store_s']:.2f} "
                  f"+ merge {b['merge_s']:.2f} + other {b['other_s']:.2f}")
        if report["target_met"] is not None:
            print("target met:", "yes" if report["target_met"] else "NO")
    return 0 if report["target_met"] in (True, None) else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"workers_bench: {exc}", file=sys.stderr)
        sys.exit(2)
