"""What the PDF report says: the template context, from the stored advice only.

Like ``presentation.advice`` and ``money`` it reads the assessment's stored advice, so
an old assessment's report shows what the team was told, with the prices of then.
"""

from __future__ import annotations

import base64
from typing import Any

from django.utils import timezone

from advisor.advice_record import StoredAdvice
from advisor.models import Assessment, SimulationRun
from advisor.presentation.advice import LAYER_ORDER, advice_context, profile_rows
from advisor.presentation.charts import Chart
from advisor.presentation.money import money_context, simulation_context
from advisor.presentation.observability import observability_steps
from advisor.simulations.services import simulation_findings
from placement.placements import LAYER_NAMES, label
from placement.wording import plural


def _svg_uri(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


# Where each chart goes in the document; a chart not named here goes under "More charts".
CHART_SECTIONS = {
    "split": "summary",
    "costs": "costs",
    "break_even": "calculators",
    "payback": "calculators",
    "repatriation": "calculators",
    "traffic": "simulation",
}


def report_context(
    *, assessment: Assessment, simulation: SimulationRun | None, charts: list[Chart], svgs: dict[str, str]
) -> dict[str, Any]:
    stored = assessment.advice
    workload = assessment.workload
    advice = advice_context(stored)
    money = money_context(stored)
    findings = simulation_findings(run=simulation, advice=assessment.result) if simulation else []
    figures: dict[str, list[dict]] = {}
    for chart in charts:
        if chart.key in svgs:
            figures.setdefault(CHART_SECTIONS.get(chart.key, "more"), []).append(
                {
                    "key": chart.key,
                    "title": chart.title,
                    "caption": chart.caption,
                    "uri": _svg_uri(svgs[chart.key]),
                }
            )
    return {
        "workload": workload,
        "team": workload.team,
        "assessment": assessment,
        "generated_at": timezone.now(),
        "ruleset": stored.ruleset,
        "catalog": stored.catalog,
        "about": workload_summary(assessment.profile),
        "glance": _glance(stored, advice),
        "advice": advice,
        "money": money,
        "warnings": _warnings(advice) + _finding_rows(findings),
        "findings": findings,
        "assumptions": _assumptions(stored, money),
        "figures": figures,
        "simulation": simulation,
        "sim": _simulation(simulation, stored),
        "next_steps": observability_steps(stored),
        "profile_pairs": _pairs([r for r in profile_rows(assessment.profile) if r["name"] != "name"]),
        "fact_pairs": _pairs(advice["facts"]),
        "contents": _pairs(_contents(money=money, simulation=simulation, levers=bool(advice["levers"]))),
    }


def _pairs(items: list) -> list[list]:
    """Two to a row, down the first column then the second (as a reader scans a table)."""
    half = (len(items) + 1) // 2
    return [
        [a, b] if b is not None else [a]
        for a, b in zip(items[:half], items[half:] + [None] * (half - len(items[half:])))
    ]


def _contents(
    *, money: dict | None, simulation: SimulationRun | None, levers: bool = False
) -> list[tuple[str, str]]:
    sections = [
        ("summary", "Summary"),
        *([("levers", "Cost levers")] if levers else []),
        ("warnings", "Warnings"),
        ("why", "Why each layer runs where it does"),
    ]
    if money:
        sections.append(("costs", "What it costs"))
    if simulation:
        sections.append(("simulation", "A simulated month"))
    return sections + [
        ("assumptions", "Assumptions"),
        ("next-steps", "Next steps: what to measure"),
        ("appendix", "Appendix: the profile"),
    ]


def _glance(stored: StoredAdvice, advice: dict) -> list[dict[str, Any]]:
    """One row per layer: where it runs, what it costs a month, the first reason."""
    monthly = stored.monthly_cost
    rows = []
    for layer in advice["layers"]:
        first = layer["reasons"][0] if layer["reasons"] else None
        rows.append(
            {
                **layer,
                "cost": monthly.layer_total(layer["name"]) if monthly else None,
                "why": first["title"] if first and first.get("title") else (first or {}).get("text", ""),
            }
        )
    return rows


def _simulation(simulation: SimulationRun | None, stored: StoredAdvice) -> dict[str, Any] | None:
    sim = simulation_context(simulation) if simulation else None
    for layer in (sim or {}).get("layers", []):
        chosen = stored.placement(layer["name"])
        layer["rows"] = [{**row, "chosen": row["placement"] == chosen} for row in layer["rows"]]
    return sim


def _warnings(advice: dict) -> list[dict[str, str]]:
    seen, rows = set(), []
    for layer in advice["layers"]:
        for text in layer["warnings"]:
            if text not in seen:
                seen.add(text)
                rows.append({"layer": layer["title"], "text": text})
    rows += [{"layer": "Whole workload", "text": t} for t in advice["warnings"] if t not in seen]
    if advice.get("pricing"):  # the cover says it in short; here in full, first
        rows.insert(0, {"layer": "Prices", "text": advice["pricing"]["text"]})
    return rows


def _finding_rows(findings: list[dict]) -> list[dict[str, str]]:
    """The simulation's findings as warnings, after the rules' own, each naming its layer."""
    return [
        {"layer": f"Simulation · {LAYER_NAMES.get(f['layer'], f['layer']).split(' ')[0]}", "text": f["text"]}
        for f in findings
    ]


def _assumptions(stored: StoredAdvice, money: dict | None) -> dict[str, Any]:
    per_layer = []
    by_layer = stored.monthly_cost.assumptions if stored.monthly_cost else {}
    for name in LAYER_ORDER:
        items = list(by_layer.get(name) or ())
        if items:
            per_layer.append(
                {"title": LAYER_NAMES[name], "label": label(stored.layers[name].placement), "items": items}
            )
    return {"common": (money or {}).get("common_assumptions", []), "layers": per_layer}


# Keyed by str | None: looked up with profile.get(), None when a profile lacks the field.
PATTERNS: dict[str | None, str] = {
    "steady": "steady",
    "business_hours": "business-hours",
    "diurnal": "day-and-night",
    "spiky": "spiky",
    "batch": "batch",
}
TRIGGERS: dict[str | None, str] = {
    "api": "synchronous API calls",
    "event": "events",
    "queue": "a queue",
    "schedule": "a schedule",
}


def workload_summary(profile: dict[str, Any]) -> str:
    """A manager's one-paragraph description of the workload, from the normalised profile."""
    volume = f"{profile['requests_per_day']:,.0f} requests a day"
    if profile.get("job_total_requests") is not None and profile.get("job_deadline_days"):
        volume = (
            f"A one-off job of {profile['job_total_requests']:,.0f} items in "
            f"{plural(profile['job_deadline_days'], 'day')} ({volume})"
        )
    parts = [
        f"{volume} with "
        f"{PATTERNS.get(profile.get('pattern'), profile.get('pattern'))} traffic "
        f"(peaks {profile.get('peak_to_average', 1):g}x the average), "
        f"triggered by {TRIGGERS.get(profile.get('trigger'), profile.get('trigger'))}."
    ]
    if profile.get("request_duration_s"):
        parts.append(
            f"Each request takes about {profile['request_duration_s']:g} s of orchestration over "
            f"{plural(profile.get('orchestration_steps', 0), 'step')}, "
            f"{profile.get('wait_fraction', 0):.0%} of it waiting on models, APIs or databases."
        )
    inference = profile.get("inference")
    if inference == "hosted_api":
        parts.append(
            f"Inference: a hosted model ({profile.get('hosted_model') or 'unnamed'}), "
            f"{profile.get('input_tokens', 0):,} input and {profile.get('output_tokens', 0):,} "
            "output tokens per request."
        )
    elif inference == "self_hosted":
        parts.append(
            f"Inference: a self-hosted {profile.get('model_params_b', 0):g}B-parameter model at "
            f"{profile.get('quantization_bits')} bits."
        )
    if profile.get("latency_slo_ms"):
        parts.append(f"Latency target: {profile['latency_slo_ms']:,.0f} ms at p95.")
    if profile.get("current_monthly_cost") is not None:
        parts.append(f"Today's bill: ${profile['current_monthly_cost']:,.2f} a month.")
    return " ".join(parts)
