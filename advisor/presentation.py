"""Shape a stored ``Advice.to_dict()`` for templates: ordering, labels, readable numbers.

Works from the stored JSON, not the live engine, so an old assessment renders
exactly as it was given even after the rules or labels change.
"""
from __future__ import annotations

from typing import Any

from placement.placements import LAYER_NAMES, label
from placement.profile import FIELDS_BY_NAME

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
        spec = FIELDS_BY_NAME.get(name)
        if name in fact_labels:
            unit = fact_labels[name][1]
        else:
            unit = spec.unit if spec else ""
        rows.append({"name": name, "value": format_value(value, unit),
                     "unit": "" if unit == "0..1" else unit})
    return rows


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
            "label": layer.get("label") or label(layer["placement"]),
            "reasons": [{**r, "value_rows": _values(r.get("values", {}), fact_labels)}
                        for r in layer.get("reasons", [])],
            "excluded": [{**e, "label": label(e["placement"]),
                          "value_rows": _values(e.get("values", {}), fact_labels)}
                         for e in layer.get("excluded", [])],
            "ranking": layer.get("ranking", []),
            "alternatives": [{"placement": p, "label": label(p)}
                             for p in layer.get("alternatives", [])],
            "warnings": layer.get("warnings", []),
            "trace": [dict(t, value_rows=_values(t.get("values", {}), fact_labels))
                      for t in advice.get("trace", []) if t.get("layer") == name],
        })
    facts = []
    for key, value in advice.get("facts", {}).items():
        name, unit = fact_labels.get(key, [key, ""])
        facts.append({"name": key, "label": name, "value": format_value(value, unit),
                      "unit": "" if unit == "0..1" else unit})
    trace = advice.get("trace", [])
    return {
        "layers": layers,
        "facts": facts,
        "warnings": advice.get("warnings", []),
        "ruleset": advice.get("ruleset"),
        "fired_count": sum(1 for t in trace if t.get("fired")),
        "rule_count": len(trace),
    }


def profile_rows(profile: dict[str, Any]) -> list[dict[str, str]]:
    rows = []
    for name, value in profile.items():
        spec = FIELDS_BY_NAME.get(name)
        unit = spec.unit if spec else ""
        rows.append({"name": name, "label": spec.label if spec else name,
                     "value": format_value(value, unit), "unit": "" if unit == "0..1" else unit})
    return rows
