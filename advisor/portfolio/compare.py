"""Two workloads, or two versions of one, side by side.

A side is ``<workload_id>`` (the current profile) or ``<workload_id>:v<version>``.
Its advice is the stored assessment of that very version when there is one;
otherwise the profile is evaluated now, and the page says with which rule set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.http import Http404

from advisor.accounts import selectors as account_selectors
from advisor.advice_record import StoredAdvice
from advisor.models import Assessment, ProfileVersion, Workload
from advisor.presentation.advice import LAYER_ORDER, format_value
from advisor.presentation.money import usd
from advisor.workloads import services
from placement.placements import LAYER_NAMES
from placement.profile import FIELDS
from placement.wording import choice_label, layer_label

_SIDE = re.compile(r"^\s*(\d{1,18})(?::v(\d{1,9}))?\s*$")
KEY_FACTS = (
    "requests_per_month",
    "peak_rps",
    "average_concurrency",
    "peak_concurrency",
    "fleet_size_for_peak",
    "utilization",
    "cpu_utilization",
    "wait_seconds_per_request",
    "monthly_gb_seconds",
    "monthly_input_tokens",
    "monthly_output_tokens",
    "model_memory_gb",
    "context_gb",
)


class SideError(ValueError):
    """A compare parameter that is not ``<id>`` or ``<id>:v<n>``; names the parameter."""

    def __init__(self, param: str, value: str):
        self.param, self.value = param, value
        super().__init__(
            f"Parameter “{param}”: “{value[:60]}” is not a workload id "
            f"or <workload id>:v<version>, e.g. 12 or 12:v3."
        )


class SideNotFound(LookupError):
    """A well-formed compare parameter naming no workload or version of the user's teams.

    Said on the compare page, as a malformed one is: an Http404 would show Django's
    debug page (every URL pattern) under DEBUG, and a bare 404 page otherwise.
    """

    def __init__(self, param: str, reason: str):
        self.param = param
        super().__init__(f"Parameter “{param}”: {reason}. Choose a workload below.")


@dataclass(frozen=True)
class Side:
    workload: Workload
    version: int
    advice: StoredAdvice
    assessment: Assessment | None  # None: evaluated now

    @property
    def current(self) -> bool:
        return self.version == self.workload.version

    @property
    def key(self) -> str:
        """The value this side has in the form's select."""
        return str(self.workload.pk) if self.current else f"{self.workload.pk}:v{self.version}"


def side_parse(*, param: str, value: str) -> tuple[int, int | None]:
    match = _SIDE.match(value or "")
    if not match:
        raise SideError(param, value or "")
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def side_get(*, user: User, param: str, value: str) -> Side:
    """The side a parameter names; SideError when malformed, SideNotFound when not the user's.

    Raises ProfileError when an old version no longer validates under today's rules.
    """
    workload_id, version = side_parse(param=param, value=value)
    try:
        workload = account_selectors.workload_get_for_user(user=user, workload_id=workload_id)
    except Http404:
        # Another team's workload reads exactly like one that does not exist.
        raise SideNotFound(param, f"your teams have no workload {workload_id}") from None
    version = workload.version if version is None else version
    if version == workload.version:
        profile = workload.profile
    else:
        stored = workload.versions.filter(version=version).first()
        if stored is None:
            raise SideNotFound(
                param, f"“{workload.name}” has no version {version} (its current one is v{workload.version})"
            )
        profile = stored.profile
    assessment = (
        workload.assessments.filter(profile_version=version)
        .with_number()
        .order_by("-created_at", "-id")
        .first()
    )
    advice = (
        assessment.advice
        if assessment
        else StoredAdvice.from_engine(services.profile_evaluate(profile_data=profile))
    )
    return Side(workload=workload, version=version, advice=advice, assessment=assessment)


def sides_same_notice(*, a: Side, b: Side) -> str | None:
    """What to say instead of a comparison when A and B are one version of one workload."""
    if (a.workload.pk, a.version) != (b.workload.pk, b.version):
        return None
    return (
        f"A and B are the same: “{a.workload.name}” v{a.version}"
        f"{' (current)' if a.current else ''}. Nothing differs; choose another workload "
        f"or another version of it for one side."
    )


def compare_choices(*, user: User) -> list[dict[str, Any]]:
    """Every workload and version the user can see, grouped by workload, for the two selects."""
    versions = (
        ProfileVersion.objects.filter(workload__team__memberships__user=user)
        .values(
            "workload_id",
            "workload__name",
            "workload__team__name",
            "workload__version",
            "version",
            "created_at",
        )
        .order_by("workload__team__name", "workload__name", "workload_id", "-version")
    )
    groups: dict[int, dict[str, Any]] = {}
    for v in versions:
        group = groups.setdefault(
            v["workload_id"], {"label": f"{v['workload__name']} · {v['workload__team__name']}", "options": []}
        )
        current = v["version"] == v["workload__version"]
        group["options"].append(
            {
                "value": str(v["workload_id"]) if current else f"{v['workload_id']}:v{v['version']}",
                "text": (
                    f"{v['workload__name']}, current (v{v['version']})"
                    if current
                    else f"{v['workload__name']}, v{v['version']} of {v['created_at']:%d %b %Y}"
                ),
            }
        )
    return list(groups.values())


# --- the page ------------------------------------------------------------------


def compare_context(*, a: Side, b: Side) -> dict[str, Any]:
    profile_rows = _profile_rows(a.advice.profile, b.advice.profile)
    return {
        "sides": [_side_text(a, "A"), _side_text(b, "B")],
        "profile_rows": profile_rows,
        "profile_differing": [r for r in profile_rows if r["differs"]],
        "profile_same": [r for r in profile_rows if not r["differs"]],
        "placement_rows": [
            _pair(LAYER_NAMES[layer], _placement(a.advice, layer), _placement(b.advice, layer))
            for layer in LAYER_ORDER
        ],
        "cost_rows": _cost_rows(a.advice, b.advice),
        "fact_rows": _fact_rows(a.advice, b.advice),
    }


def _side_text(side: Side, letter: str) -> dict[str, Any]:
    version = f"v{side.version}" + (" (current)" if side.current else "")
    if side.assessment:
        source = (
            f"assessment {side.assessment.number}, {side.assessment.created_at:%d %b %Y, %H:%M}, "
            f"with rule set {side.assessment.ruleset_version}"
        )
    else:
        source = f"evaluated now with rule set {side.advice.ruleset}"
    return {
        "letter": letter,
        "side": side,
        "title": f"{side.workload.name} {version}",
        "team": side.workload.team.name,
        "source": source,
        "catalog": side.advice.catalog,
    }


def _pair(name: str, a: str, b: str, **extra: Any) -> dict[str, Any]:
    return {"name": name, "a": a, "b": b, "differs": a != b, **extra}


def _placement(advice: StoredAdvice, layer: str) -> str:
    return layer_label(layer, advice.placement(layer))


def _profile_rows(a: Mapping[str, Any], b: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for spec in FIELDS:
        if spec.name not in a and spec.name not in b:
            continue
        unit = "" if spec.unit == "0..1" else spec.unit
        row = _pair(
            spec.label,
            format_value(choice_label(spec.name, a.get(spec.name)), spec.unit),
            format_value(choice_label(spec.name, b.get(spec.name)), spec.unit),
            field=spec.name,
            unit=unit,
        )
        row["differs"] = a.get(spec.name) != b.get(spec.name)
        rows.append(row)
    return rows


def _layer_costs(advice: StoredAdvice) -> tuple[dict[str, float | None], float | None, list[str]]:
    """Per-layer and total monthly USD of the split; None where a layer went unpriced."""
    monthly = advice.monthly_cost
    if monthly is None:
        return {layer: None for layer in LAYER_ORDER}, None, list(LAYER_ORDER)
    return (
        {layer: monthly.layer_total(layer) for layer in LAYER_ORDER},
        monthly.total,
        list(monthly.unpriced_layers),
    )


def _cost_rows(a: StoredAdvice, b: StoredAdvice) -> list[dict[str, Any]]:
    (a_layers, a_total, a_unpriced), (b_layers, b_total, b_unpriced) = _layer_costs(a), _layer_costs(b)
    rows = [_cost_pair(LAYER_NAMES[layer], a_layers[layer], b_layers[layer]) for layer in LAYER_ORDER]
    total = _cost_pair("Total a month", a_total, b_total)
    for side, unpriced in (("a", a_unpriced), ("b", b_unpriced)):
        if unpriced and total[side] != "not priced":
            layers = f"{len(unpriced)} layer{'s' if len(unpriced) > 1 else ''}"
            total[side] = f"from {total[side]}, {layers} not priced"
    if a_unpriced or b_unpriced:
        total["delta"] = "—"
    rows.append({**total, "total": True})
    return rows


def _cost_pair(name: str, a: float | None, b: float | None) -> dict[str, Any]:
    if a is None or b is None:
        delta = "—"
    elif round(b - a, 2) == 0:
        delta = "the same"
    else:
        delta = f"B costs {usd(abs(b - a))} {'more' if b > a else 'less'}"
    return _pair(name, usd(a), usd(b), delta=delta)


def _fact_rows(a: StoredAdvice, b: StoredAdvice) -> list[dict[str, Any]]:
    labels = {**b.fact_labels, **a.fact_labels}
    rows = []
    for key in KEY_FACTS:
        if key not in a.facts and key not in b.facts:
            continue
        name, unit = labels.get(key, (key, ""))
        rows.append(
            _pair(
                name,
                format_value(a.facts.get(key), unit),
                format_value(b.facts.get(key), unit),
                unit="" if unit == "0..1" else unit,
            )
        )
    return rows
