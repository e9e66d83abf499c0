"""Shape the stored costs and calculators of an advice for templates and the text report.

Like ``presentation``, it reads the stored JSON only, so an old assessment shows
the prices it was given with.
"""
from __future__ import annotations

from typing import Any

from advisor.presentation import LAYER_ORDER
from placement.placements import LAYER_NAMES, label
from placement.wording import layer_label, layer_phrase

PURCHASE_LABELS = {"savings_1y": "1-year Savings Plan", "savings_3y": "3-year Savings Plan",
                   "spot": "Spot"}
HARDWARE_FIELDS = {  # name -> (label, unit)
    "server_price": ("Server price", "USD"), "gpus_per_server": ("GPUs per server", ""),
    "lifetime_months": ("Lifetime", "months"), "power_kw": ("Power per server", "kW"),
    "power_price_kwh": ("Power price", "USD/kWh"), "pue": ("PUE", ""),
    "colocation_per_server": ("Colocation per server", "USD/month"),
    "ops_hours_per_server": ("Operations per server", "h/month"),
}


def usd(amount: float | None) -> str:
    return "not priced" if amount is None else f"${amount:,.2f}"


def money_context(advice: dict[str, Any]) -> dict[str, Any] | None:
    """Everything the cost section shows, or None when the advice carries no prices."""
    costs, economics = advice.get("costs"), advice.get("economics")
    if not costs or not economics:
        return None
    split = {name: advice["layers"][name]["placement"] for name in LAYER_ORDER}
    return {
        "catalog": advice.get("catalog"),
        "catalog_date": (advice.get("catalog") or "").partition("@")[2],
        "common_assumptions": advice["monthly_cost"].get("common_assumptions", []),
        "layers": [_layer(name, costs[name], split[name]) for name in LAYER_ORDER],
        "summary": _summary(advice, economics),
        "break_even": _break_even(advice, economics["break_even"]),
        "payback": _payback(economics.get("payback")),
        "repatriation": repatriation_context(economics["repatriation"]),
        "tco": economics["tco"],
    }


def _layer(name: str, by_placement: dict[str, dict], chosen: str) -> dict[str, Any]:
    def order(item):
        placement, cost = item
        return (placement != chosen, cost["total"] is None, cost["total"] or 0)
    rows, unpriced = [], []
    for placement, cost in sorted(by_placement.items(), key=order):
        if cost["total"] is None:
            unpriced.append({"label": layer_label(name, placement), "why": " ".join(cost["assumptions"])})
            continue
        rows.append({
            "placement": placement, "label": layer_label(name, placement), "chosen": placement == chosen,
            "total": cost["total"], "total_text": usd(cost["total"]),
            "lines": cost["lines"], "assumptions": cost["assumptions"],
            "options": [{"label": PURCHASE_LABELS.get(k, k), "total": usd(v)}
                        for k, v in cost.get("options", {}).items()],
        })
    return {"name": name, "title": LAYER_NAMES[name], "rows": rows, "unpriced": unpriced}


def _incomplete(monthly: dict) -> str:
    """What a partial total leaves out, for a banner that already says "Incomplete estimate"."""
    headline = monthly.get("headline") or ""
    return headline.removeprefix("INCOMPLETE: ") or "a layer of the split is not priced"


def _summary(advice: dict, economics: dict) -> dict[str, Any]:
    comparison = economics["comparison"]
    recommended, containers, current = (comparison["recommended"], comparison["containers"],
                                        comparison["current"])
    unpriced = [LAYER_NAMES[layer] for layer in advice["monthly_cost"].get("unpriced_layers", [])]
    return {
        "unpriced": unpriced,
        # Said loudly wherever the total is shown: a partial total must never pass for the bill.
        "incomplete": _incomplete(advice["monthly_cost"]) if unpriced else None,
        "recommended": usd(recommended),
        "containers": usd(containers),
        "containers_split": ", ".join(layer_phrase(k, v) for k, v in comparison["containers_split"].items()),
        "current": None if current is None else usd(current),
        "saving_vs_current": saving_text(current, recommended),
        "saving_vs_containers": saving_text(containers, recommended),
        "lines": advice["monthly_cost"]["lines"],
    }


def saving_text(baseline: float | None, recommended: float | None) -> str | None:
    """'saves $40.00 a month (20%)' or 'costs $40.00 a month more (+20%)': never a bare minus."""
    if baseline is None or recommended is None:
        return None
    delta = baseline - recommended
    if delta >= 0:
        return f"saves {usd(delta)} a month" + (f" ({delta / baseline:.0%})" if baseline else "")
    return f"costs {usd(-delta)} a month more" + (f" (+{-delta / baseline:.0%})" if baseline else "")


def _payback(payback: dict | None) -> dict | None:
    if payback is None:
        return None
    saving = payback["monthly_saving"]
    verb = "saves" if saving >= 0 else "costs"
    return {**payback, "saving_text": f"{verb} {usd(abs(saving))} a month"
                                      + ("" if saving >= 0 else " more")}


def _break_even(advice: dict, result: dict) -> dict[str, Any]:
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
        "requests_per_day_now": advice["profile"]["requests_per_day"],
        "utilization_now": advice["facts"]["utilization"],
        "by_wait": [{"wait": w, "requests_per_day": r} for w, r in by_wait],
    }


def repatriation_context(result: dict) -> dict[str, Any]:
    hardware = result["hardware"]
    return {
        **result,
        "horizon": len(result["cumulative_cloud"]),
        "cloud_total": result["cumulative_cloud"][-1] if result["cumulative_cloud"] else 0,
        "owned_total": result["cumulative_owned"][-1] if result["cumulative_owned"] else 0,
        "hardware_rows": [{"name": k, "label": lbl, "unit": unit, "value": hardware[k]}
                          for k, (lbl, unit) in HARDWARE_FIELDS.items()],
    }



SIM_METRICS = (("cold_starts", "Cold starts"), ("throttled_requests", "Throttled"),
               ("utilization", "Utilisation"), ("under_provisioned_minutes", "Minutes short"))


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
            rows.append({"placement": placement, "label": label(placement),
                         "cheapest": result["cheapest"].get(name) == placement,
                         "cost": r["cost"], "deterministic": r["deterministic_cost"],
                         "metrics": [{"label": lbl, "value": (r.get(key) or {}).get("p50"),
                                      "percent": key == "utilization"} for key, lbl in SIM_METRICS]})
        layers.append({"name": name, "title": LAYER_NAMES[name], "rows": rows})
    return {"layers": layers, "requests": result["requests"], "skipped": result.get("skipped", {}),
            "sweep": _sweep(run.sweep, run.profile["requests_per_day"])}


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
        rows = [{"rate": rate, "current": abs(rate - current) <= 1e-6 * max(current, 1),
                 "cheapest": label(cheapest[i]),
                 "cells": [{"p10": curves[p]["p10"][i], "p50": curves[p]["p50"][i], "p90": curves[p]["p90"][i]}
                           for p in shown]}
                for i, rate in enumerate(rates)]
        layers.append({"title": LAYER_NAMES[name], "placements": [label(p) for p in shown], "rows": rows,
                       "flips": [{**b, "below_label": label(b["below"]), "above_label": label(b["above"])}
                                 for b in sweep["break_evens"] if b["layer"] == name]})
    return {"layers": layers, "paths": sweep["paths"]}
