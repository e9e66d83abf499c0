"""Shape the stored costs and calculators of an advice for templates and the text report.

Like ``presentation.advice``, it reads the stored advice only, so an old assessment
shows the prices it was given with.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, overload

from advisor.advice_record import Comparison, MonthlyCost, PlacementPrice, StoredAdvice
from advisor.presentation.advice import LAYER_ORDER
from placement.economics import TOKEN_LINE_PREFIXES
from placement.placements import LAYER_NAMES, label
from placement.wording import layer_label, layer_phrase

PURCHASE_LABELS = {"savings_1y": "1-year Savings Plan", "savings_3y": "3-year Savings Plan", "spot": "Spot"}
HARDWARE_FIELDS = {  # name -> (label, unit)
    "server_price": ("Server price", "USD"),
    "gpus_per_server": ("GPUs per server", ""),
    "lifetime_months": ("Lifetime", "months"),
    "power_kw": ("Power per server", "kW"),
    "power_price_kwh": ("Power price", "USD/kWh"),
    "pue": ("PUE", ""),
    "colocation_per_server": ("Colocation per server", "USD/month"),
    "ops_hours_per_server": ("Operations per server", "h/month"),
}


def usd(amount: float | None) -> str:
    return "not priced" if amount is None else f"${amount:,.2f}"


def money_context(advice: StoredAdvice) -> dict[str, Any] | None:
    """Everything the cost section shows, or None when the advice carries no prices."""
    costs, economics, monthly = advice.costs, advice.economics, advice.monthly_cost
    if not costs or not economics or monthly is None:
        return None
    split = advice.split
    commitment = commitment_context(monthly.commitment)
    return {
        "catalog": advice.catalog,
        "catalog_date": (advice.catalog or "").partition("@")[2],
        "common_assumptions": list(monthly.common_assumptions),
        "layers": [_layer(name, costs[name], split[name], commitment) for name in LAYER_ORDER],
        "summary": _summary(monthly, economics.comparison),
        "headline": monthly.headline,
        "commitment": commitment,
        "job": job_context(monthly.job),
        # A one-off job has no break-even, payback, repatriation or TCO: each is None and
        # ``not_applicable`` says why in words, shown where the calculator would be.
        "break_even": _break_even(advice, economics.break_even) if economics.break_even else None,
        "payback": _payback(economics.payback),
        "repatriation": repatriation_context(economics.repatriation, tokens_monthly=tokens_monthly(monthly))
        if economics.repatriation
        else None,
        "tco": economics.tco,
        "not_applicable": dict(economics.not_applicable),
    }


def _layer(
    name: str,
    by_placement: Mapping[str, PlacementPrice],
    chosen: str,
    commitment: dict[str, Any] | None = None,
) -> dict[str, Any]:
    def order(item: tuple[str, PlacementPrice]) -> tuple[bool, bool, float]:
        placement, cost = item
        return (placement != chosen, cost.total is None, cost.total or 0)

    rows: list[dict[str, Any]] = []
    unpriced: list[dict[str, str]] = []
    for placement, cost in sorted(by_placement.items(), key=order):
        # The recommendation keeps its row even unpriced: listed with the placements that do not
        # apply, it read as if it did not apply either.
        if cost.total is None and placement != chosen:
            unpriced.append({"label": layer_label(name, placement), "why": " ".join(cost.assumptions)})
            continue
        rows.append(
            {
                "placement": placement,
                "label": layer_label(name, placement),
                "chosen": placement == chosen,
                "total": cost.total,
                "total_text": usd(cost.total),
                "lines": [line.to_dict() for line in cost.lines],
                "assumptions": list(cost.assumptions),
                "options": [
                    {"label": PURCHASE_LABELS.get(k, k), "total": usd(v)} for k, v in cost.options.items()
                ],
            }
        )
    terms = (commitment or {}).get("by_layer", {}).get(name)
    return {
        "name": name,
        "title": LAYER_NAMES[name],
        "rows": rows,
        "unpriced": unpriced,
        "terms": terms,
        # A second column only where a line's committed amount differs from on demand.
        "on_demand_lines": any(
            line.get("on_demand") not in (None, line["amount"])
            for row in rows
            if row["chosen"]
            for line in row["lines"]
        ),
    }


def commitment_context(commitment: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The terms the profile committed to (Savings Plans, Spot), the total under them beside the
    on-demand one, and each layer's plan and discount. None for an assessment made before the
    engine priced commitments."""
    if not commitment:
        return None
    by_layer = {}
    for name in LAYER_ORDER:
        terms = (commitment.get("by_layer") or {}).get(name)
        if not terms or terms.get("placement") == "none":  # nothing runs there, nothing to buy
            continue
        source = terms.get("source") or {}
        discount = terms.get("discount") or 0
        by_layer[name] = {
            **terms,
            "layer": name,
            "title": LAYER_NAMES[name],
            "placement_label": layer_label(name, terms.get("placement") or ""),
            "discount_text": f"{discount:.0%}" if discount else "none",
            "on_demand_text": usd(terms.get("on_demand")),
            "committed_text": usd(terms.get("committed")),
            "source": source if source.get("url") else None,
        }
    term, spot = commitment.get("term", "none"), bool(commitment.get("spot_allowed"))
    saving = commitment.get("saving")
    return {
        **commitment,
        # Anything but on demand only: the headline then names the terms and the on-demand total.
        "committed": term != "none" or spot,
        "total_text": usd(commitment.get("total")),
        "on_demand_text": usd(commitment.get("on_demand_total")),
        "saving_text": None if not saving else f"saves {usd(saving)} a month against on demand",
        "by_layer": by_layer,
        # The per-layer table only when something was bought: on demand only, it would repeat the costs.
        "layers": list(by_layer.values()) if term != "none" or spot else [],
    }


def job_context(job: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A one-off job's total over its deadline, for where a continuing workload shows its month."""
    if not job:
        return None
    days = job.get("deadline_days") or 0
    return {
        **job,
        "total_text": usd(job.get("total")),
        "items_text": f"{job.get('items') or 0:,.0f}",
        "days_text": f"{days:,.0f}" if float(days).is_integer() else f"{days:,.1f}",
        "monthly_equivalent_text": usd(job.get("monthly_equivalent")),
        "headline": job.get("headline") or f"One-off job: {usd(job.get('total'))} in total",
        "notes": job.get("notes") or [],
    }


def _incomplete(monthly: MonthlyCost) -> str:
    """What a partial total leaves out, for a banner that already says "Incomplete estimate"."""
    headline = monthly.headline or ""
    return headline.removeprefix("INCOMPLETE: ") or "a layer of the split is not priced"


def _summary(monthly: MonthlyCost, comparison: Comparison) -> dict[str, Any]:
    recommended, containers, current = comparison.recommended, comparison.containers, comparison.current
    unpriced = [LAYER_NAMES[layer] for layer in monthly.unpriced_layers]
    return {
        "unpriced": unpriced,
        # Said loudly wherever the total is shown: a partial total must never pass for the bill.
        "incomplete": _incomplete(monthly) if unpriced else None,
        "recommended": usd(recommended),
        "containers": usd(containers),
        "containers_split": ", ".join(layer_phrase(k, v) for k, v in comparison.containers_split.items()),
        "current": None if current is None else usd(current),
        "saving_vs_current": saving_text(current, recommended),
        "saving_vs_containers": saving_text(containers, recommended),
        "lines": monthly.line_dicts(),
    }


@overload
def saving_text(baseline: float, recommended: float) -> str: ...
@overload
def saving_text(baseline: float | None, recommended: float | None) -> str | None: ...
def saving_text(baseline: float | None, recommended: float | None) -> str | None:
    """'saves $40.00 a month (20%)' or 'costs $40.00 a month more (+20%)': never a bare minus."""
    if baseline is None or recommended is None:
        return None
    delta = baseline - recommended
    if delta >= 0:
        return f"saves {usd(delta)} a month" + (f" ({delta / baseline:.0%})" if baseline else "")
    return f"costs {usd(-delta)} a month more" + (f" (+{-delta / baseline:.0%})" if baseline else "")


def _payback(payback: Mapping[str, Any] | None) -> dict | None:
    if payback is None:
        return None
    saving = payback["monthly_saving"]
    verb = "saves" if saving >= 0 else "costs"
    return {**payback, "saving_text": f"{verb} {usd(abs(saving))} a month" + ("" if saving >= 0 else " more")}


def _break_even(advice: StoredAdvice, result: Mapping[str, Any]) -> dict[str, Any]:
    # Null when the advice was made without the wait sweep (the evaluate API's default).
    by_wait = result.get("by_wait_fraction") or []
    crossings = {r for _, r in by_wait}
    return {
        # One crossing for every wait: the fleet is at its minimum size there,
        # which waiting cannot shrink.
        "wait_moves_it": len(crossings) > 1,
        **result,
        "serverless_label": label(result["serverless"]),
        "provisioned_label": label(result["provisioned"]),
        "cheaper_below_label": label(result["cheaper_below"]),
        "requests_per_day_now": advice.profile["requests_per_day"],
        "utilization_now": advice.facts["utilization"],
        "by_wait": [{"wait": w, "requests_per_day": r} for w, r in by_wait],
    }


def tokens_monthly(monthly: MonthlyCost | None) -> float | None:
    """The split's model tokens a month: in the headline, not in repatriation's cloud side."""
    if monthly is None:
        return None
    return round(sum(line.amount for line in monthly.lines if line.name.startswith(TOKEN_LINE_PREFIXES)), 2)


def repatriation_context(result: Mapping[str, Any], *, tokens_monthly: float | None = None) -> dict[str, Any]:
    """The calculator for a page. Its cloud side leaves the model tokens out (owned servers would
    buy the same tokens); ``tokens_monthly``, when known, lets the page say how much that is."""
    hardware = result["hardware"]
    return {
        **result,
        "tokens_monthly": tokens_monthly,
        "split_monthly": None
        if tokens_monthly is None
        else round(result["cloud_monthly"] + tokens_monthly, 2),
        "horizon": len(result["cumulative_cloud"]),
        "cloud_total": result["cumulative_cloud"][-1] if result["cumulative_cloud"] else 0,
        "owned_total": result["cumulative_owned"][-1] if result["cumulative_owned"] else 0,
        "hardware_rows": [
            {"name": k, "label": lbl, "unit": unit, "value": hardware[k]}
            for k, (lbl, unit) in HARDWARE_FIELDS.items()
        ],
    }


SIM_METRICS = (
    ("cold_starts", "Cold starts"),
    ("throttled_requests", "Throttled"),
    ("utilization", "Utilisation"),
    ("under_provisioned_minutes", "Minutes short"),
)


def simulation_context(run) -> dict[str, Any] | None:
    """Rows of the simulated cost bands for a finished run, cheapest first in each layer."""
    result = run.result
    if not result:
        return None
    layers = []
    for name in LAYER_ORDER:
        placements = result["placements"].get(name)
        if not placements:
            continue
        rows = []
        for placement, r in sorted(placements.items(), key=lambda kv: kv[1]["cost"]["p50"] or 0):
            rows.append(
                {
                    "placement": placement,
                    "label": label(placement),
                    "cheapest": result["cheapest"].get(name) == placement,
                    "cost": r["cost"],
                    "deterministic": r["deterministic_cost"],
                    "metrics": [
                        {
                            "label": lbl,
                            "value": (r.get(key) or {}).get("p50"),
                            "percent": key == "utilization",
                        }
                        for key, lbl in SIM_METRICS
                    ],
                }
            )
        layers.append({"name": name, "title": LAYER_NAMES[name], "rows": rows})
    return {
        "layers": layers,
        "requests": result["requests"],
        "skipped": result.get("skipped", {}),
        "sweep": _sweep(run.sweep, run.profile["requests_per_day"]),
    }


def _sweep(sweep: dict | None, current: float) -> dict[str, Any] | None:
    """Median cost with its p10-p90 band at each rate, and where the cheapest placement flips."""
    if not sweep:
        return None
    rates = sweep["rates"]
    layers = []
    for name in LAYER_ORDER:
        curves = sweep["costs"].get(name)
        if not curves:
            continue
        cheapest = sweep["cheapest"][name]
        # The placements cheapest somewhere along the sweep, and the runner-up at this
        # workload's own volume: the options a reader actually weighs.
        here = min(range(len(rates)), key=lambda i: abs(rates[i] - current))
        by_cost_here = sorted(curves, key=lambda p: curves[p]["p50"][here])
        shown = sorted(set(cheapest) | set(by_cost_here[:2]), key=list(curves).index)
        rows = [
            {
                "rate": rate,
                "current": abs(rate - current) <= 1e-6 * max(current, 1),
                "cheapest": label(cheapest[i]),
                "cells": [
                    {"p10": curves[p]["p10"][i], "p50": curves[p]["p50"][i], "p90": curves[p]["p90"][i]}
                    for p in shown
                ],
            }
            for i, rate in enumerate(rates)
        ]
        layers.append(
            {
                "title": LAYER_NAMES[name],
                "placements": [label(p) for p in shown],
                "rows": rows,
                "flips": [
                    {**b, "below_label": label(b["below"]), "above_label": label(b["above"])}
                    for b in sweep["break_evens"]
                    if b["layer"] == name
                ],
            }
        )
    return {"layers": layers, "paths": sweep["paths"]}
