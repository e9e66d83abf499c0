"""Benchmark of a portfolio import fanned out over real Celery workers (issue 17).

    .venv/bin/python benchmarks/import_workers_bench.py [--rows 10000] [--configs 1x1,2x1]
        [--big-rows 100000] [--big-config 2x1] [--chunk-rows 200] [--json]

What it measures, in one invocation:
  * for each worker configuration ``WxC`` (W worker processes started with ``-c C``; 1x1 is
    "1 worker process", 2x1 and 1x2 are "2 worker processes"): an import of --rows distinct
    workloads (mode all_or_nothing), timed from the upload (``portfolio_import_start``: reading
    and validating the file, creating the chunks) until the import reads ``done`` (polled every
    50 ms): every row assessed by the workers into staging, then published in one transaction.
    Split into check (the upload), assess (until every chunk is staged) and publish;
  * then one import of --big-rows on --big-config, with each worker process's peak resident
    memory (VmHWM of the worker and of its pool processes, from /proc, read before they stop).
Workers are started fresh for every configuration and warmed up with a small import (each pool
process imports the engine once); the benchmark's team is emptied before every import, so
every row creates a workload. Targets (issue 17): 10,000 rows in at most 30 s with 2 worker
processes, 2 workers at least 1.7x faster than 1; 100,000 rows complete with each worker
under 500 MB. The upload limit of 10,000 rows (``placement.profile_file.MAX_ROWS``) is raised in
this process for the big run only: the workers' part is what is measured.

Isolation: PostgreSQL database ``pa_imports_bench`` (created and migrated when missing), Redis
DB 12, queue ``import-bench``. Only 127.0.0.1 is contacted. The workers this script started are
stopped on exit, also on failure.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DB_NAME = "pa_imports_bench"
ENV = {
    "DEBUG": "1",
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{DB_NAME}",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/12",
    "CELERY_TASK_DEFAULT_QUEUE": "import-bench",
    "DJANGO_SETTINGS_MODULE": "advisor.config.settings",
    # These workers only import: no chart browser at their start (PDF reports are not measured).
    "CHART_BROWSER_AT_WORKER_START": "0",
}
os.environ.update(ENV)

import django  # noqa: E402

django.setup()

import import_bench  # noqa: E402  (benchmarks/: the same file of distinct rows, the machine)
import psutil  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from import_bench import portfolio_csv  # noqa: E402

import placement.profile_file  # noqa: E402
from advisor.models import ImportChunk, ImportRow, Membership, PortfolioImport, Team  # noqa: E402
from advisor.portfolio import imports  # noqa: E402

TEAM_SLUG = "import-workers-bench"


def machine() -> dict:
    return {**import_bench.machine(), "date_utc": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


def ensure_database() -> None:
    import psycopg

    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone():
            admin.execute(f'CREATE DATABASE "{DB_NAME}"')
    call_command("migrate", verbosity=0)


def fresh_team():
    Team.objects.filter(slug=TEAM_SLUG).delete()
    team = Team.objects.create(name="Import workers bench", slug=TEAM_SLUG)
    user, _ = get_user_model().objects.get_or_create(username="import-workers-bench")
    Membership.objects.get_or_create(user=user, team=team, defaults={"role": "owner"})
    return team, user


class Workers:
    """W ``celery worker -c C`` processes on the bench queue, stopped with SIGTERM."""

    def __init__(self, config: str, log_dir: Path):
        self.count, self.concurrency = (int(x) for x in config.split("x"))
        self.log_dir, self.procs = log_dir, []

    def __enter__(self) -> Workers:
        subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-n", "12", "FLUSHDB"], check=True, capture_output=True
        )
        for n in range(self.count):
            log = self.log_dir / f"worker-{n}.log"
            log.write_text("")
            self.procs.append(
                subprocess.Popen(
                    [
                        str(ROOT / ".venv/bin/celery"),
                        "-A",
                        "advisor",
                        "worker",
                        "-Q",
                        ENV["CELERY_TASK_DEFAULT_QUEUE"],
                        "-c",
                        str(self.concurrency),
                        "-n",
                        f"bench{n}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "-l",
                        "warning",
                    ],
                    cwd=ROOT,
                    env={**os.environ, **ENV},
                    stdout=log.open("a"),
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        while not all(len(psutil.Process(p.pid).children()) == self.concurrency for p in self.procs):
            if time.monotonic() > deadline or any(p.poll() is not None for p in self.procs):
                raise RuntimeError("workers did not start: see " + str(self.log_dir))
            time.sleep(0.2)
        time.sleep(1)  # connected to the broker
        return self

    def peak_rss_mb(self) -> list[dict]:
        """VmHWM of each worker process and each of its pool processes, in MB."""
        peaks = []
        for n, proc in enumerate(self.procs):
            for role, pid in [
                ("main", proc.pid),
                *(("pool", c.pid) for c in psutil.Process(proc.pid).children()),
            ]:
                status = Path(f"/proc/{pid}/status").read_text()
                hwm_kb = int(
                    next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM"))
                )
                peaks.append({"worker": n, "role": role, "pid": pid, "peak_rss_mb": round(hwm_kb / 1024, 1)})
        return peaks

    def __exit__(self, *exc) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def import_once(rows: int, *, offset: int = 0, timeout: float = 3600) -> dict:
    """One import from upload to done on the running workers: its phases in seconds."""
    team, user = fresh_team()
    content = portfolio_csv(rows, offset=offset).encode()
    started = time.perf_counter()
    job = imports.portfolio_import_start(
        user=user, team=team, content=content, file_format="csv", mode="all_or_nothing", filename="bench.csv"
    )
    check_s = time.perf_counter() - started
    assert job.status in ("queued", "running"), job.errors[:3]  # a worker may have started
    assessed_s = None
    deadline = time.monotonic() + timeout
    while True:
        job.refresh_from_db(fields=["status", "rows_done", "error"])
        if assessed_s is None and job.rows_done >= rows:
            assessed_s = time.perf_counter() - started
        if job.finished:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"import {job.pk} still {job.status} after {timeout} s")
        time.sleep(0.05)
    total_s = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == PortfolioImport.Status.DONE and job.created_count == rows, (job.status, job.error)
    # The staging is cleared right after the publish commits, apart from it.
    staged = ImportChunk.objects.filter(portfolio_import=job)
    while staged.exists() or ImportRow.objects.filter(portfolio_import=job).exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"import {job.pk}: its staging was never cleared")
        time.sleep(0.05)
    cleared_s = time.perf_counter() - started
    assessed_s = assessed_s or total_s
    return {
        "rows": rows,
        "chunks": -(-rows // settings.IMPORT_CHUNK_ROWS),
        "total_s": round(total_s, 2),
        "check_s": round(check_s, 2),
        "assess_s": round(assessed_s - check_s, 2),
        "publish_s": round(total_s - assessed_s, 2),
        "ms_per_row": round(total_s / rows * 1000, 2),
        "staging_cleared_s": round(cleared_s, 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--configs", default="1x1,2x1")
    parser.add_argument("--big-rows", type=int, default=100_000, help="0: no big run")
    parser.add_argument("--big-config", default="2x1")
    parser.add_argument("--chunk-rows", type=int, default=settings.IMPORT_CHUNK_ROWS)
    parser.add_argument("--warmup-rows", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--log-dir", default="/tmp/import_workers_bench")
    args = parser.parse_args()

    settings.IMPORT_CHUNK_ROWS = args.chunk_rows  # read where the file is taken: here
    log_dir = Path(args.log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    ensure_database()
    result: dict = {"machine": machine(), "chunk_rows": args.chunk_rows, "runs": {}}

    for config in filter(None, args.configs.split(",")):
        with Workers(config, log_dir):
            import_once(args.warmup_rows, offset=900_000)
            result["runs"][config] = import_once(args.rows)
        print(config, result["runs"][config], file=sys.stderr, flush=True)
    configs = list(result["runs"])
    if len(configs) >= 2:
        one, two = result["runs"][configs[0]], result["runs"][configs[1]]
        result["speedup"] = round(one["total_s"] / two["total_s"], 2)
        result["assess_speedup"] = round(one["assess_s"] / two["assess_s"], 2)

    if args.big_rows:
        placement.profile_file.MAX_ROWS = args.big_rows  # the upload's limit; the workers are measured
        settings.IMPORT_MAX_BYTES = 200 * 1024 * 1024
        with Workers(args.big_config, log_dir) as workers:
            import_once(args.warmup_rows, offset=900_000)
            big = import_once(args.big_rows, timeout=7200)
            big["config"] = args.big_config
            big["workers_peak_rss"] = workers.peak_rss_mb()
            big["max_peak_rss_mb"] = max(p["peak_rss_mb"] for p in big["workers_peak_rss"])
        result["big"] = big
        print("big", big, file=sys.stderr, flush=True)
    Team.objects.filter(slug=TEAM_SLUG).delete()

    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for config, run in result["runs"].items():
            print(f"{config}: {run}")
        if "speedup" in result:
            print(
                f"speedup {configs[0]} -> {configs[1]}: {result['speedup']}x (assess {result['assess_speedup']}x)"
            )
        if "big" in result:
            print(f"big: {result['big']}")
        print(f"machine: {result['machine']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
