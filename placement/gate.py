"""A pull request's gate: today's advice for a profile against a result saved earlier.

``manage.py advise PROFILE --baseline OLD_RESULT.json`` compares the advice it computes
with one ``advise --format json`` printed before (kept in the repository beside the
profile), and renders what changed as Markdown for a pull-request comment: the placement
of each layer, its monthly cost, the warnings that appeared or went away, and the profile
fields that moved. ``--fail-on`` turns some of those changes into a failed job.

Both sides are advise's JSON (the contract in DESIGN.md), so a baseline written by an older
version of the tool still compares; one that is not such a result is refused by name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from placement.placements import LAYER_NAMES, LAYERS
from placement.wording import layer_label

FAIL_ON_HELP = (
    "placement-change (a layer moves), cost-increase=N% or cost-increase=N (US dollars a "
    "month, more than the baseline), new-warning (a warning the baseline did not have)"
)
_COST_INCREASE = re.compile(r"^cost-increase=(?P<amount>\d+(?:\.\d+)?)(?P<percent>%?)$")
_KEYS = ("profile", "layers", "monthly_cost")


class BaselineError(ValueError):
    """The baseline is not a result of ``advise --format json``, or a --fail-on is malformed."""


@dataclass(frozen=True)
class Threshold:
    """One ``--fail-on`` condition, as given on the command line."""

    spec: str
    kind: str  # placement-change | cost-increase | new-warning
    amount: float = 0.0  # cost-increase only: a percentage or US dollars a month
    percent: bool = False


@dataclass(frozen=True)
class LayerChange:
    layer: str
    before: str
    after: str
    cost_before: float | None  # None: the layer was not priced
    cost_after: float | None

    @property
    def moved(self) -> bool:
        return self.before != self.after

    @property
    def delta(self) -> float | None:
        return _delta(self.cost_before, self.cost_after)


@dataclass(frozen=True)
class Comparison:
    name: str
    layers: tuple[LayerChange, ...]
    total_before: float | None  # None: incomplete (a layer not priced) or no catalog
    total_after: float | None
    new_warnings: tuple[tuple[str, str], ...]  # (layer, text)
    gone_warnings: tuple[tuple[str, str], ...]
    profile_changes: tuple[tuple[str, Any, Any], ...]  # (field, before, after)
    versions_before: tuple[str | None, str | None]  # ruleset, catalog
    versions_after: tuple[str | None, str | None]

    @property
    def moved(self) -> tuple[LayerChange, ...]:
        return tuple(change for change in self.layers if change.moved)

    @property
    def total_delta(self) -> float | None:
        return _delta(self.total_before, self.total_after)

    def failures(self, thresholds: Iterable[Threshold]) -> list[str]:
        """Why the gate fails, one sentence per condition that holds (empty: it passes)."""
        return [why for threshold in thresholds if (why := self._failure(threshold))]

    def _failure(self, threshold: Threshold) -> str:
        if threshold.kind == "placement-change":
            moved = ", ".join(
                f"{LAYER_NAMES[c.layer]}: {layer_label(c.layer, c.before)} -> {layer_label(c.layer, c.after)}"
                for c in self.moved
            )
            return f"{threshold.spec}: {moved}" if moved else ""
        if threshold.kind == "new-warning":
            count = len(self.new_warnings)
            return f"{threshold.spec}: {count} new warning{'s' if count != 1 else ''}" if count else ""
        return self._cost_failure(threshold)

    def _cost_failure(self, threshold: Threshold) -> str:
        before, after = self.total_before, self.total_after
        if after is None:
            # An incomplete total cannot show the cost stayed within bounds: the gate says so.
            return f"{threshold.spec}: the new monthly cost is incomplete, so no increase can be ruled out"
        if before is None:
            return ""  # nothing complete to compare against: the summary says the baseline was incomplete
        increase = after - before
        if threshold.percent:
            if before == 0:
                return f"{threshold.spec}: up from $0 to {_usd(after)}" if increase > 0 else ""
            share = increase / before * 100
            return (
                f"{threshold.spec}: up {_usd(increase)} ({share:+.1f}%)" if share > threshold.amount else ""
            )
        return f"{threshold.spec}: up {_usd(increase)} a month" if increase > threshold.amount else ""


def parse_thresholds(specs: Iterable[str]) -> tuple[Threshold, ...]:
    """``--fail-on`` values; several may be given, and one value may list several, comma-separated."""
    thresholds = []
    for spec in (part.strip() for given in specs for part in given.split(",")):
        if spec in ("placement-change", "new-warning"):
            thresholds.append(Threshold(spec, spec))
            continue
        match = _COST_INCREASE.match(spec)
        if not match:
            raise BaselineError(f"--fail-on {spec!r}: expected {FAIL_ON_HELP}")
        thresholds.append(
            Threshold(spec, "cost-increase", float(match["amount"]), percent=bool(match["percent"]))
        )
    return tuple(thresholds)


def check_result(result: Any, where: str) -> Mapping[str, Any]:
    """A saved advise result, or BaselineError naming what is missing."""
    if not isinstance(result, Mapping):
        raise BaselineError(f"{where}: expected the JSON object `advise --format json` prints")
    missing = [key for key in _KEYS if key not in result]
    if missing:
        raise BaselineError(
            f"{where}: not a result of `advise --format json` (no {', '.join(missing)}); "
            "save one with `manage.py advise PROFILE --format json > OLD_RESULT.json`"
        )
    layers = result["layers"]
    if not isinstance(layers, Mapping) or any(
        not isinstance(layers.get(layer), Mapping) or "placement" not in layers[layer] for layer in LAYERS
    ):
        raise BaselineError(f"{where}: layers must name the placement of {', '.join(LAYERS)}")
    return result


def compare(baseline: Mapping[str, Any], current: Mapping[str, Any]) -> Comparison:
    """What moved between two advise results of the same workload."""
    return Comparison(
        name=str(current["profile"].get("name", "")),
        layers=tuple(
            LayerChange(
                layer,
                baseline["layers"][layer]["placement"],
                current["layers"][layer]["placement"],
                _layer_cost(baseline, layer),
                _layer_cost(current, layer),
            )
            for layer in LAYERS
        ),
        total_before=_total(baseline),
        total_after=_total(current),
        new_warnings=_only_in(_warnings(current), _warnings(baseline)),
        gone_warnings=_only_in(_warnings(baseline), _warnings(current)),
        profile_changes=_profile_changes(baseline["profile"], current["profile"]),
        versions_before=(baseline.get("ruleset"), baseline.get("catalog")),
        versions_after=(current.get("ruleset"), current.get("catalog")),
    )


def _layer_cost(result: Mapping[str, Any], layer: str) -> float | None:
    """The chosen placement's monthly total, as the cost table shows it."""
    placement = result["layers"][layer]["placement"]
    cost = ((result.get("costs") or {}).get(layer) or {}).get(placement) or {}
    total = cost.get("total")
    return None if total is None else float(total)


def _total(result: Mapping[str, Any]) -> float | None:
    money = result.get("monthly_cost") or {}
    if money.get("total") is None or money.get("complete") is False:
        return None
    return float(money["total"])


def _warnings(result: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """(layer, text) of every warning, in the order advise lists them (a layer's warnings
    include its front door's)."""
    return tuple(
        (layer, str(text)) for layer in LAYERS for text in result["layers"][layer].get("warnings", ())
    )


def _only_in(
    first: tuple[tuple[str, str], ...], second: tuple[tuple[str, str], ...]
) -> tuple[tuple[str, str], ...]:
    seen = set(second)
    return tuple(dict.fromkeys(pair for pair in first if pair not in seen))


def _profile_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[tuple[str, Any, Any], ...]:
    names = [*before, *(name for name in after if name not in before)]
    return tuple(
        (name, before.get(name), after.get(name)) for name in names if before.get(name) != after.get(name)
    )


def _delta(before: float | None, after: float | None) -> float | None:
    return None if before is None or after is None else round(after - before, 2)


def _usd(amount: float) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


# -- Markdown ---------------------------------------------------------------------------


def markdown(comparison: Comparison, failures: list[str], thresholds: tuple[Threshold, ...]) -> str:
    """The comparison as a pull-request comment: a verdict, the layers table, the warnings
    that appeared or went away, the profile fields that moved, and the versions compared."""
    out = [
        f"### Placement Advisor: {_cell(comparison.name)}",
        "",
        _verdict(comparison, failures, thresholds),
        "",
    ]
    out += _layer_table(comparison)
    out += _warning_section("New warnings", comparison.new_warnings)
    out += _warning_section("Warnings no longer raised", comparison.gone_warnings)
    out += _profile_section(comparison.profile_changes)
    out.append(_versions(comparison))
    return "\n".join(out) + "\n"


def _verdict(comparison: Comparison, failures: list[str], thresholds: tuple[Threshold, ...]) -> str:
    moved = len(comparison.moved)
    summary = (
        f"{moved} placement{'s' if moved != 1 else ''} changed" if moved else "No placement changed"
    ) + f"; monthly cost {_money_change(comparison.total_before, comparison.total_after)}."
    if failures:
        return f"**Gate failed.** {summary}\n\n" + "\n".join(f"- {_cell(why)}" for why in failures)
    if thresholds:
        return f"**Gate passed** ({', '.join(t.spec for t in thresholds)}). {summary}"
    return summary


def _money_change(before: float | None, after: float | None) -> str:
    if after is None:
        return "**incomplete** (a layer is not priced)" + (
            f", was {_usd(before)}" if before is not None else ""
        )
    if before is None:
        return f"{_usd(after)} (the baseline's was incomplete)"
    delta = after - before
    if abs(delta) < 0.005:
        return f"{_usd(after)}, unchanged"
    share = f", {delta / before * 100:+.1f}%" if before else ""
    return f"{_usd(before)} -> {_usd(after)} ({'+' if delta > 0 else ''}{_usd(delta)}{share})"


def _layer_table(comparison: Comparison) -> list[str]:
    rows = [
        "| Layer | Baseline | Now | Monthly cost, baseline | Now | Change |",
        "|---|---|---|---:|---:|---:|",
    ]
    for change in comparison.layers:
        after = layer_label(change.layer, change.after)
        rows.append(
            f"| {LAYER_NAMES[change.layer]} | {layer_label(change.layer, change.before)} | "
            + (f"**{after}**" if change.moved else after)
            + f" | {_cost_cell(change.cost_before)} | {_cost_cell(change.cost_after)} | {_delta_cell(change.delta)} |"
        )
    rows.append(
        f"| **Total** | | | {_cost_cell(comparison.total_before)} | {_cost_cell(comparison.total_after)} | "
        f"{_delta_cell(comparison.total_delta)} |"
    )
    return [*rows, ""]


def _cost_cell(amount: float | None) -> str:
    return "not priced" if amount is None else _usd(amount)


def _delta_cell(delta: float | None) -> str:
    if delta is None:
        return "n/a"
    return "0" if abs(delta) < 0.005 else f"{'+' if delta > 0 else ''}{_usd(delta)}"


def _warning_section(title: str, warnings: tuple[tuple[str, str], ...]) -> list[str]:
    if not warnings:
        return []
    return [
        f"#### {title}",
        "",
        *(f"- **{LAYER_NAMES[layer]}**: {_cell(text)}" for layer, text in warnings),
        "",
    ]


def _profile_section(changes: tuple[tuple[str, Any, Any], ...]) -> list[str]:
    if not changes:
        return ["The profile is unchanged.", ""]
    rows = ["#### Profile fields changed", "", "| Field | Baseline | Now |", "|---|---:|---:|"]
    rows += [f"| `{name}` | {_value(before)} | {_value(after)} |" for name, before, after in changes]
    return [*rows, ""]


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:,.6g}" if abs(value) < 1e6 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return _cell(str(value))


def _cell(text: str) -> str:
    """Text that cannot break a Markdown table row or start markup of its own."""
    return text.replace("|", "\\|").replace("\n", " ")


def _versions(comparison: Comparison) -> str:
    (rules_before, catalog_before), (rules_after, catalog_after) = (
        comparison.versions_before,
        comparison.versions_after,
    )
    return (
        f"<sub>Rule set {rules_after or 'unknown'}, price catalog {catalog_after or 'none'}; "
        f"baseline: rule set {rules_before or 'unknown'}, price catalog {catalog_before or 'none'}.</sub>"
    )


def summary_markdown(result: Mapping[str, Any]) -> str:
    """One advise result as a pull-request comment, when there is no baseline to compare with."""
    money = result.get("monthly_cost") or {}
    total = _total(result)
    headline = (
        f"Monthly cost {_usd(total)}."
        if total is not None
        else "Monthly cost **incomplete**: "
        + ", ".join(money.get("unpriced_layers") or ["no price catalog"])
        + "."
    )
    rows = ["| Layer | Placement | Monthly cost |", "|---|---|---:|"]
    rows += [
        f"| {LAYER_NAMES[layer]} | {layer_label(layer, result['layers'][layer]['placement'])} | "
        f"{_cost_cell(_layer_cost(result, layer))} |"
        for layer in LAYERS
    ]
    name = _cell(str(result["profile"].get("name", "")))
    out = [f"### Placement Advisor: {name}", "", headline, "", *rows, ""]
    out += _warning_section("Warnings", _warnings(result))
    return "\n".join(out) + "\n"


def comparison_dict(comparison: Comparison, failures: list[str]) -> dict[str, Any]:
    """The comparison as JSON, beside the advice (``advise --format json --baseline``)."""
    return {
        "passed": not failures,
        "failures": failures,
        "layers": [
            {
                "layer": c.layer,
                "baseline": c.before,
                "now": c.after,
                "changed": c.moved,
                "cost_baseline": c.cost_before,
                "cost_now": c.cost_after,
                "cost_change": c.delta,
            }
            for c in comparison.layers
        ],
        "total": {
            "baseline": comparison.total_before,
            "now": comparison.total_after,
            "change": comparison.total_delta,
        },
        "new_warnings": [{"layer": layer, "text": text} for layer, text in comparison.new_warnings],
        "warnings_gone": [{"layer": layer, "text": text} for layer, text in comparison.gone_warnings],
        "profile_changes": [
            {"field": name, "baseline": before, "now": after}
            for name, before, after in comparison.profile_changes
        ],
    }
