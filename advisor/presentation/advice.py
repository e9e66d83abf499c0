"""Shape a stored advice (``advisor.advice_record.StoredAdvice``) for templates: ordering, labels,
readable numbers.

Works from the stored result, not the live engine, so an old assessment renders
exactly as it was given even after the rules or labels change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.advice_record import Layer, StoredAdvice, TraceEntry
from placement.placements import LAYER_NAMES, label
from placement.placements import LAYERS as LAYER_ORDER  # one home: placement.placements
from placement.pricing import fallback_notice
from placement.profile import FIELDS_BY_NAME
from placement.wording import choice_label, layer_label, layer_phrase, name_label, unit_for

# The order the product names the split in: Brain, Memory, Nerves.
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


def _values(values: Mapping[str, Any], fact_labels: Mapping[str, Any]) -> list[dict[str, str]]:
    rows = []
    for name, value in values.items():
        text, unit = name_label(name, fact_labels)
        if name == "placement" or name.endswith("_placement"):
            value = label(value)
        if unit.startswith("USD") and isinstance(value, (int, float)) and not isinstance(value, bool):
            rows.append(
                {
                    "name": name,
                    "label": text,
                    "value": f"${value:,.2f}",
                    "unit": "a month" if unit == "USD/month" else "",
                }
            )
            continue
        rows.append(
            {
                "name": name,
                "label": text,
                "value": format_value(choice_label(name, value), unit),
                "unit": "" if unit == "0..1" else unit_for(value, unit),
            }
        )
    return rows


def _trace_row(t: TraceEntry, fact_labels: Mapping[str, Any]) -> dict[str, Any]:
    """A trace entry with its compared values labelled and its placements named."""
    return dict(
        t.to_dict(),
        value_rows=_values(t.values, fact_labels),
        placement_labels=[layer_label(t.layer, p) for p in t.placements],
    )


def advice_context(advice: StoredAdvice) -> dict[str, Any]:
    layers = [
        _layer_context(layer, advice)
        for name in LAYER_ORDER
        if (layer := advice.layers.get(name)) is not None
    ]
    facts = []
    for key, value in advice.facts.items():
        name, unit = advice.fact_labels.get(key, (key, ""))
        facts.append(
            {
                "name": key,
                "label": name,
                "value": format_value(value, unit),
                "unit": "" if unit == "0..1" else unit_for(value, unit),
            }
        )
    pricing = pricing_notice(advice)
    return {
        "layers": layers,
        "facts": facts,
        # The fallback warning is shown once, prominently, as ``pricing``; not again in the list.
        "warnings": [w for w in advice.warnings if not pricing or w != pricing["text"]],
        "levers": lever_rows(advice),
        "pricing": pricing,
        "ruleset": advice.ruleset,
        "fired_count": advice.fired_count,
        "rule_count": len(advice.trace),
    }


def _layer_context(layer: Layer, advice: StoredAdvice) -> dict[str, Any]:
    name, fact_labels = layer.name, advice.fact_labels
    return {
        "name": name,
        "title": LAYER_NAMES.get(name, name),
        "tagline": LAYER_TAGLINES.get(name, ""),
        "placement": layer.placement,
        "label": (
            layer_label(name, "none") if layer.placement == "none" else layer.label or label(layer.placement)
        ),
        "reasons": [{**r.to_dict(), "value_rows": _values(r.values, fact_labels)} for r in layer.reasons],
        "excluded": [
            {
                **e.to_dict(),
                "label": layer_label(name, e.placement),
                "value_rows": _values(e.reason.values, fact_labels),
            }
            for e in layer.excluded
        ],
        "ranking": [
            {**r.to_dict(), "label": layer_label(name, r.placement)} if r.placement == "none" else r.to_dict()
            for r in layer.ranking
        ],
        "alternatives": [{"placement": p, "label": layer_label(name, p)} for p in layer.alternatives],
        "warnings": list(layer.warnings),
        "alternative_warnings": list(layer.alternative_warnings),
        # Nerves only, and only in assessments made since the front door joined the layer.
        "front_door": layer.front_door.to_dict() if layer.front_door else None,
        "trace": [_trace_row(t, fact_labels) for t in advice.trace if t.layer == name],
        "phrase": layer_phrase(name, layer.placement, layer.label),
    }


def profile_rows(profile: Mapping[str, Any]) -> list[dict[str, str]]:
    rows = []
    for name, value in profile.items():
        spec = FIELDS_BY_NAME.get(name)
        text, unit = field_value(name, value)
        rows.append(
            {
                "name": name,
                "label": spec.label if spec else name_label(name)[0],
                "value": text,
                "unit": unit,
            }
        )
    return rows


def field_value(name: str, value: Any) -> tuple[str, str]:
    """A profile field's value as a reader sees it, and its unit ('' for a share, shown as %)."""
    spec = FIELDS_BY_NAME.get(name)
    unit = spec.unit if spec else ""
    return format_value(choice_label(name, value), unit), "" if unit == "0..1" else unit_for(value, unit)


def lever_rows(advice: StoredAdvice) -> list[dict[str, Any]]:
    """The cost levers that apply to this advice, best saving first, ready to show.

    Empty for an assessment made before the engine named levers.
    """
    job = advice.monthly_cost.job if advice.monthly_cost else None
    return [
        {
            **lever.to_dict(),
            "layer_title": LAYER_NAMES.get(lever.layer, "").split(" ")[0],
            "priced": lever.monthly_saving is not None,
            "saving_text": "not priced"
            if lever.monthly_saving is None
            else _saving_text(lever.monthly_saving, job),
        }
        for lever in advice.levers
    ]


def _saving_text(monthly: float, job: Mapping[str, Any] | None) -> str:
    """'$1,234.56 a month'; for a one-off job, what it saves over the job first, since the job is
    priced as a total (its total over its month while it runs is the job's share of a month)."""
    if not job or not job.get("monthly_equivalent"):
        return f"${monthly:,.2f} a month"
    over_job = monthly * job["total"] / job["monthly_equivalent"]
    return f"${over_job:,.2f} over the job (${monthly:,.2f} a month while it runs)"


def pricing_notice(advice: StoredAdvice) -> dict[str, Any] | None:
    """When the profile's region has no catalog of its own and another region's rates priced it:
    the regions and the warning that says so, for a banner. None otherwise (and for old results)."""
    pricing = advice.pricing
    if pricing is None or not pricing.fallback:
        return None
    # The engine's own notice (placement/pricing.py), the same words it put among the warnings.
    return {
        "region": pricing.region,
        "catalog_region": pricing.catalog_region,
        "text": fallback_notice(pricing.region),
    }
