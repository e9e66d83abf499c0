"""The rules engine: a small interpreter over the decision matrix in matrix.yaml.

Each rule has a condition in the ``rule-engine`` expression language, evaluated
over the profile, its derived facts and the matrix's named constants, and one
effect: prefer placements (adding weight), penalise them (removing weight),
exclude them (a hard limit) or warn. Per layer, the highest-scoring placement
not excluded wins; the trace keeps every rule, fired or not, with the values it
compared, so every recommendation can say why.
"""
from __future__ import annotations

import hashlib
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import rule_engine
import yaml

from placement.calculators import COST_FACTS, cost_facts
from placement.costs import PlacementCost, placement_costs
from placement.economics import Economics, economics
from placement.facts import FACT_LABELS, Facts, derive_facts
from placement.placements import PLACEMENTS, label
from placement.pricing import Catalog, catalog_for_region
from placement.profile import WorkloadProfile

MATRIX_PATH = Path(__file__).with_name("matrix.yaml")
LAYERS = ("nerves", "brain", "memory")
EFFECTS = ("prefer", "penalise", "exclude", "warn")
_RULE_KEYS = {"id", "layer", "title", "when", "reason", "source", *EFFECTS}
_STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_IDENTIFIER = re.compile(r"\b[a-z_][a-z0-9_]*\b")
# Sentences made for reasons, not values worth a chip of their own.
_PROSE_VALUES = {"break_even_text"}


class MatrixError(ValueError):
    """The decision matrix file is malformed: raised at load, never at advice time."""


@dataclass(frozen=True)
class Rule:
    id: str
    layer: str
    title: str
    when: str
    effect: str
    weights: dict[str, float]  # placement -> weight; empty for warnings
    reason: str
    source: str
    symbols: tuple[str, ...]
    condition: rule_engine.Rule = field(compare=False, repr=False)


@dataclass(frozen=True)
class Matrix:
    version: str
    constants: dict[str, Any]
    candidates: dict[str, tuple[str, ...]]
    rules: tuple[Rule, ...]


@dataclass(frozen=True)
class Firing:
    """One rule's outcome for one profile: the unit of the reasoning trace."""

    rule: str
    layer: str
    title: str
    fired: bool
    effect: str
    weights: dict[str, float]
    values: dict[str, Any]
    text: str
    source: str

    def as_reason(self) -> dict:
        return {"rule": self.rule, "title": self.title, "text": self.text,
                "source": self.source, "values": self.values}

    def to_dict(self) -> dict:
        placements = list(self.weights)
        return {"rule": self.rule, "layer": self.layer, "title": self.title,
                "fired": self.fired, "effect": self.effect,
                "placement": placements[0] if placements else None,
                "placements": placements, "weight": max(self.weights.values(), default=0.0),
                "values": self.values, "text": self.text, "source": self.source}


@dataclass(frozen=True)
class LayerAdvice:
    layer: str
    placement: str
    ranking: tuple[tuple[str, float], ...]  # not excluded, best first
    reasons: tuple[Firing, ...]
    excluded: tuple[tuple[str, Firing], ...]
    warnings: tuple[str, ...]

    @property
    def alternatives(self) -> list[str]:
        return [p for p, _ in self.ranking if p != self.placement]

    def to_dict(self) -> dict:
        return {
            "placement": self.placement,
            "label": label(self.placement),
            "alternatives": self.alternatives,
            "ranking": [{"placement": p, "label": label(p), "score": round(s, 3)}
                        for p, s in self.ranking],
            "reasons": [f.as_reason() for f in self.reasons],
            "excluded": [{"placement": p, **f.as_reason()} for p, f in self.excluded],
            "warnings": list(self.warnings),
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

    @property
    def warnings(self) -> list[str]:
        return [w for layer in self.layers.values() for w in layer.warnings] + list(self.notices)

    def to_dict(self) -> dict:
        money = self.economics.to_dict() if self.economics else {}
        return {
            "profile": self.profile.to_dict(),
            "facts": {k: _plain(v) for k, v in self.facts.to_dict().items()},
            "fact_labels": {k: list(v) for k, v in FACT_LABELS.items()},
            "layers": {name: layer.to_dict() for name, layer in self.layers.items()},
            "warnings": self.warnings,
            "trace": [f.to_dict() for f in self.trace],
            "monthly_cost": money.pop("monthly_cost", None),
            "costs": None if self.costs is None else {
                layer: {p: c.to_dict() for p, c in by_placement.items()}
                for layer, by_placement in self.costs.items()},
            "economics": money or None,
            "ruleset": self.ruleset,
            "catalog": self.catalog,
        }


_REGION_CATALOG = object()


def advise(profile: WorkloadProfile, matrix: Matrix | None = None,
           catalog: Catalog | None | object = _REGION_CATALOG, wait_sweep: bool = True) -> Advice:
    """Evaluate every rule of the matrix against a profile and choose per layer.

    Costs come from the newest catalog of the profile's region unless a catalog
    (or None, for rules alone) is given. ``wait_sweep=False`` leaves out the
    break-even at other wait fractions (null in the result), which is four
    fifths of the work for a new profile: for callers that do not show it.
    """
    matrix = matrix or load_matrix()
    facts = derive_facts(profile)
    notices: tuple[str, ...] = ()
    if catalog is _REGION_CATALOG:
        catalog = catalog_for_region(profile.region)
        if catalog is None:
            notices = (f"No price catalog for {profile.region}: costs are not shown and the "
                       f"15% rule of thumb stands in for the computed break-even.",)
    costs = placement_costs(profile, facts, catalog, matrix.candidates) if catalog else None
    context = {**matrix.constants, **profile.to_dict(), **facts.to_dict(),
               **cost_facts(profile, facts.utilization, catalog, _total(costs, "nerves", "lambda"),
                            _total(costs, "nerves", "fargate"))}
    trace = tuple(_evaluate(rule, context) for rule in matrix.rules)
    layers = {layer: _decide(layer, matrix.candidates[layer], trace) for layer in LAYERS}
    money = None
    if catalog is not None:
        split = {name: layer.placement for name, layer in layers.items()}
        money = economics(profile, facts, catalog, split, costs, wait_sweep=wait_sweep)
    return Advice(profile=profile, facts=facts, layers=layers, trace=trace, ruleset=matrix.version,
                  catalog=catalog.version if catalog else None, costs=costs, economics=money,
                  notices=notices)


def _total(costs: dict | None, layer: str, placement: str) -> float | None:
    if costs is None or costs[layer][placement].total is None:
        return None
    return float(costs[layer][placement].total)


def _evaluate(rule: Rule, context: dict) -> Firing:
    fired = bool(rule.condition.matches(context))
    values = {name: _plain(context[name]) for name in rule.symbols}
    text = _render(rule.reason, context) if fired else rule.title
    return Firing(rule=rule.id, layer=rule.layer, title=rule.title, fired=fired,
                  effect=rule.effect, weights=rule.weights, values=values, text=text,
                  source=rule.source)


def _decide(layer: str, candidates: tuple[str, ...], trace: tuple[Firing, ...]) -> LayerAdvice:
    fired = [f for f in trace if f.fired and f.layer == layer]
    scores = {p: 0.0 for p in candidates}
    excluded: dict[str, Firing] = {}
    for firing in fired:
        for placement, weight in firing.weights.items():
            if firing.effect == "exclude":
                excluded.setdefault(placement, firing)
            elif firing.effect == "prefer":
                scores[placement] += weight
            elif firing.effect == "penalise":
                scores[placement] -= weight
    order = {p: i for i, p in enumerate(candidates)}
    ranking = sorted(((p, s) for p, s in scores.items() if p not in excluded),
                     key=lambda ps: (-ps[1], order[ps[0]]))
    warnings = [f.text for f in fired if f.effect == "warn"]
    if not ranking:
        # Every candidate hit a hard limit: say so rather than pick one silently.
        warnings.append("Every candidate placement is excluded by a hard limit; "
                        "this workload needs a redesign before it can be placed.")
        ranking = [("none", 0.0)]
    chosen = ranking[0][0]
    reasons = tuple(sorted((f for f in fired if f.effect == "prefer" and chosen in f.weights),
                           key=lambda f: -f.weights[chosen]))
    shown = [(p, s) for p, s in ranking if p == chosen or s > 0]
    return LayerAdvice(layer=layer, placement=chosen, ranking=tuple(shown), reasons=reasons,
                       excluded=tuple(excluded.items()), warnings=tuple(warnings))


def _render(template: str, context: dict) -> str:
    return template.format_map(context).strip()


def _plain(value: Any) -> Any:
    """JSON-friendly, readable numbers: no 0.30000000000000004 in a reason's values."""
    if isinstance(value, float):
        return round(value, 6)
    return value


# -- loading and checking the matrix ------------------------------------------------


@lru_cache(maxsize=4)
def load_matrix(path: Path = MATRIX_PATH) -> Matrix:
    raw_bytes = path.read_bytes()
    try:
        raw = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as exc:
        raise MatrixError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not {"version", "constants", "layers", "rules"} <= set(raw):
        raise MatrixError(f"{path.name}: needs version, constants, layers and rules")
    constants = dict(raw["constants"])
    candidates = _load_candidates(raw["layers"])
    types = _symbol_types(constants)
    rules = tuple(_load_rule(r, candidates, types) for r in raw["rules"])
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise MatrixError(f"duplicate rule ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    digest = hashlib.sha256(raw_bytes).hexdigest()[:8]
    return Matrix(version=f"{raw['version']}+{digest}", constants=constants,
                  candidates=candidates, rules=rules)


def _load_candidates(layers: dict) -> dict[str, tuple[str, ...]]:
    if set(layers) != set(LAYERS):
        raise MatrixError(f"layers must be exactly {LAYERS}")
    candidates = {}
    for layer, spec in layers.items():
        unknown = [p for p in spec["candidates"] if p not in PLACEMENTS]
        if unknown:
            raise MatrixError(f"layer {layer}: unknown placements {unknown}")
        candidates[layer] = tuple(spec["candidates"])
    return candidates


def _symbol_types(constants: dict) -> dict[str, rule_engine.DataType]:
    """The typed names a condition may use: a misspelt name fails at load time."""
    from placement.profile import FIELDS

    sample = {**constants, **{f.name: f.default for f in FIELDS}}
    types = {}
    for name, value in sample.items():
        spec_nullable = value is None
        types[name] = (rule_engine.DataType.UNDEFINED if spec_nullable
                       else rule_engine.DataType.from_value(value))
    for name in (*Facts.__dataclass_fields__, *COST_FACTS):
        types[name] = rule_engine.DataType.UNDEFINED
    return types


def _load_rule(raw: dict, candidates: dict, types: dict) -> Rule:
    rule_id = raw.get("id", "?")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise MatrixError(f"rule {rule_id}: unknown keys {sorted(unknown)}")
    missing = {"id", "layer", "title", "when", "reason", "source"} - set(raw)
    if missing or not str(raw.get("source", "")).strip():
        raise MatrixError(f"rule {rule_id}: missing {sorted(missing) or ['source']}")
    effects = [e for e in EFFECTS if e in raw]
    if len(effects) != 1:
        raise MatrixError(f"rule {rule_id}: needs exactly one of {EFFECTS}")
    effect = effects[0]
    weights = _load_weights(rule_id, raw["layer"], raw[effect], effect, candidates)
    try:
        context = rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(types))
        condition = rule_engine.Rule(raw["when"], context=context)
    except rule_engine.EngineError as exc:
        raise MatrixError(f"rule {rule_id}: condition {raw['when']!r}: {exc}") from exc
    _check_template(rule_id, raw["reason"], types)
    # The values a reason shows: what the condition compared, then what the text quotes.
    in_condition = _IDENTIFIER.findall(_STRING_LITERAL.sub("", raw["when"]))
    in_text = [name for _, name, _, _ in string.Formatter().parse(raw["reason"]) if name]
    symbols = tuple(dict.fromkeys(s for s in in_condition + in_text
                                  if s in types and s not in _PROSE_VALUES))
    return Rule(id=rule_id, layer=raw["layer"], title=raw["title"], when=raw["when"],
                effect=effect, weights=weights, reason=raw["reason"], source=raw["source"],
                symbols=symbols, condition=condition)


def _load_weights(rule_id: str, layer: str, value: Any, effect: str,
                  candidates: dict) -> dict[str, float]:
    if layer not in candidates:
        raise MatrixError(f"rule {rule_id}: unknown layer {layer!r}")
    if effect == "warn":
        return {}
    if effect == "exclude":
        value = {p: 0.0 for p in value}
    if not isinstance(value, dict) or not value:
        raise MatrixError(f"rule {rule_id}: {effect} needs placements")
    for placement, weight in value.items():
        if placement not in candidates[layer]:
            raise MatrixError(f"rule {rule_id}: {placement!r} is not a {layer} candidate")
        if effect != "exclude" and not (isinstance(weight, (int, float)) and weight > 0):
            raise MatrixError(f"rule {rule_id}: weight of {placement} must be positive")
    return {p: float(w) for p, w in value.items()}


def _check_template(rule_id: str, template: str, types: dict) -> None:
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name not in types:
            raise MatrixError(f"rule {rule_id}: reason uses unknown value {name!r}")


RULESET_VERSION = load_matrix().version
