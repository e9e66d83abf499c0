"""What the workload dashboard and the what-if panel show: charts, cached where inputs are immutable.

Building Plotly figures costs about 40 ms each, far more than rendering the page.
An assessment and a finished simulation never change, so their charts are built
once and cached under a key that also carries a hash of ``charts.py``: a deploy
that changes a chart never serves the old drawing.
"""
from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

from django.core.cache import cache

from advisor import charts
from advisor.models import Assessment, SimulationRun
from advisor.money import commitment_context, job_context
from advisor.presentation import LAYER_ORDER, lever_rows
from placement.placements import LAYER_NAMES, label

CHARTS_VERSION = hashlib.sha256(Path(charts.__file__).read_bytes()).hexdigest()[:12]
CACHE_SECONDS = 7 * 24 * 3600
WHATIF_CHARTS = ("costs", "break_even")


def dashboard_charts(*, assessment: Assessment, run: SimulationRun | None) -> list[charts.ChartData]:
    """The dashboard's charts for an assessment and, when given, a finished simulation of it."""
    key = f"dashboard-charts:{CHARTS_VERSION}:{assessment.pk}:{run.pk if run else 0}:{bool(run and run.sweep)}"
    drawn = cache.get(key)
    if drawn is None:
        built = charts.workload_charts(assessment.result, simulation=run.result if run else None,
                                       sweep=run.sweep if run else None)
        drawn = [chart.drawn() for chart in built]
        cache.set(key, drawn, CACHE_SECONDS)
    return drawn


def assumption_rows(advice: dict[str, Any]) -> list[dict[str, str]]:
    """Every assumption behind the recommended split's cost, layer by layer, then the shared ones."""
    rows = []
    for layer in LAYER_ORDER:
        placement = advice["layers"][layer]["placement"]
        cost = (advice.get("costs") or {}).get(layer, {}).get(placement)
        for text in (cost or {}).get("assumptions", []):
            rows.append({"scope": LAYER_NAMES[layer].split(" ")[0], "placement": label(placement),
                         "text": text})
    for text in (advice.get("monthly_cost") or {}).get("common_assumptions", []):
        rows.append({"scope": "All layers", "placement": "every option", "text": text})
    return rows


def whatif_context(*, saved: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any]:
    """The variant's split against the saved one, its total and the charts that move."""
    layers = []
    for layer in LAYER_ORDER:
        now, before = variant["layers"][layer], saved["layers"][layer]
        layers.append({
            "name": layer, "title": LAYER_NAMES[layer], "placement": now["placement"],
            "label": label(now["placement"]), "changed": now["placement"] != before["placement"],
            "was": label(before["placement"]),
            "reason": (now.get("reasons") or [{}])[0],
        })
    total, saved_total = variant["monthly_cost"]["total"], saved["monthly_cost"]["total"]
    built = charts.workload_charts(variant, keys=WHATIF_CHARTS)
    commitment = commitment_context(variant["monthly_cost"].get("commitment"))
    return {
        "headline": variant["monthly_cost"].get("headline"),
        # The total under the chosen terms with the on-demand one beside it; None on demand only.
        "commitment": commitment if commitment and commitment["committed"] else None,
        "job": job_context(variant["monthly_cost"].get("job")),
        "job_delta": _job_delta(saved, variant),
        "levers": lever_rows(variant),
        "layers": layers,
        "changed": any(layer["changed"] for layer in layers),
        "total": total, "saved_total": saved_total,
        "delta": None if total is None or saved_total is None else round(total - saved_total, 2),
        "complete": variant["monthly_cost"].get("complete", True),
        "warnings": variant.get("warnings", []),
        "utilization": variant["facts"]["utilization"],
        "charts": [dataclasses.replace(c.drawn(), key=f"whatif_{c.key}") for c in built],
    }


def _job_delta(saved: dict[str, Any], variant: dict[str, Any]) -> dict[str, Any] | None:
    """A one-off job's total against the saved job's: what the what-if compares for a job."""
    now, before = (variant["monthly_cost"].get("job") or {}), (saved["monthly_cost"].get("job") or {})
    if now.get("total") is None or before.get("total") is None:
        return None
    delta = round(now["total"] - before["total"], 2)
    return {"sign": "+" if delta >= 0 else "−", "amount": abs(delta), "saved": before["total"]}
