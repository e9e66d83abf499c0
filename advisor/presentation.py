"""Shape a stored ``Advice.to_dict()`` for templates: ordering, labels, readable numbers.

Works from the stored JSON, not the live engine, so an old assessment renders
exactly as it was given even after the rules or labels change.
"""
from __future__ import annotations

from typing import Any

from placement.placements import LAYER_NAMES, label
from placement.pricing import fallback_notice
from placement.profile import FIELDS_BY_NAME
from placement.wording import choice_label, layer_label, layer_phrase, name_label, unit_for

# The order the product names the split in: Brain, Memory, Nerves.
LAYER_ORDER = ("brain", "memory", "nerves")
LAYER_TAGLINES = {
    "brain": "Inference: dense compute, weights resident, stays warm.",
    "memory": "Context: what the agent already knows, served fast.",
    "nerves": "Orchestration: senses, routes, decides; mostly waits.",
}


def format_value(value: Any, unit: str = "") -> str:
    """3.0 -> '3', 0.0926 with unit 0..1 -> '9.3%', True -> 'yes', None -> '—'."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if unit == "0..1":
            return f"{value * 100:.3g}%" if value else "0%"
        if isinstance(value, int) or float(value).is_integer():
            return f"{int(value):,}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.3g}"
    return str(value)


def _values(values: dict[str, Any], fact_labels: dict[str, list[str]]) -> list[dict[str, str]]:
    rows = []
    for name, value in values.items():
        text, unit = name_label(name, fact_labels)
        if name == "placement" or name.endswith("_placement"):
            value = label(value)
        if unit.startswith("USD") and isinstance(value, (int, float)) and not isinstance(value, bool):
            rows.append({"name": name, "label": text, "value": f"${value:,.2f}",
                         "unit": "a month" if unit == "USD/month" else ""})
            continue
        rows.append({"name": name, "label": text, "value": format_value(choice_label(name, value), unit),
                     "unit": "" if unit == "0..1" else unit_for(value, unit)})
    return rows


def _trace_row(t: dict[str, Any], fact_labels: dict[str, list[str]]) -> dict[str, Any]:
    """A trace entry with its compared values labelled and its placements named."""
    placements = t.get("placements") or ([t["placement"]] if t.get("placement") else [])
    return dict(t, value_rows=_values(t.get("values", {}), fact_labels),
                placement_labels=[layer_label(t.get("layer", ""), p) for p in placements])


def advice_context(advice: dict[str, Any]) -> dict[str, Any]:
    fact_labels = advice.get("fact_labels", {})
    layers = []
    for name in LAYER_ORDER:
        layer = advice["layers"].get(name)
        if layer is None:
            continue
        layers.append({
            "name": name,
            "title": LAYER_NAMES.get(name, name),
            "tagline": LAYER_TAGLINES.get(name, ""),
            "placement": layer["placement"],
            "label": (layer_label(name, "none") if layer["placement"] == "none"
                      else layer.get("label") or label(layer["placement"])),
            "reasons": [{**r, "value_rows": _values(r.get("values", {}), fact_labels)}
                        for r in layer.get("reasons", [])],
            "excluded": [{**e, "label": layer_label(name, e["placement"]),
                          "value_rows": _values(e.get("values", {}), fact_labels)}
                         for e in layer.get("excluded", [])],
            "ranking": [{**r, "label": layer_label(name, r["placement"])} if r.get("placement") == "none" else r
                        for r in layer.get("ranking", [])],
            "alternatives": [{"placement": p, "label": layer_label(name, p)}
                             for p in layer.get("alternatives", [])],
            "warnings": layer.get("warnings", []),
            "alternative_warnings": layer.get("alternative_warnings", []),
            # Nerves only, and only in assessments made since the front door joined the layer.
            "front_door": layer.get("front_door_detail"),
            "trace": [_trace_row(t, fact_labels)
                      for t in advice.get("trace", []) if t.get("layer") == name],
            "phrase": layer_phrase(name, layer["placement"], layer.get("label")),
        })
    facts = []
    for key, value in advice.get("facts", {}).items():
        name, unit = fact_labels.get(key, [key, ""])
        facts.append({"name": key, "label": name, "value": format_value(value, unit),
                      "unit": "" if unit == "0..1" else unit_for(value, unit)})
    trace = advice.get("trace", [])
    pricing = pricing_notice(advice)
    return {
        "layers": layers,
        "facts": facts,
        # The fallback warning is shown once, prominently, as ``pricing``; not again in the list.
        "warnings": [w for w in advice.get("warnings", []) if not pricing or w != pricing["text"]],
        "levers": lever_rows(advice),
        "pricing": pricing,
        "ruleset": advice.get("ruleset"),
        "fired_count": sum(1 for t in trace if t.get("fired")),
        "rule_count": len(trace),
    }


def profile_rows(profile: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for name, value in profile.items():
        spec = FIELDS_BY_NAME.get(name)
        unit = spec.unit if spec else ""
        rows.append({"name": name, "label": spec.label if spec else name_label(name)[0],
                     "value": format_value(choice_label(name, value), unit),
                     "unit": "" if unit == "0..1" else unit_for(value, unit)})
    return rows


def lever_rows(advice: dict[str, Any]) -> list[dict[str, Any]]:
    """The cost levers that apply to this advice, best saving first, ready to show.

    Empty for an assessment made before the engine named levers (no ``levers`` key).
    """
    rows = []
    job = (advice.get("monthly_cost") or {}).get("job")
    for lever in advice.get("levers") or []:
        saving = lever.get("monthly_saving")
        source = lever.get("source") or {}
        rows.append({
            **lever,
            "layer_title": LAYER_NAMES.get(lever.get("layer", ""), "").split(" ")[0],
            "priced": saving is not None,
            "saving_text": "not priced" if saving is None else _saving_text(saving, job),
            "source": source if source.get("url") else None,
        })
    return rows


def _saving_text(monthly: float, job: dict[str, Any] | None) -> str:
    """'$1,234.56 a month'; for a one-off job, what it saves over the job first, since the job is
    priced as a total (its total over its month while it runs is the job's share of a month)."""
    if not job or not job.get("monthly_equivalent"):
        return f"${monthly:,.2f} a month"
    over_job = monthly * job["total"] / job["monthly_equivalent"]
    return f"${over_job:,.2f} over the job (${monthly:,.2f} a month while it runs)"


def pricing_notice(advice: dict[str, Any]) -> dict[str, Any] | None:
    """When the profile's region has no catalog of its own and another region's rates priced it:
    the regions and the warning that says so, for a banner. None otherwise (and for old results)."""
    pricing = advice.get("pricing") or {}
    if not pricing.get("fallback"):
        return None
    region = pricing.get("region")
    # The engine's own notice (placement/pricing.py), the same words it put among the warnings.
    return {"region": region, "catalog_region": pricing.get("catalog_region"), "text": fallback_notice(region)}

