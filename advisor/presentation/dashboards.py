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

from advisor.advice_record import MonthlyCost, StoredAdvice
from advisor.models import Assessment, SimulationRun
from advisor.presentation import charts
from advisor.presentation.advice import LAYER_ORDER, lever_rows
from advisor.presentation.money import commitment_context, job_context
from placement.placements import LAYER_NAMES, label

CHARTS_VERSION = hashlib.sha256(Path(charts.__file__).read_bytes()).hexdigest()[:12]
CACHE_SECONDS = 7 * 24 * 3600
WHATIF_CHARTS = ("costs", "break_even")


def dashboard_charts(*, assessment: Assessment, run: SimulationRun | None) -> list[charts.ChartData]:
    """The dashboard's charts for an assessment and, when given, a finished simulation of it."""
    key = (
        f"dashboard-charts:{CHARTS_VERSION}:{assessment.pk}:{run.pk if run else 0}:{bool(run and run.sweep)}"
    )
    drawn = cache.get(key)
    if drawn is None:
        built = charts.workload_charts(
            assessment.result, simulation=run.result if run else None, sweep=run.sweep if run else None
        )
        drawn = [chart.drawn() for chart in built]
        cache.set(key, drawn, CACHE_SECONDS)
    return drawn


def assumption_rows(advice: StoredAdvice) -> list[dict[str, str]]:
    """Every assumption behind the recommended split's cost, layer by layer, then the shared ones."""
    rows = []
    for layer in LAYER_ORDER:
        placement = advice.layers[layer].placement
        cost = advice.chosen_price(layer)
        for text in cost.assumptions if cost else ():
            rows.append(
                {"scope": LAYER_NAMES[layer].split(" ")[0], "placement": label(placement), "text": text}
            )
    for text in advice.monthly_cost.common_assumptions if advice.monthly_cost else ():
        rows.append({"scope": "All layers", "placement": "every option", "text": text})
    return rows


def whatif_context(*, saved: StoredAdvice, variant: StoredAdvice) -> dict[str, Any]:
    """The variant's split against the saved one, its total and the charts that move.

    The what-if is offered only for an advice with prices, so both carry a month's cost.
    """
    layers = []
    for layer in LAYER_ORDER:
        now, before = variant.layers[layer], saved.layers[layer]
        layers.append(
            {
                "name": layer,
                "title": LAYER_NAMES[layer],
                "placement": now.placement,
                "label": label(now.placement),
                "changed": now.placement != before.placement,
                "was": label(before.placement),
                "reason": now.reasons[0].to_dict() if now.reasons else {},
            }
        )
    month, saved_month = _month(variant), _month(saved)
    total, saved_total = month.total, saved_month.total
    built = charts.workload_charts(dict(variant.raw), keys=WHATIF_CHARTS)
    commitment = commitment_context(month.commitment)
    return {
        "headline": month.headline,
        # The total under the chosen terms with the on-demand one beside it; None on demand only.
        "commitment": commitment if commitment and commitment["committed"] else None,
        "job": job_context(month.job),
        "job_delta": _job_delta(saved_month, month),
        "levers": lever_rows(variant),
        "layers": layers,
        "changed": any(layer["changed"] for layer in layers),
        "total": total,
        "saved_total": saved_total,
        "delta": None if total is None or saved_total is None else round(total - saved_total, 2),
        "complete": month.complete,
        "warnings": list(variant.warnings),
        "utilization": variant.facts["utilization"],
        "charts": [dataclasses.replace(c.drawn(), key=f"whatif_{c.key}") for c in built],
    }


def _month(advice: StoredAdvice) -> MonthlyCost:
    if advice.monthly_cost is None:
        raise ValueError("The what-if compares priced advice; this one has no monthly cost.")
    return advice.monthly_cost


def _job_delta(saved: MonthlyCost, variant: MonthlyCost) -> dict[str, Any] | None:
    """A one-off job's total against the saved job's: what the what-if compares for a job."""
    now, before = (variant.job or {}), (saved.job or {})
    if now.get("total") is None or before.get("total") is None:
        return None
    delta = round(now["total"] - before["total"], 2)
    return {"sign": "+" if delta >= 0 else "−", "amount": abs(delta), "saved": before["total"]}
