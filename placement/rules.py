"""The rules engine: a small interpreter over the decision matrix in matrix.yaml.

Each rule has a condition in the ``rule-engine`` expression language, evaluated
over the profile, its derived facts, the costs the rules compare and the
matrix's constants (AWS's hard limits among them, from ``placement/limits``),
and one effect: prefer placements (adding weight), penalise them (removing
weight), exclude them (a hard limit) or warn. The trace keeps every rule, fired
or not, with the values it compared, so every recommendation can say why.
Choosing per layer is ``placement.decision``'s job; ``placement.advice.advise``
is the engine's entry point.
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

from placement.calculators import COST_FACTS
from placement.constants import MATRIX_PATH
from placement.facts import Facts
from placement.limits import Limit, limits_version, load_limits
from placement.placements import DECISION_ORDER as LAYERS
from placement.placements import PLACEMENTS

EFFECTS = ("prefer", "penalise", "exclude", "warn")
_RULE_KEYS = {"id", "layer", "title", "when", "reason", "source", "about", "limit", *EFFECTS}
_STRING_LITERAL = re.compile(r"'[^']*'|\"[^\"]*\"")
_IDENTIFIER = re.compile(r"\b[a-z_][a-z0-9_]*\b")
# Values advise() adds to the context beside the facts and cost facts.
ADVICE_VALUES = ("brain_servers_monthly_cost", "model_fit_text")
# Sentences made for reasons, not values worth a chip of their own.
_PROSE_VALUES = {"break_even_text", "model_fit_text"}


class MatrixError(ValueError):
    """The decision matrix file is malformed: raised at load, never at advice time."""


@dataclass(frozen=True, eq=False)  # one object per rule of a loaded matrix: hashed by identity
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
    condition: rule_engine.Rule = field(repr=False)
    about: tuple[str, ...] = ()  # a warning's placements: shown only when one is chosen
    limit: str | None = None  # the AWS limit a rule enforces, from placement/limits
    # Every name the condition and the reason read: the outcome depends on their values alone.
    inputs: tuple[str, ...] = ()
    # The names the condition alone reads (a subset of ``inputs``): whether the rule
    # fires depends on their values alone.
    condition_inputs: tuple[str, ...] = ()


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
    about: tuple[str, ...] = ()
    limit: str | None = None

    def as_reason(self) -> dict[str, Any]:
        reason = {
            "rule": self.rule,
            "title": self.title,
            "text": self.text,
            "source": self.source,
            "values": dict(self.values),  # a copy: the firing is shared by every advice with its inputs
        }
        if self.limit:
            reason["limit"] = self.limit
        return reason

    def to_dict(self) -> dict[str, Any]:
        placements = list(self.weights)
        return {
            "rule": self.rule,
            "layer": self.layer,
            "title": self.title,
            "fired": self.fired,
            "effect": self.effect,
            "placement": placements[0] if placements else None,
            "placements": placements,
            "weight": max(self.weights.values(), default=0.0),
            "values": dict(self.values),
            "text": self.text,
            "source": self.source,
        }


def evaluate(matrix: Matrix, context: dict[str, Any]) -> tuple[Firing, ...]:
    """Every rule of the matrix against one context: the reasoning trace.

    A rule's outcome depends only on the values it reads, and most of them recur from one
    profile to the next (the trigger, the model, the limits, a fact that is zero...), so
    outcomes are remembered by those values and their types (1, 1.0 and True are equal as
    keys, but a reason prints them differently). About three rules in five are answered so
    for profiles never seen before.
    """
    trace = []
    for rule in matrix.rules:
        values = tuple(map(context.__getitem__, rule.inputs))
        trace.append(_outcome(rule, values, tuple(map(type, values))))
    return tuple(trace)


@lru_cache(maxsize=4096)
def _outcome(rule: Rule, values: tuple[Any, ...], types: tuple[type, ...]) -> Firing:
    # Only the names the rule reads: one it reads but does not declare fails loudly, never stale.
    return _evaluate(rule, dict(zip(rule.inputs, values, strict=True)))


def _evaluate(rule: Rule, context: dict[str, Any]) -> Firing:
    condition = tuple(map(context.__getitem__, rule.condition_inputs))
    fired = _fired(rule, condition, tuple(map(type, condition)))
    values = {name: _plain(context[name]) for name in rule.symbols}
    text = _render(rule.reason, context) if fired else rule.title
    return Firing(
        rule=rule.id,
        layer=rule.layer,
        title=rule.title,
        fired=fired,
        effect=rule.effect,
        weights=rule.weights,
        values=values,
        text=text,
        source=rule.source,
        about=rule.about,
        limit=rule.limit,
    )


@lru_cache(maxsize=4096)
def _fired(rule: Rule, values: tuple[Any, ...], types: tuple[type, ...]) -> bool:
    """Whether the condition holds, remembered by the values the condition reads: one in four of
    the outcomes ``_outcome`` misses differ only in a value the reason quotes (a cost, a
    volume), not in one the condition compares. Evaluated over those names alone, so a name
    the condition reads but does not declare fails loudly, never answers stale."""
    return bool(rule.condition.matches(dict(zip(rule.condition_inputs, values, strict=True))))


def _render(template: str, context: dict[str, Any]) -> str:
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
    limits = load_limits()
    constants = _constants(dict(raw["constants"]), limits)
    candidates = _load_candidates(raw["layers"])
    types = _symbol_types(constants)
    rules = tuple(_load_rule(r, candidates, types, limits) for r in raw["rules"])
    ids = [r.id for r in rules]
    if len(ids) != len(set(ids)):
        raise MatrixError(f"duplicate rule ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    # The limits are part of the rule set: a changed limit is a new version.
    digest = hashlib.sha256(raw_bytes + limits_version().encode()).hexdigest()[:8]
    return Matrix(
        version=f"{raw['version']}+{digest}", constants=constants, candidates=candidates, rules=rules
    )


def _constants(own: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    """The matrix's thresholds and AWS's limits, each in one home: a name in both is an error."""
    twice = sorted(set(own) & set(limits))
    if twice:
        raise MatrixError(f"constants {twice} are AWS limits: they live in placement/limits only")
    plain = {name: limit.value for name, limit in limits.items() if "." not in name}
    return {**plain, **own}


def limit_source(limit: Limit) -> str:
    """How a rule enforcing a limit cites it: the AWS page by title, its address and the date read."""
    return f"AWS documentation, “{limit.source_title}” ({limit.source}), read {limit.read_on}"


def _load_candidates(layers: dict[str, Any]) -> dict[str, tuple[str, ...]]:
    if set(layers) != set(LAYERS):
        raise MatrixError(f"layers must be exactly {LAYERS}")
    candidates = {}
    for layer, spec in layers.items():
        unknown = [p for p in spec["candidates"] if p not in PLACEMENTS]
        if unknown:
            raise MatrixError(f"layer {layer}: unknown placements {unknown}")
        candidates[layer] = tuple(spec["candidates"])
    return candidates


def _symbol_types(constants: dict[str, Any]) -> dict[str, rule_engine.DataType]:
    """The typed names a condition may use: a misspelt name fails at load time."""
    from placement.profile import FIELDS

    sample = {**constants, **{f.name: f.default for f in FIELDS}}
    types = {}
    for name, value in sample.items():
        spec_nullable = value is None
        types[name] = (
            rule_engine.DataType.UNDEFINED if spec_nullable else rule_engine.DataType.from_value(value)
        )
    for name in (*Facts.__dataclass_fields__, *COST_FACTS, *ADVICE_VALUES):
        types[name] = rule_engine.DataType.UNDEFINED
    return types


def _load_rule(
    raw: dict[str, Any], candidates: dict[str, Any], types: dict[str, Any], limits: dict[str, Any]
) -> Rule:
    rule_id = raw.get("id", "?")
    unknown = set(raw) - _RULE_KEYS
    if unknown:
        raise MatrixError(f"rule {rule_id}: unknown keys {sorted(unknown)}")
    raw = _with_limit_source(rule_id, raw, limits)
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
    inputs = tuple(dict.fromkeys(s for s in in_condition + in_text if s in types))
    condition_inputs = tuple(dict.fromkeys(s for s in in_condition if s in types))
    symbols = tuple(s for s in inputs if s not in _PROSE_VALUES)
    return Rule(
        id=rule_id,
        layer=raw["layer"],
        title=raw["title"],
        when=raw["when"],
        effect=effect,
        weights=weights,
        reason=raw["reason"],
        source=raw["source"],
        symbols=symbols,
        condition=condition,
        about=_load_about(rule_id, raw, effect, candidates),
        limit=raw.get("limit"),
        inputs=inputs,
        condition_inputs=condition_inputs,
    )


def _with_limit_source(rule_id: str, raw: dict[str, Any], limits: dict[str, Any]) -> dict[str, Any]:
    """A rule naming the AWS limit it enforces cites that limit's page (after its own source)."""
    name = raw.get("limit")
    if name is None:
        return raw
    if name not in limits:
        raise MatrixError(f"rule {rule_id}: unknown limit {name!r} (placement/limits/aws.yaml)")
    cited = limit_source(limits[name])
    own = str(raw.get("source", "")).strip()
    return {**raw, "source": f"{own}; {cited}" if own else cited}


def _load_about(
    rule_id: str, raw: dict[str, Any], effect: str, candidates: dict[str, Any]
) -> tuple[str, ...]:
    about = raw.get("about")
    if about is None:
        return ()
    if effect != "warn":
        raise MatrixError(f"rule {rule_id}: only warnings are about placements")
    unknown = [p for p in about if p not in candidates[raw["layer"]]]
    if not about or unknown:
        raise MatrixError(f"rule {rule_id}: about needs {raw['layer']} candidates, not {unknown}")
    return tuple(about)


def _load_weights(
    rule_id: str, layer: str, value: Any, effect: str, candidates: dict[str, Any]
) -> dict[str, float]:
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


def _check_template(rule_id: str, template: str, types: dict[str, Any]) -> None:
    for _, name, _, _ in string.Formatter().parse(template):
        if name is not None and name not in types:
            raise MatrixError(f"rule {rule_id}: reason uses unknown value {name!r}")


RULESET_VERSION = load_matrix().version
