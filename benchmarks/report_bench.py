"""Benchmark of the PDF report (issues 5, 17): one report with all its charts.

    .venv/bin/python benchmarks/report_bench.py [--preset agent_orchestrator] [--repeat 5] [--json]
    .venv/bin/python benchmarks/report_bench.py --worker-start [--compare /tmp/old17] [--delays 0,5]

The report of a preset workload with a finished simulation (1,000 paths and the
volume sweep, so every chart is drawn) is rendered by ``advisor.reports.services.report_build``:
  cold: a fresh Chromium for each report (CHART_BROWSER_IDLE_S=0, as without a broker);
  warm: the browser kept open between reports (as a Celery worker does), after one
        untimed report that opens it.
Each is the median of --repeat renders, with the split between the chart export
(plotly figures -> SVG through kaleido) and WeasyPrint (HTML -> PDF). The workload,
assessment and simulation are built in memory: no database is needed.
--tab-reload also measures the warm case with kaleido's own behaviour, reloading
its page after every figure (what ``figures.ReusedTabKaleido`` skips), for comparison.
Target: the PDF with all charts in 5 s or less.

--worker-start (issue 17) measures "cold" as a worker meets it: for each repetition a new
process starts as a Celery pool process does (Django set up, the Celery app imported, its
``worker_process_init`` signal sent, ``CHART_BROWSER_IDLE_S``=300 as on a worker), and its
*first* report is timed, arriving --delays seconds after the signal (0: at once, the worst
case; 5: a worker that has been up a few seconds). With --compare, the same runs of another
tree (e.g. /tmp/old17) alternate with this one's; the demo data is built once, so both render
the same report. Target: 3.5 s or less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

# The tree whose code runs: this one, or another one's for --compare (set for the child process).
ROOT = Path(os.environ.get("REPORT_BENCH_TREE") or Path(__file__).resolve().parents[1])
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "advisor.config.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.test import override_settings  # noqa: E402
from django.utils import timezone  # noqa: E402

import placement  # noqa: E402
from advisor.models import Assessment, SimulationRun, Team, Workload  # noqa: E402
from advisor.presentation.charts import workload_charts  # noqa: E402
from advisor.reports import services as reports  # noqa: E402
from advisor.reports.figures import browser_close  # noqa: E402
from placement import simulation  # noqa: E402
from placement.presets import PRESETS  # noqa: E402
from placement.pricing import load_catalog  # noqa: E402

TARGET_SECONDS = 5.0
TARGET_WORKER_FIRST_S = 3.5


def machine() -> dict:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    chromium = subprocess.run(
        [settings.CHART_BROWSER_PATH, "--version"], capture_output=True, text=True
    ).stdout.strip()
    from importlib.metadata import version

    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "chromium": chromium,
        "kaleido": version("kaleido"),
        "weasyprint": version("weasyprint"),
        "load_average": os.getloadavg(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def demo(preset: str, paths: int, seed: int) -> tuple[Assessment, SimulationRun]:
    """An assessment and a finished simulation of the preset, unsaved."""
    profile = placement.parse_profile(PRESETS[preset].profile)
    advice = placement.advise(profile).to_dict()
    team = Team(pk=1, name="Benchmark team", slug="bench")
    workload = Workload(pk=1, team=team, name=profile.name, profile=PRESETS[preset].profile, version=1)
    now = timezone.now()
    assessment = Assessment(
        pk=1,
        workload=workload,
        profile=advice["profile"],
        profile_version=1,
        ruleset_version=advice["ruleset"],
        catalog_version=advice["catalog"],
        result=advice,
        created_at=now,
    )
    assessment.number_in_workload = 1  # what a list would annotate: Assessment.number asks no database
    catalog = load_catalog(profile.region)
    run = SimulationRun(
        pk=1,
        workload=workload,
        profile=profile.to_dict(),
        profile_version=1,
        seed=seed,
        paths=paths,
        days=30,
        engine_version=simulation.ENGINE_VERSION,
        catalog_version=catalog.version,
        status=SimulationRun.Status.SUCCEEDED,
        chunks_total=simulation.chunk_count(paths),
        chunks_done=simulation.chunk_count(paths),
        finished_at=now,
        result=simulation.simulate(profile, catalog, paths=paths, seed=seed).to_dict(),
        sweep=simulation.sweep(profile, catalog, paths=100, seed=seed).to_dict(),
    )
    return assessment, run


def pages(pdf: bytes) -> int:
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode()
    return next((int(line.split()[-1]) for line in info.splitlines() if line.startswith("Pages:")), 0)


def measure(assessment, run, repeat: int, idle_s: int) -> dict:
    rows = []
    with override_settings(CHART_BROWSER_IDLE_S=idle_s):
        if idle_s:
            reports.report_build(assessment=assessment, simulation=run)  # opens the browser, untimed
        for _ in range(repeat):
            start = time.perf_counter()
            rendered = reports.report_build(assessment=assessment, simulation=run)
            rows.append(
                {
                    "total": time.perf_counter() - start,
                    "figures": rendered.figures_seconds,
                    "pdf": rendered.pdf_seconds,
                    "warm": rendered.warm_browser,
                }
            )
        if idle_s:
            browser_close()
    median = {key: statistics.median(r[key] for r in rows) for key in ("total", "figures", "pdf")}
    return {"median": median, "runs": rows, "pdf_bytes": len(rendered.pdf), "pages": pages(rendered.pdf)}


RESULT = "RESULT "  # the child's last line: its figures as JSON


def worker_first_report(demo_file: Path, delay_s: float) -> dict:
    """In a new process: start as a Celery pool process does, then time the first report."""
    import pickle

    from celery import signals

    import advisor.config.celery  # noqa: F401  the app, and with it this tree's worker signals

    assessment, run = pickle.loads(demo_file.read_bytes())
    signalled = time.perf_counter()
    signals.worker_process_init.send(sender="report-bench")
    signal_s = time.perf_counter() - signalled
    time.sleep(delay_s)
    start = time.perf_counter()
    rendered = reports.report_build(assessment=assessment, simulation=run)
    total = time.perf_counter() - start
    browser_close()
    return {
        "total": total,
        "figures": rendered.figures_seconds,
        "pdf": rendered.pdf_seconds,
        "warm": rendered.warm_browser,
        "signal_s": signal_s,
        "pages": pages(rendered.pdf),
    }


def worker_start_runs(assessment, run, repeat: int, delays: list[float], trees: dict[str, Path]) -> dict:
    """``worker_first_report`` in a new process per run; trees and delays alternate."""
    import pickle
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        demo_file = Path(folder) / "demo.pickle"
        demo_file.write_bytes(pickle.dumps((assessment, run)))
        runs: dict[str, dict[str, list[dict]]] = {
            label: {str(delay): [] for delay in delays} for label in trees
        }
        for _ in range(repeat):
            for delay in delays:
                for label, tree in trees.items():
                    child = subprocess.run(
                        [
                            sys.executable,
                            __file__,
                            "--child-first-report",
                            str(demo_file),
                            "--delay",
                            str(delay),
                        ],
                        cwd=tree,
                        env={**os.environ, "REPORT_BENCH_TREE": str(tree), "CHART_BROWSER_IDLE_S": "300"},
                        capture_output=True,
                        text=True,
                        timeout=600,
                    )
                    last = child.stdout.strip().splitlines()[-1:] or [""]
                    if child.returncode or not last[0].startswith(RESULT):
                        raise SystemExit(
                            f"{label}, delay {delay}: {child.stdout[-2000:]}{child.stderr[-3000:]}"
                        )
                    runs[label][str(delay)].append(json.loads(last[0][len(RESULT) :]))
    return {
        label: {
            delay: {
                "median": {
                    key: statistics.median(r[key] for r in rows) for key in ("total", "figures", "pdf")
                },
                "runs": rows,
            }
            for delay, rows in by_delay.items()
        }
        for label, by_delay in runs.items()
    }


def print_worker_start(result: dict) -> None:
    trees = result["trees"]
    for label, by_delay in result["worker_first"].items():
        for delay, row in by_delay.items():
            med = row["median"]
            runs = ", ".join(f"{r['total']:.2f}" for r in row["runs"])
            opened = sum(1 for r in row["runs"] if r["warm"])
            print(
                f"{label} ({trees[label]}), first report {delay} s after the worker process started: "
                f"total {med['total']:.2f} s (figures {med['figures']:.2f} s + PDF {med['pdf']:.2f} s); "
                f"runs {runs}; browser open at export in {opened} of {len(row['runs'])}"
            )
    if "compare" in result["worker_first"]:
        for delay, row in result["worker_first"]["this"].items():
            other = result["worker_first"]["compare"][delay]["median"]["total"]
            print(f"  {delay} s: compare / this = {other / row['median']['total']:.2f}x")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="agent_orchestrator", choices=sorted(PRESETS))
    parser.add_argument("--paths", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=20261101)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--out", help="also write the last PDF here")
    parser.add_argument(
        "--tab-reload",
        action="store_true",
        help="also measure warm renders with kaleido reloading its page after each figure",
    )
    parser.add_argument(
        "--worker-start",
        action="store_true",
        help="time the first report of a newly started worker process (issue 17), not the in-process cases",
    )
    parser.add_argument("--delays", default="0,5", help="seconds from the worker's start to its first report")
    parser.add_argument("--compare", type=Path, help="with --worker-start: another tree, runs alternating")
    parser.add_argument("--child-first-report", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--delay", type=float, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child_first_report:
        print(RESULT + json.dumps(worker_first_report(args.child_first_report, args.delay)))
        return 0
    assessment, run = demo(args.preset, args.paths, args.seed)
    if args.worker_start:
        this_tree = Path(__file__).resolve().parents[1]  # ROOT may be another tree (REPORT_BENCH_TREE)
        trees = {"this": this_tree, **({"compare": args.compare.resolve()} if args.compare else {})}
        delays = [float(d) for d in args.delays.split(",")]
        result = {
            "machine": machine(),
            "preset": args.preset,
            "trees": {label: str(tree) for label, tree in trees.items()},
            "worker_first": worker_start_runs(assessment, run, args.repeat, delays, trees),
        }
        if args.json:
            print(json.dumps(result, indent=1))
        else:
            m = result["machine"]
            print(f"{m['date']}  {m['nproc']} x {m['cpu']}  load {m['load_average'][0]:.2f}  {m['chromium']}")
            print_worker_start(result)
        this = result["worker_first"]["this"]
        return 0 if all(row["median"]["total"] <= TARGET_WORKER_FIRST_S for row in this.values()) else 1
    charts = [c.key for c in workload_charts(assessment.result, run.result, sweep=run.sweep)]
    result = {
        "machine": machine(),
        "preset": args.preset,
        "charts": charts,
        "cold": measure(assessment, run, args.repeat, idle_s=0),
        "warm": measure(assessment, run, args.repeat, idle_s=300),
    }
    if args.tab_reload:
        import kaleido

        from advisor.reports.services import figures

        shipped, figures._kaleido_class = figures._kaleido_class, lambda: kaleido.Kaleido
        try:
            result["warm_tab_reload"] = measure(assessment, run, args.repeat, idle_s=300)
        finally:
            figures._kaleido_class = shipped
    if args.out:
        Path(args.out).write_bytes(reports.report_render(assessment=assessment, simulation=run))
    ok = all(result[k]["median"]["total"] <= TARGET_SECONDS for k in ("cold", "warm"))
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        m = result["machine"]
        print(f"{m['date']}  {m['nproc']} x {m['cpu']}  load {m['load_average'][0]:.2f}  {m['chromium']}")
        print(
            f"preset {args.preset}: {len(charts)} charts ({', '.join(charts)}), "
            f"{result['cold']['pages']} pages, {result['cold']['pdf_bytes'] / 1024:.0f} KiB"
        )
        for kind in [k for k in ("cold", "warm", "warm_tab_reload") if k in result]:
            med = result[kind]["median"]
            runs = ", ".join(f"{r['total']:.2f}" for r in result[kind]["runs"])
            print(
                f"{kind}: total {med['total']:.2f} s (figures {med['figures']:.2f} s + PDF {med['pdf']:.2f} s); "
                f"runs {runs}"
            )
        print(f"target <= {TARGET_SECONDS:.0f} s: {'holds' if ok else 'MISSED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
