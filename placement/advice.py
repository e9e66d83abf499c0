"""The engine's entry point: ``advise(profile)`` from profile to recommendation.

profile -> derived facts -> every candidate priced -> the decision matrix's
trace -> per layer, the choice (``placement.decision``) -> the money view.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from placement import commitments, sizing
from placement.calculators import cost_facts
from placement.costs import PlacementCost, placement_costs
from placement.decision import choose
from placement.economics import Economics, economics
from placement.facts import FACT_LABELS, Facts, derive_facts
from placement.front_door import LIMITS, Door, door_for
from placement.levers import Lever, bedrock_levers, best_first
from placement.placements import DECISION_ORDER as LAYERS
from placement.placements import label
from placement.pricing import Catalog, catalog_for_pricing, fallback_notice
from placement.profile import WorkloadProfile
from placement.rules import Firing, Matrix, _plain, evaluate, limit_source, load_matrix


@dataclass(frozen=True)
class LayerAdvice:
    layer: str
    placement: str
    ranking: tuple[tuple[str, float], ...]  # not excluded, best first
    reasons: tuple[Firing, ...]
    excluded: tuple[tuple[str, Firing], ...]
    warnings: tuple[str, ...]
    alternative_warnings: tuple[str, ...] = ()  # about placements not chosen, marked so
    front_door: Door | None = None  # Nerves only: how requests reach the orchestration

    @property
    def alternatives(self) -> list[str]:
        return [p for p, _ in self.ranking if p != self.placement]

    def to_dict(self) -> dict[str, Any]:
        return {
            "placement": self.placement,
            "label": label(self.placement),
            "alternatives": self.alternatives,
            "ranking": [{"placement": p, "label": label(p), "score": round(s, 3)} for p, s in self.ranking],
            "reasons": [f.as_reason() for f in self.reasons],
            "excluded": [{"placement": p, **f.as_reason()} for p, f in self.excluded],
            "warnings": list(self.warnings),
            "alternative_warnings": list(self.alternative_warnings),
            **(
                {}
                if self.front_door is None
                else {"front_door": self.front_door.id, "front_door_detail": self.front_door.to_dict()}
            ),
        }


@dataclass(frozen=True)
class Advice:
    profile: WorkloadProfile
    facts: Facts
    layers: dict[str, LayerAdvice]
    trace: tuple[Firing, ...]
    ruleset: str
    catalog: str | None = None
    costs: dict[str, dict[str, PlacementCost]] | None = None
    economics: Economics | None = None
    notices: tuple[str, ...] = ()
    # Which region's catalog priced it: {"region", "catalog_region", "fallback"} (CONTRACT.md item 3).
    pricing: dict[str, Any] | None = None
    # AWS cost levers that apply to this advice, best saving first (CONTRACT.md item 1).
    levers: tuple[Lever, ...] = ()

    @property
    def warnings(self) -> list[str]:
        return [w for layer in self.layers.values() for w in layer.warnings] + list(self.notices)

    def to_dict(self) -> dict[str, Any]:
        money = self.economics.to_dict() if self.economics else {}
        return {
            "profile": self.profile.to_dict(),
            "facts": {k: _plain(v) for k, v in self.facts.to_dict().items()},
            "fact_labels": {k: list(v) for k, v in FACT_LABELS.items()},
            "layers": {name: layer.to_dict() for name, layer in self.layers.items()},
            "warnings": self.warnings,
            "trace": [f.to_dict() for f in self.trace],
            "monthly_cost": money.pop("monthly_cost", None),
            "costs": None
            if self.costs is None
            else {
                layer: {p: c.to_dict() for p, c in by_placement.items()}
                for layer, by_placement in self.costs.items()
            },
            "economics": money or None,
            "ruleset": self.ruleset,
            "catalog": self.catalog,
            "levers": [lever.to_dict() for lever in best_first(self.levers)],
            "pricing": self.pricing or _pricing(self.profile.region, None, False),
        }


_REGION_CATALOG = object()


def advise(
    profile: WorkloadProfile,
    matrix: Matrix | None = None,
    catalog: Catalog | None | object = _REGION_CATALOG,
    wait_sweep: bool = True,
) -> Advice:
    """Evaluate every rule of the matrix against a profile and choose per layer.

    Costs come from the newest catalog of the profile's region unless a catalog
    (or None, for rules alone) is given. ``wait_sweep=False`` leaves out the
    break-even at other wait fractions (null in the result), which is four
    fifths of the work for a new profile: for callers that do not show it.
    """
    matrix = matrix or load_matrix()
    facts = derive_facts(profile)
    notices: tuple[str, ...] = ()
    fallback = False
    if catalog is _REGION_CATALOG:
        catalog, fallback = catalog_for_pricing(profile.region)
        if fallback:
            notices = (fallback_notice(profile.region),)
        elif catalog is None:
            notices = (
                f"No price catalog for {profile.region}: costs are not shown and the "
                f"15% rule of thumb stands in for the computed break-even.",
            )
    catalog = cast("Catalog | None", catalog)  # the stand-in for "the region's" is replaced above
    pricing = _pricing(profile.region, catalog, fallback)
    costs = placement_costs(profile, facts, catalog, matrix.candidates) if catalog else None
    context = {
        **matrix.constants,
        **profile.to_dict(),
        **facts.to_dict(),
        **cost_facts(
            profile,
            facts.utilization,
            catalog,
            _total(costs, "nerves", "lambda"),
            _total(costs, "nerves", "fargate"),
        ),
        **_advice_values(profile, facts, catalog, costs),
    }
    trace = evaluate(matrix, context)
    version = catalog.version if catalog else None
    doors = {p: door_for(p, profile, facts) for p in matrix.candidates["nerves"]}
    terms = commitments.terms_label(profile) if commitments.committed(profile) else ""
    layers = {
        layer: _layer(layer, matrix, trace, costs, version, doors if layer == "nerves" else None, terms)
        for layer in LAYERS
    }
    money: Economics | None = None
    levers: tuple[Lever, ...] = ()
    if catalog is not None and costs is not None:  # costs are priced whenever there is a catalog
        split = {name: layer.placement for name, layer in layers.items()}
        money = economics(profile, facts, catalog, split, costs, wait_sweep=wait_sweep)
        levers = bedrock_levers(profile, facts, catalog, split, costs) + money.commitment_levers()
    return Advice(
        profile=profile,
        facts=facts,
        layers=layers,
        trace=trace,
        ruleset=matrix.version,
        catalog=version,
        costs=costs,
        economics=money,
        notices=notices,
        pricing=pricing,
        levers=levers,
    )


def _pricing(region: str, catalog: Catalog | None, fallback: bool) -> dict[str, Any]:
    """Which region's rates priced the advice; a fallback is the default region's, for a region without its own."""
    return {
        "region": region,
        "catalog_region": catalog.region if catalog else None,
        "fallback": fallback or (catalog is not None and catalog.region != region),
    }


def _layer(
    layer: str,
    matrix: Matrix,
    trace: tuple[Firing, ...],
    costs: dict[str, dict[str, PlacementCost]] | None,
    catalog: str | None,
    doors: dict[str, Door] | None,
    terms: str = "",
) -> LayerAdvice:
    totals: dict[str, Decimal | None] | None = None
    if costs is not None:
        totals = {p: c.total for p, c in costs[layer].items()}
    blocked = _door_exclusions(layer, doors or {})
    choice = choose(layer, matrix.candidates[layer], trace, totals, catalog, blocked, terms)
    door = (doors or {}).get(choice.placement)
    warnings = choice.warnings + (door.warnings if door else ())
    return LayerAdvice(
        layer=layer,
        placement=choice.placement,
        ranking=choice.ranking,
        reasons=choice.reasons,
        excluded=choice.excluded,
        warnings=warnings,
        alternative_warnings=choice.alternative_warnings,
        front_door=door,
    )


def _door_exclusions(layer: str, doors: dict[str, Door]) -> dict[str, Firing]:
    """Candidates whose front door breaks a hard limit, as the trace would state a rule."""
    blocked = {}
    for placement, door in doors.items():
        if door.breaks:
            name, text = door.breaks[0]
            limit = LIMITS[name]
            blocked[placement] = Firing(
                rule="DOOR",
                layer=layer,
                title=f"{door.label}: {limit.title.lower()}",
                fired=True,
                effect="exclude",
                weights={placement: 0.0},
                values={name: limit.value},
                text=text,
                source=limit_source(limit),
                limit=name,
            )
    return blocked


def _advice_values(
    p: WorkloadProfile, f: Facts, catalog: Catalog | None, costs: dict[str, Any] | None
) -> dict[str, Any]:
    """The context values that need the catalog (rules.ADVICE_VALUES)."""
    fit = ""
    if f.gpu_needed and catalog is not None:
        fit = sizing.model_fit(p, f, "ec2", catalog).advice
    return {
        # What owned GPU servers would replace: the always-on GPU fleet's bill.
        "brain_servers_monthly_cost": _total(costs, "brain", "ec2_gpu") or 0.0,
        "model_fit_text": fit,
    }


def _total(costs: dict[str, Any] | None, layer: str, placement: str) -> float | None:
    if costs is None or costs[layer][placement].total is None:
        return None
    return float(costs[layer][placement].total)
