"""Benchmark of the PDF report (issue 5): one report with all its charts, in one process.

    .venv/bin/python benchmarks/report_bench.py [--preset agent_orchestrator] [--repeat 5] [--json]

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

ROOT = Path(__file__).resolve().parents[1]
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
    args = parser.parse_args(argv)

    assessment, run = demo(args.preset, args.paths, args.seed)
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
