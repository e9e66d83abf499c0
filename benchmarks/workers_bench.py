"""Benchmark of simulation runs on Celery workers: 1 worker process against 2 (issue 4).

    .venv/bin/python benchmarks/workers_bench.py [--preset agent_orchestrator] [--paths 10000]
        [--repeat 3] [--configs 1x1,1x2,2x1] [--reference-repeat 3] [--breakdown] [--json]

What it measures, all in one invocation:
  * a --paths run (default 10,000 paths x 30 days = 100 chunks, every default placement of the
    preset) requested through ``advisor.simulations.services.simulation_request`` and computed by real
    Celery workers over the real Redis and PostgreSQL on 127.0.0.1, timed from the request until
    the ``SimulationRun`` row reads ``succeeded`` (polled every 20 ms). The volume sweep that
    follows is waited for too (reported as "with sweep") so it never runs inside the next run;
  * for each worker configuration ``WxC`` = W worker processes started with ``-c C``:
      1x1  one worker, one pool process             (the baseline, "1 worker process")
      1x2  one worker with --concurrency 2          (what ``celery -A advisor worker`` gives on a
                                                     2-core machine: the target's configuration)
      2x1  two workers with --concurrency 1 each    (scaling out by worker count)
    the configurations alternate (rep 1: 1x1, 1x2, 2x1; rep 2: ...), workers are started fresh
    for every run, warmed up with a small run (each pool process imports the engine and loads
    the catalog once), timed, then stopped with SIGTERM; the median of --repeat runs is kept;
    the merged results of one seed must be identical in every configuration (sha256 compared);
  * the reference: ``placement.simulation.simulate`` of the same paths in this one process
    (median of --reference-repeat, interleaved with the worker runs); queue overhead =
    worker time / in-process time;
  * CPU seconds during each run (/proc): the machine, the workers, this process, "others"
    (PostgreSQL, Redis and anything else on the machine, e.g. a test suite);
  * --breakdown: the same run through the service functions in this process, one chunk after
    another (no broker, no worker), split into claim / engine / store / merge.
Target: time(1x1) / time(1x2) >= 1.7 on the project's 2-core machine.

Isolation (the machine is shared with test runs): PostgreSQL database ``placement_bench``
(created and migrated when missing), Redis DB 14 (flushed before every run, while no bench
worker is running), queue ``bench``. Only 127.0.0.1 is contacted. Every wait has a timeout;
the workers this script started are stopped on exit, also on failure, SIGTERM or Ctrl-C. The
test suite stops and restarts the shared Redis: a run that sees Redis restart (its run_id
changes), lose the connection or stall is redone (--retries) and listed under
``disturbed_runs_redone``.

EXPERIMENTS (``WxC:NAME`` in --configs; none defined now, the binary chunk encoding shipped): the
workers then run with this file as their Celery app module (``celery -A
benchmarks.workers_bench``), which applies the named monkeypatch in each pool process. An
experiment measures a change that is NOT in the shipped code; see EXPERIMENTS below.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
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
    "DJANGO_SETTINGS_MODULE": "advisor.config.settings",
}
REDIS_HOST, REDIS_PORT, REDIS_DB = "127.0.0.1", 6379, 14
TARGET_RATIO = 1.7
TARGET_CONFIG = "1x2"
BASELINE_CONFIG = "1x1"
EXPERIMENT_ENV = "WORKERS_BENCH_EXPERIMENT"

# -- experiments: monkeypatches applied inside each worker pool process -------------------------
#
# Each one replaces a function of advisor.simulations.services in the worker only, for this benchmark.


# Experiments patch the workers only; the binary chunk encoding measured here once now ships.
EXPERIMENTS: dict = {}


def __getattr__(name: str):
    """``celery -A benchmarks.workers_bench``: the project's app, with the experiment hooked in."""
    if name not in ("app", "celery"):
        raise AttributeError(name)
    from celery.signals import worker_process_init

    from advisor.config.celery import app

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
    """The engine benchmark's machine description, plus the Celery version."""
    import celery

    from benchmarks.simulation_bench import machine as engine_machine

    return {**engine_machine(), "celery": celery.__version__}


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
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "migrate", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
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

    return redis.Redis(
        host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB, socket_timeout=5, socket_connect_timeout=2
    )


class Workers:
    """W celery worker processes with -c C each, started and stopped by this script only."""

    def __init__(self, config: str, logdir: Path, extra_args: list[str] = ()):
        shape, _, self.experiment = config.partition(":")
        self.count, self.concurrency = (int(x) for x in shape.split("x"))
        self.config, self.logdir = config, logdir
        self.extra_args = list(extra_args)
        self.procs: list[subprocess.Popen] = []

    def start(self, timeout: float) -> float:
        from advisor.config.celery import app

        app_module = "benchmarks.workers_bench" if self.experiment else "advisor"
        started = time.perf_counter()
        for i in range(self.count):
            logfile = open(self.logdir / f"worker-{self.config.replace(':', '-')}-{i}.log", "ab")
            cmd = [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                app_module,
                "worker",
                "-Q",
                "bench",
                "-c",
                str(self.concurrency),
                "-n",
                f"bench{i}-{os.getpid()}@%h",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "warning",
                *self.extra_args,
            ]
            self.procs.append(
                subprocess.Popen(
                    cmd,
                    cwd=ROOT,
                    env=child_env(self.experiment),
                    stdout=logfile,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
            logfile.close()
        names = {f"bench{i}-{os.getpid()}" for i in range(self.count)}
        deadline = started + timeout
        while time.perf_counter() < deadline:
            for p in self.procs:
                if p.poll() is not None:
                    raise BenchError(f"worker exited with status {p.returncode} at start; see {self.logdir}")
            try:
                replies = app.control.ping(timeout=0.5) or []
            except Exception as exc:  # noqa: BLE001 - Redis restarted under us (the test suite does)
                raise Disturbed(f"workers {self.config}: broker connection lost at start: {exc}") from exc
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


class Disturbed(BenchError):  # noqa: N818
    """Something outside the benchmark broke the run (Redis restarted, a stall): run it again."""


def redis_run_id() -> str:
    """Changes when Redis restarts (the test suite stops and starts the shared Redis)."""
    try:
        return redis_client().info("server")["run_id"]
    except Exception as exc:  # noqa: BLE001 - any failure means: not the Redis the run started on
        return f"unreachable: {exc}"


def wait_for_run(run_id: int, deadline: float, redis_id: str, stall_s: float) -> None:
    from advisor.models import SimulationRun

    last_done, last_progress, last_check = -1, time.perf_counter(), 0.0
    while time.perf_counter() < deadline:
        status, error, done = (
            SimulationRun.objects.filter(pk=run_id).values_list("status", "error", "chunks_done").get()
        )
        if status == SimulationRun.Status.SUCCEEDED:
            return
        if status in SimulationRun.FINISHED:
            raise BenchError(f"simulation run {run_id} ended {status}: {error}")
        now = time.perf_counter()
        if done != last_done:
            last_done, last_progress = done, now
        elif now - last_progress > stall_s:
            raise Disturbed(f"run {run_id}: no chunk finished for {stall_s:.0f} s")
        if now - last_check > 1.0:
            last_check = now
            if redis_run_id() != redis_id:
                raise Disturbed(f"run {run_id}: Redis restarted or went away during the run")
        time.sleep(0.02)
    raise BenchError(f"simulation run {run_id} not finished in time")


def wait_for_sweep(run_id: int, deadline: float) -> None:
    """The volume sweep is a task of its own, sent once the run is merged."""
    from advisor.models import SimulationRun

    while time.perf_counter() < deadline:
        if SimulationRun.objects.filter(pk=run_id, sweep__isnull=False).exists():
            return
        time.sleep(0.02)
    raise BenchError(f"the sweep of simulation run {run_id} not finished in time")


def timed_run(
    user, workload, paths: int, seed: int, timeout: float, stall_s: float = 60, on_succeeded=lambda: None
) -> dict:
    """Request a run; time it until ``succeeded``, then until its sweep is stored too."""
    from django.db.models import Max

    from advisor.models import SimulationRun
    from advisor.simulations.services import simulation_request

    redis_id = redis_run_id()
    start = time.perf_counter()
    deadline = start + timeout
    run = simulation_request(user=user, workload=workload, paths=paths, seed=seed)
    requested = time.perf_counter()
    if SimulationRun.objects.filter(pk=run.pk).exclude(note="").exists():
        raise Disturbed(f"run {run.pk}: Redis unreachable when the chunks were sent")
    wait_for_run(run.pk, deadline, redis_id, stall_s)
    elapsed = time.perf_counter() - start
    at_succeeded = on_succeeded()
    # Waiting for the sweep also keeps it from running inside the next timed run.
    wait_for_sweep(run.pk, deadline)
    with_sweep = time.perf_counter() - start
    if redis_run_id() != redis_id:
        raise Disturbed(f"run {run.pk}: Redis restarted during the run")
    run = SimulationRun.objects.get(pk=run.pk)
    digest = hashlib.sha256(json.dumps(run.result, sort_keys=True).encode()).hexdigest()[:16]
    last_store = run.chunks.aggregate(t=Max("updated_at"))["t"]
    return {
        "at_succeeded": at_succeeded,
        "run_id": run.pk,
        "seed": seed,
        "result_sha256": digest,
        "s": elapsed,
        "with_sweep_s": with_sweep,
        "request_s": requested - start,
        "first_claim_s": (run.started_at - run.created_at).total_seconds(),
        # the last chunk's store and the merge of all chunks share one transaction
        "merge_tail_s": (run.finished_at - last_store).total_seconds(),
    }


def flush_redis(timeout: float = 60) -> None:
    """FLUSHDB on the bench DB only; waits (bounded) for Redis when someone restarts it."""
    import redis

    deadline = time.monotonic() + timeout
    while True:
        try:
            redis_client().flushdb()
            return
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise BenchError(f"Redis at {REDIS_HOST}:{REDIS_PORT} unreachable for {timeout:.0f} s")
            time.sleep(1)


def setup_django():
    os.environ.update(ENV)
    import django

    django.setup()


def bench_workload(preset: str):
    from django.contrib.auth import get_user_model

    from advisor.accounts.services import team_membership_ensure
    from advisor.models import Membership, SimulationRun, Team, Workload
    from advisor.workloads.services import workload_create
    from placement.presets import PRESETS

    user, _ = get_user_model().objects.get_or_create(username="workers-bench")
    team, _ = Team.objects.get_or_create(slug="workers-bench", defaults={"name": "Workers bench"})
    team_membership_ensure(user=user, team=team, role=Membership.Role.OWNER)
    SimulationRun.objects.filter(workload__team=team).delete()  # earlier invocations' runs
    Workload.objects.filter(team=team).delete()
    return user, workload_create(user=user, team=team, profile_data=PRESETS[preset].profile)


def breakdown(user, workload, paths: int, seed: int) -> dict:
    """The run through the service functions in this process, chunk after chunk, timed by part."""
    from advisor.simulations import services as s
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

    saved = (
        s._chunk_claim,
        s._chunk_store,
        s._merge,
        simulation.simulate_chunk,
        s.simulation_enqueue,
        s._enqueue_sweep,
    )
    simulation.simulate_chunk = timed_fn("engine", simulation.simulate_chunk)  # s.simulation is this module
    s._chunk_claim = timed_fn("claim", s._chunk_claim)
    s._chunk_store = timed_fn("store", s._chunk_store)
    s._merge = timed_fn("merge", s._merge)
    s.simulation_enqueue = lambda **_: True  # nothing sent: this process computes the chunks
    s._enqueue_sweep = lambda run_id: None  # nor the sweep: the run is timed until merged
    try:
        run = s.simulation_request(user=user, workload=workload, paths=paths, seed=seed)
        start = time.perf_counter()
        for chunk in range(run.chunks_total):
            s.simulation_chunk_compute(run_id=run.pk, chunk=chunk)
        total = time.perf_counter() - start
    finally:
        (
            s._chunk_claim,
            s._chunk_store,
            s._merge,
            simulation.simulate_chunk,
            s.simulation_enqueue,
            s._enqueue_sweep,
        ) = saved
    run.refresh_from_db()
    if run.status != "succeeded":
        raise BenchError(f"breakdown run ended {run.status}: {run.error}")
    parts["store"] -= parts["merge"]  # the merge runs inside the last store
    chunks = run.chunks_total
    return {
        "total_s": total,
        "chunks": chunks,
        **{f"{k}_s": v for k, v in parts.items()},
        "per_chunk_ms": {k: 1000 * v / chunks for k, v in parts.items() if k != "merge"},
        "other_s": total - sum(parts.values()),
    }


def cpu_snapshot(worker_pgids: list[int]) -> dict:
    """CPU seconds so far: the machine (busy/idle, /proc/stat), the bench workers (their process
    groups) and this process (the poller); ``others`` = busy - workers - this process, i.e.
    PostgreSQL, Redis and whatever else runs on the machine (e.g. a test suite)."""
    tick = os.sysconf("SC_CLK_TCK")
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    idle = values[3] + values[4]
    snap = {
        "machine_busy": (sum(values) - idle) / tick,
        "machine_idle": idle / tick,
        "workers": 0.0,
        "this_process": 0.0,
    }
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        rest = stat[stat.rindex(")") + 2 :].split()
        pgrp, cpu = int(rest[2]), (int(rest[11]) + int(rest[12])) / tick
        if int(entry.name) == os.getpid():
            snap["this_process"] += cpu
        elif pgrp in worker_pgids:
            snap["workers"] += cpu
    return snap


def cpu_delta(before: dict, after: dict) -> dict:
    delta = {k: round(after[k] - before[k], 2) for k in before}
    delta["others"] = round(delta["machine_busy"] - delta["workers"] - delta["this_process"], 2)
    return delta


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    from placement.presets import PRESETS

    parser.add_argument("--preset", default="agent_orchestrator", choices=sorted(PRESETS))
    parser.add_argument("--paths", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--reference-repeat",
        type=int,
        default=3,
        help="in-process simulate() runs, interleaved with the worker runs (0: none)",
    )
    parser.add_argument(
        "--configs",
        default="1x1,1x2,2x1",
        help="comma-separated WxC (W worker processes with --concurrency C), each "
        "optionally WxC:EXPERIMENT, e.g. 1x1,1x2,2x1",
    )
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument(
        "--warmup-paths",
        type=int,
        default=400,
        help="paths of the untimed run after each start (0: cold workers)",
    )
    parser.add_argument("--run-timeout", type=float, default=300, help="seconds per run")
    parser.add_argument(
        "--retries",
        type=int,
        default=2,
        help="times a run disturbed from outside (Redis restarted, stall) is redone",
    )
    parser.add_argument("--start-timeout", type=float, default=60, help="seconds for workers to answer")
    parser.add_argument(
        "--breakdown",
        action="store_true",
        help="also time the service functions in-process, chunk after chunk",
    )
    parser.add_argument(
        "--worker-args",
        default="",
        help="EXPERIMENT: extra celery worker options, e.g. '--prefetch-multiplier 4'",
    )
    parser.add_argument("--logdir", default="/tmp/workers_bench", help="worker logs")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    for c in configs:
        shape, _, experiment = c.partition(":")
        if (
            len(shape.split("x")) != 2
            or not all(x.isdigit() and int(x) > 0 for x in shape.split("x"))
            or (experiment and experiment not in EXPERIMENTS)
        ):
            parser.error(
                f"bad configuration {c!r}: use WxC or WxC:EXPERIMENT (experiments: {', '.join(EXPERIMENTS)})"
            )
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

    from kombu.exceptions import OperationalError
    from redis import RedisError

    runs: dict[str, list[dict]] = {c: [] for c in configs}
    reference: list[float] = []
    starts: dict[str, list[float]] = {c: [] for c in configs}
    result: dict = {}
    disturbed: list[dict] = []
    workers = None
    try:
        for rep in range(args.repeat):
            if rep < args.reference_repeat:
                t = time.perf_counter()
                simulate(profile, catalog, paths=args.paths, seed=args.seed + rep)
                reference.append(time.perf_counter() - t)
                log(quiet, f"rep {rep + 1}: in-process simulate {reference[-1]:.2f} s")
            for config in configs:
                for attempt in range(args.retries + 1):
                    flush_redis()  # with no bench worker running: nothing left from the last run
                    workers = Workers(config, logdir, args.worker_args.split())
                    try:
                        started = workers.start(args.start_timeout)
                        if args.warmup_paths:
                            timed_run(user, workload, args.warmup_paths, args.seed, args.run_timeout)
                        load = loadavg()
                        pgids = [p.pid for p in workers.procs]
                        cpu_before = cpu_snapshot(pgids)
                        r = timed_run(
                            user,
                            workload,
                            args.paths,
                            args.seed + rep,
                            args.run_timeout,
                            on_succeeded=lambda pgids=pgids: cpu_snapshot(pgids),
                        )
                        r["cpu_s"] = cpu_delta(cpu_before, r.pop("at_succeeded"))
                        r["loadavg_1m_before"] = load
                        break
                    except (Disturbed, ConnectionError, OSError, RedisError, OperationalError) as exc:
                        disturbed.append({"rep": rep + 1, "config": config, "why": str(exc)})
                        log(quiet, f"rep {rep + 1}: {config} disturbed ({exc}); again")
                        if attempt == args.retries:
                            raise BenchError(f"{config}: disturbed {args.retries + 1} times: {exc}") from exc
                        time.sleep(5)  # let Redis come back
                    finally:
                        workers.stop()
                        workers = None
                starts[config].append(started)
                runs[config].append(r)
                log(
                    quiet,
                    f"rep {rep + 1}: {config} {r['s']:.2f} s (merge tail {r['merge_tail_s']:.2f} s, "
                    f"load {load:.2f}, cpu s {r['cpu_s']})",
                )
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
        try:
            flush_redis(timeout=10)
        except BenchError:
            pass

    medians = {c: statistics.median(r["s"] for r in runs[c]) for c in configs}
    ref = statistics.median(reference) if reference else None
    ratios = {}  # "1x1/1x2" -> time(1x1) / time(1x2), within the same experiment (or none)
    for c in configs:
        shape, _, experiment = c.partition(":")
        base = BASELINE_CONFIG + (f":{experiment}" if experiment else "")
        if base in medians and c != base:
            ratios[f"{base}/{c}"] = medians[base] / medians[c]
    target_key = f"{BASELINE_CONFIG}/{TARGET_CONFIG}"
    report = {
        "machine": machine(),
        "preset": args.preset,
        "paths": args.paths,
        "days": 30,
        "chunks": chunk_count(args.paths),
        "seed": args.seed,
        "repeat": args.repeat,
        "engine_version": ENGINE_VERSION,
        "catalog": catalog.version,
        "worker_args": args.worker_args,
        "warmup_paths": args.warmup_paths,
        "runs": {
            c: {
                "median_s": medians[c],
                "all_s": [r["s"] for r in runs[c]],
                "merge_tail_median_s": statistics.median(r["merge_tail_s"] for r in runs[c]),
                "with_sweep_median_s": statistics.median(r["with_sweep_s"] for r in runs[c]),
                "details": runs[c],
                "worker_start_s": starts[c],
            }
            for c in configs
        },
        "in_process": {"median_s": ref, "all_s": reference},
        "queue_overhead": {c: medians[c] / ref for c in configs} if ref else {},
        "disturbed_runs_redone": disturbed,
        "ratios": ratios,
        "target": {"ratio": target_key, "at_least": TARGET_RATIO},
        "target_met": ratios[target_key] >= TARGET_RATIO if target_key in ratios else None,
        "same_result_per_seed": all(
            len({r["result_sha256"] for c in configs for r in runs[c] if r["seed"] == seed}) == 1
            for seed in {r["seed"] for c in configs for r in runs[c]}
        ),
        **result,
    }
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        m = report["machine"]
        print(
            f"machine: {m['nproc']} x {m['cpu']}; Python {m['python']}, NumPy {m['numpy']}, "
            f"Celery {m['celery']}; {m['date']}"
        )
        print(
            f"workload: preset {args.preset}, {args.paths:,} paths x 30 days "
            f"({report['chunks']} chunks), catalog {catalog.version}"
            + (f"; EXPERIMENT worker args {args.worker_args!r}" if args.worker_args else "")
        )
        if ref:
            print(
                f"in-process simulate   median {ref:6.2f} s  (of {len(reference)}: "
                f"{', '.join(f'{t:.2f}' for t in reference)})"
            )
        for c in configs:
            shape, _, experiment = c.partition(":")
            w, n = shape.split("x")
            label = f"EXPERIMENT {experiment}: " if experiment else ""
            print(
                f"{label}workers {c} ({w} worker{'s' if w != '1' else ''} x -c {n})  median {medians[c]:6.2f} s  "
                f"(of {len(runs[c])}: {', '.join(f'{t:.2f}' for t in report['runs'][c]['all_s'])})"
                f"  merge tail {report['runs'][c]['merge_tail_median_s']:.2f} s"
                f"  with sweep {report['runs'][c]['with_sweep_median_s']:.2f} s"
                + (f"  queue overhead x{medians[c] / ref:.2f}" if ref else "")
            )
        for c, r in ratios.items():
            mark = f"  target >= {TARGET_RATIO}" if c == target_key else ""
            print(f"ratio {c} = {r:.2f}{mark}")
        print(
            "same merged result for the same seed in every configuration:",
            "yes" if report["same_result_per_seed"] else "NO",
        )
        if "breakdown" in report:
            b = report["breakdown"]
            print(
                f"breakdown (in-process, service functions, {b['chunks']} chunks): total {b['total_s']:.2f} s = "
                f"claim {b['claim_s']:.2f} + engine {b['engine_s']:.2f} + store {b['store_s']:.2f} "
                f"+ merge {b['merge_s']:.2f} + other {b['other_s']:.2f}"
            )
        if report["target_met"] is not None:
            print("target met:", "yes" if report["target_met"] else "NO")
    return 0 if report["target_met"] in (True, None) else 1


def _terminate(signum, _frame):
    raise SystemExit(128 + signum)  # unwinds through main's finally: our workers are stopped


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    try:
        sys.exit(main())
    except BenchError as exc:
        print(f"workers_bench: {exc}", file=sys.stderr)
        sys.exit(2)
