"""Benchmark of a 10,000-workload portfolio import (issue 6), on PostgreSQL, in one process.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/placement_advisor_bench \\
        .venv/bin/python benchmarks/import_bench.py [--rows 10000] [--json]

The database is migrated, then emptied of this benchmark's team. A CSV of --rows
distinct workloads (volumes, waits, patterns and models vary, so the engine's caches
do not help) is imported in mode all_or_nothing:
  check:   portfolio_import_start, what the user waits for after the upload: reading
           and validating every row, storing the import and its chunks;
  assess:  portfolio_import_chunk_run of every chunk, one after another (what the workers
           share out): assessing every row and staging it;
  publish: portfolio_import_run, writing the workloads, versions, assessments and audit
           events of every staged row in one transaction;
  store:   assess + publish, the workers' part on one process.
The import on real workers, 1 against 2, is benchmarks/import_workers_bench.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor.config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from advisor.models import Membership, Team  # noqa: E402
from advisor.portfolio import imports  # noqa: E402

PATTERNS = ("steady", "business_hours", "diurnal", "spiky", "batch")
MODELS = ("claude-haiku-4.5", "claude-sonnet-4.5", "llama-3.1-8b")


def portfolio_csv(rows: int, *, offset: int = 0) -> str:
    """Distinct volumes, waits, patterns and models, so the engine's caches do not help."""
    lines = ["name,requests_per_day,pattern,request_duration_s,wait_fraction,hosted_model,hot_context_gb"]
    for n in range(offset, offset + rows):
        lines.append(
            f"Workload {n:06d},{50 + 13 * n},{PATTERNS[n % 5]},{1 + n % 40 / 4},"
            f"{(n % 10) / 10},{MODELS[n % 3]},{(n % 7) * 0.5}"
        )
    return "\n".join(lines) + "\n"


def machine() -> dict:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    return {
        "cpu": model,
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "loadavg": os.getloadavg(),
        "date": dt.date.today().isoformat(),
        "database": connection.vendor,
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    Team.objects.filter(slug="import-bench").delete()
    team = Team.objects.create(name="Import bench", slug="import-bench")
    user, _ = get_user_model().objects.get_or_create(username="import-bench")
    Membership.objects.get_or_create(user=user, team=team, defaults={"role": "owner"})
    content = portfolio_csv(args.rows)
    # Time the parts apart: without a broker the chunks would run inside the upload.
    imports.send_on_commit = lambda *args, **kwargs: None

    started = time.perf_counter()
    job = imports.portfolio_import_start(
        user=user,
        team=team,
        content=content.encode(),
        file_format="csv",
        mode="all_or_nothing",
        filename="bench.csv",
    )
    check_s = time.perf_counter() - started
    assert job.status == "queued", job.errors[:3]
    started = time.perf_counter()
    for chunk in range(job.chunks.count()):
        imports.portfolio_import_chunk_run(import_id=job.pk, chunk=chunk)
    assess_s = time.perf_counter() - started
    imports.portfolio_import_run(import_id=job.pk)
    store_s = time.perf_counter() - started
    job.refresh_from_db()
    assert job.status == "done" and job.created_count == args.rows, job.error

    result = {
        "machine": machine(),
        "rows": args.rows,
        "file_bytes": len(content),
        "check_seconds": round(check_s, 2),
        "assess_seconds": round(assess_s, 1),
        "publish_seconds": round(store_s - assess_s, 1),
        "store_seconds": round(store_s, 1),
        "store_ms_per_row": round(store_s / args.rows * 1000, 1),
    }
    Team.objects.filter(pk=team.pk).delete()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"{args.rows:,} rows ({len(content) / 1024:.0f} KiB): check {check_s:.2f} s, "
            f"store {store_s:.1f} s ({result['store_ms_per_row']} ms a row: assess {assess_s:.1f} s, "
            f"publish {store_s - assess_s:.1f} s); machine {result['machine']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
