"""The stored advice read once into typed, frozen objects.

An assessment stores the engine's ``Advice.to_dict()`` as it was given, so an old
assessment renders as the team saw it. Pages, the PDF, the API and the CLI read a
``StoredAdvice`` made from that JSON, not key paths into it: the shape of the
stored result, and what an old result lacked, is known here only. (Charts and the
engine's simulation findings, which read the engine's own JSON, are handed ``raw``.)

``schema_version`` in the result says which shape it has:

- 1 (no ``schema_version`` key): every result stored before the version was
  written. The oldest lack what later engines added: ``levers`` and ``pricing``;
  a layer's ``alternative_warnings`` and front door; a reason's ``limit``; the
  month's ``complete``, ``unpriced_layers``, ``headline``, ``common_assumptions``,
  ``commitment`` and ``job``; a line's on-demand amount; the calculators'
  ``not_applicable``. Each is read as "not known then": no levers, no fallback
  banner, unpriced layers found from the stored costs, the headline in the engine's
  words for an on-demand month.
- 2: written by ``assessment_build`` since; every key of today's
  ``Advice.to_dict()`` is there, and a missing one is an error, not a default.

A newer version than this code knows raises ``SchemaVersionError``: reading it
with today's defaults would show a result as something it is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from placement.economics import headline
from placement.placements import LAYERS  # the order the product names the split in

SCHEMA_VERSION = 2

# Every key today's Advice.to_dict() writes; a version-2 result holds them all.
_REQUIRED = (
    "profile",
    "facts",
    "fact_labels",
    "layers",
    "warnings",
    "trace",
    "monthly_cost",
    "costs",
    "economics",
    "ruleset",
    "catalog",
    "levers",
    "pricing",
)

# The few keys of a stored result that a table of many assessments needs (the portfolio), as
# key paths read inside the database rather than loading and parsing every whole result. Every
# version holds them, but for ``unpriced_layers``, which version 1's oldest results lack (none).
SUMMARY_PATHS: dict[str, tuple[str, ...]] = {
    **{layer: ("layers", layer, "placement") for layer in LAYERS},
    "projected": ("monthly_cost", "total"),
    "unpriced": ("monthly_cost", "unpriced_layers"),
    "current": ("profile", "current_monthly_cost"),
    "utilization": ("facts", "utilization"),
    "wait_fraction": ("profile", "wait_fraction"),
}


class SchemaVersionError(ValueError):
    """A stored result this code cannot read: a newer schema, or keys its version must hold."""


def stamped(result: dict[str, Any]) -> dict[str, Any]:
    """The engine's ``Advice.to_dict()`` as an assessment stores it: with the schema version."""
    return {**result, "schema_version": SCHEMA_VERSION}


def unstamped(result: Mapping[str, Any]) -> dict[str, Any]:
    """The stored result as the engine returned it: what the API passes through."""
    return {key: value for key, value in result.items() if key != "schema_version"}


@dataclass(frozen=True)
class Reason:
    """A rule (or a hard limit, or the cost) that chose or excluded a placement."""

    rule: str
    title: str
    text: str
    source: str
    values: Mapping[str, Any]
    limit: str | None = None  # the hard limit it states; version 1 results may lack it

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Reason:
        return cls(
            rule=data.get("rule", ""),
            title=data.get("title", ""),
            text=data.get("text", ""),
            source=data.get("source", ""),
            values=data.get("values") or {},
            limit=data.get("limit"),
        )

    def to_dict(self) -> dict[str, Any]:
        """The stored keys, as ``Firing.as_reason`` writes them."""
        reason = {
            "rule": self.rule,
            "title": self.title,
            "text": self.text,
            "source": self.source,
            "values": dict(self.values),
        }
        if self.limit:
            reason["limit"] = self.limit
        return reason


@dataclass(frozen=True)
class Exclusion:
    placement: str
    reason: Reason

    def to_dict(self) -> dict[str, Any]:
        return {"placement": self.placement, **self.reason.to_dict()}


@dataclass(frozen=True)
class Ranked:
    placement: str
    label: str
    score: float

    def to_dict(self) -> dict[str, Any]:
        return {"placement": self.placement, "label": self.label, "score": self.score}


@dataclass(frozen=True)
class FrontDoor:
    """How requests reach the Nerves placement (assessments since the front door joined the layer)."""

    id: str
    label: str
    why: str
    warnings: tuple[str, ...] = ()
    breaks: tuple[Mapping[str, str], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "why": self.why,
            "warnings": list(self.warnings),
            "breaks": [dict(b) for b in self.breaks],
        }


@dataclass(frozen=True)
class Layer:
    name: str
    placement: str
    label: str | None
    alternatives: tuple[str, ...]
    ranking: tuple[Ranked, ...]
    reasons: tuple[Reason, ...]
    excluded: tuple[Exclusion, ...]
    warnings: tuple[str, ...]
    alternative_warnings: tuple[str, ...] = ()
    front_door: FrontDoor | None = None

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> Layer:
        door = data.get("front_door_detail")
        return cls(
            name=name,
            placement=data["placement"],
            label=data.get("label"),
            alternatives=tuple(data.get("alternatives") or ()),
            ranking=tuple(
                Ranked(r["placement"], r.get("label", ""), r.get("score", 0.0))
                for r in data.get("ranking") or ()
            ),
            reasons=tuple(Reason.from_dict(r) for r in data.get("reasons") or ()),
            excluded=tuple(
                Exclusion(e["placement"], Reason.from_dict(e)) for e in data.get("excluded") or ()
            ),
            warnings=tuple(data.get("warnings") or ()),
            alternative_warnings=tuple(data.get("alternative_warnings") or ()),
            front_door=None
            if not door
            else FrontDoor(
                id=door["id"],
                label=door.get("label", ""),
                why=door.get("why", ""),
                warnings=tuple(door.get("warnings") or ()),
                breaks=tuple(door.get("breaks") or ()),
            ),
        )


@dataclass(frozen=True)
class TraceEntry:
    """One rule of the matrix against the profile, fired or not: a row of the reasoning trace."""

    rule: str
    layer: str
    title: str
    fired: bool
    effect: str
    placements: tuple[str, ...]
    weight: float
    values: Mapping[str, Any]
    text: str
    source: str

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TraceEntry:
        placements = data.get("placements") or ([data["placement"]] if data.get("placement") else [])
        return cls(
            rule=data.get("rule", ""),
            layer=data.get("layer", ""),
            title=data.get("title", ""),
            fired=bool(data.get("fired")),
            effect=data.get("effect", ""),
            placements=tuple(placements),
            weight=data.get("weight", 0.0),
            values=data.get("values") or {},
            text=data.get("text", ""),
            source=data.get("source", ""),
        )

    @property
    def placement(self) -> str | None:
        return self.placements[0] if self.placements else None

    def to_dict(self) -> dict[str, Any]:
        """The stored keys, as ``Firing.to_dict`` writes them."""
        return {
            "rule": self.rule,
            "layer": self.layer,
            "title": self.title,
            "fired": self.fired,
            "effect": self.effect,
            "placement": self.placement,
            "placements": list(self.placements),
            "weight": self.weight,
            "values": dict(self.values),
            "text": self.text,
            "source": self.source,
        }


@dataclass(frozen=True)
class CostLine:
    """One line of a placement's monthly bill."""

    name: str
    amount: float
    detail: str
    on_demand: float | None = None  # the amount on demand; version 1 results may lack it
    layer: str = ""
    placement: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], layer: str = "", placement: str = "") -> CostLine:
        return cls(
            name=data["name"],
            amount=data["amount"],
            detail=data.get("detail", ""),
            on_demand=data.get("on_demand"),
            layer=data.get("layer", layer),
            placement=data.get("placement", placement),
        )

    def to_dict(self) -> dict[str, Any]:
        """The keys a placement's stored line has (the month's lines add layer and placement)."""
        line = {"name": self.name, "amount": self.amount, "detail": self.detail}
        if self.on_demand is not None:
            line["on_demand"] = self.on_demand
        return line


@dataclass(frozen=True)
class PlacementPrice:
    """What one candidate placement of a layer would cost a month, line by line (None: not priced)."""

    layer: str
    placement: str
    total: float | None
    lines: tuple[CostLine, ...]
    assumptions: tuple[str, ...]
    options: Mapping[str, float] = field(default_factory=dict)  # other purchase options' totals
    on_demand_total: float | None = None
    terms: tuple[Mapping[str, Any], ...] = ()

    @classmethod
    def from_dict(cls, layer: str, placement: str, data: Mapping[str, Any]) -> PlacementPrice:
        return cls(
            layer=layer,
            placement=placement,
            total=data.get("total"),
            lines=tuple(CostLine.from_dict(line, layer, placement) for line in data.get("lines") or ()),
            assumptions=tuple(data.get("assumptions") or ()),
            options=data.get("options") or {},
            on_demand_total=data.get("on_demand_total"),
            terms=tuple(data.get("terms") or ()),
        )


@dataclass(frozen=True)
class MonthlyCost:
    """The recommended split's bill: its lines, total and the headline that says it in words."""

    total: float | None
    complete: bool
    unpriced_layers: tuple[str, ...]
    lines: tuple[CostLine, ...]
    assumptions: Mapping[str, tuple[str, ...]]
    common_assumptions: tuple[str, ...] = ()
    headline: str | None = None  # version 1 results before the headline: the engine's words for it
    monthly_headline: str | None = None  # a one-off job's month while it runs; else the headline
    commitment: Mapping[str, Any] | None = None  # the terms bought (Savings Plans, Spot)
    job: Mapping[str, Any] | None = None  # a one-off job priced as a total
    currency: str = "USD"

    def line_dicts(self) -> list[dict[str, Any]]:
        """The lines as stored: each names its layer and placement."""
        return [{"layer": line.layer, "placement": line.placement, **line.to_dict()} for line in self.lines]

    def layer_total(self, layer: str) -> float | None:
        """The layer's share of the month to the cent; None when it went unpriced."""
        if layer in self.unpriced_layers:
            return None
        return round(sum((line.amount for line in self.lines if line.layer == layer), 0.0), 2)


@dataclass(frozen=True)
class Comparison:
    recommended: float | None
    containers: float | None
    containers_split: Mapping[str, str]
    current: float | None


@dataclass(frozen=True)
class Economics:
    """The calculators of a priced advice. Each is None for a one-off job, and ``not_applicable``
    says why; the calculators themselves stay the engine's JSON, read by charts and the money view."""

    comparison: Comparison
    break_even: Mapping[str, Any] | None
    payback: Mapping[str, Any] | None
    repatriation: Mapping[str, Any] | None
    tco: Mapping[str, Any] | None
    not_applicable: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Pricing:
    """Which region's rates priced the advice; ``fallback`` when another region's stood in."""

    region: str
    catalog_region: str | None
    fallback: bool


@dataclass(frozen=True)
class LeverSource:
    url: str
    title: str = ""
    read_on: str = ""


@dataclass(frozen=True)
class Lever:
    """An AWS cost lever that applies to the advice, with its monthly saving (None: not priced)."""

    id: str
    layer: str
    title: str
    text: str
    monthly_saving: float | None
    source: LeverSource | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "layer": self.layer,
            "title": self.title,
            "text": self.text,
            "monthly_saving": self.monthly_saving,
            "source": None
            if self.source is None
            else {"url": self.source.url, "title": self.source.title, "read_on": self.source.read_on},
        }


@dataclass(frozen=True)
class StoredAdvice:
    """One stored (or freshly evaluated) advice, read once; see the module's docstring."""

    schema_version: int
    profile: Mapping[str, Any]  # the normalised profile the engine saw
    facts: Mapping[str, Any]
    fact_labels: Mapping[str, tuple[str, str]]
    layers: Mapping[str, Layer]  # brain, memory, nerves, in that order
    warnings: tuple[str, ...]
    trace: tuple[TraceEntry, ...]
    ruleset: str
    catalog: str | None
    monthly_cost: MonthlyCost | None  # None: no catalog priced it
    costs: Mapping[str, Mapping[str, PlacementPrice]] | None
    economics: Economics | None
    levers: tuple[Lever, ...] = ()
    pricing: Pricing | None = None
    # The JSON it was read from, for what passes the engine's JSON on whole: the API and the
    # engine's own readers (charts, simulation findings).
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_result(cls, result: Mapping[str, Any]) -> StoredAdvice:
        """An assessment's stored result; raises SchemaVersionError for one this code cannot read."""
        version = result.get("schema_version", 1)
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise SchemaVersionError(f"A stored advice has schema_version {version!r}, not a version number.")
        if version > SCHEMA_VERSION:
            raise SchemaVersionError(
                f"A stored advice has schema_version {version}; this code reads up to {SCHEMA_VERSION}. "
                f"It was written by a newer release: deploy that release to read it."
            )
        if version == SCHEMA_VERSION:
            missing = [key for key in _REQUIRED if key not in result]
            if missing:
                raise SchemaVersionError(
                    f"A stored advice of schema_version {version} lacks {', '.join(missing)}."
                )
        return _read(result, version)

    @classmethod
    def from_engine(cls, advice: Mapping[str, Any]) -> StoredAdvice:
        """``Advice.to_dict()`` of this code, evaluated now and not stored: today's schema."""
        return cls.from_result({**advice, "schema_version": SCHEMA_VERSION})

    @property
    def split(self) -> dict[str, str]:
        """The placement of each layer: the recommended split."""
        return {name: layer.placement for name, layer in self.layers.items()}

    def placement(self, layer: str) -> str | None:
        chosen = self.layers.get(layer)
        return chosen.placement if chosen else None

    def chosen_price(self, layer: str) -> PlacementPrice | None:
        """The stored cost of the placement chosen for the layer; None when unpriced or without costs."""
        placement = self.placement(layer)
        return (self.costs or {}).get(layer, {}).get(placement) if placement else None

    @property
    def fired_count(self) -> int:
        return sum(1 for t in self.trace if t.fired)


# -- reading the JSON -------------------------------------------------------------------------


def _read(result: Mapping[str, Any], version: int) -> StoredAdvice:
    costs = _costs(result.get("costs"))
    layers = {name: Layer.from_dict(name, data) for name, data in _ordered(result["layers"]).items()}
    return StoredAdvice(
        schema_version=version,
        profile=result.get("profile") or {},
        facts=result.get("facts") or {},
        fact_labels={k: tuple(v) for k, v in (result.get("fact_labels") or {}).items()},
        layers=layers,
        warnings=tuple(result.get("warnings") or ()),
        trace=tuple(TraceEntry.from_dict(t) for t in result.get("trace") or ()),
        ruleset=result.get("ruleset") or "",
        catalog=result.get("catalog"),
        monthly_cost=_monthly_cost(result.get("monthly_cost"), costs, layers),
        costs=costs,
        economics=_economics(result.get("economics")),
        levers=tuple(_lever(lever) for lever in result.get("levers") or ()),
        pricing=_pricing(result.get("pricing")),
        raw=result,
    )


def _ordered(layers: Mapping[str, Any]) -> dict[str, Any]:
    """Brain, Memory, Nerves first, whatever order the JSON keeps (PostgreSQL's jsonb sorts keys)."""
    return {
        **{name: layers[name] for name in LAYERS if name in layers},
        **{name: data for name, data in layers.items() if name not in LAYERS},
    }


def _costs(data: Mapping[str, Any] | None) -> dict[str, dict[str, PlacementPrice]] | None:
    if data is None:
        return None
    return {
        layer: {
            placement: PlacementPrice.from_dict(layer, placement, cost)
            for placement, cost in by_placement.items()
        }
        for layer, by_placement in data.items()
    }


def _monthly_cost(
    data: Mapping[str, Any] | None,
    costs: dict[str, dict[str, PlacementPrice]] | None,
    layers: dict[str, Layer],
) -> MonthlyCost | None:
    if not data:
        return None
    total = data.get("total")
    unpriced = data.get("unpriced_layers")
    if unpriced is None:  # version 1 before it was stored: the layers whose chosen cost is missing
        unpriced = [
            name
            for name, layer in layers.items()
            if ((costs or {}).get(name, {}).get(layer.placement) or _UNPRICED).total is None
        ]
    lines = tuple(CostLine.from_dict(line) for line in data.get("lines") or ())
    headline = data.get("headline") or _first_headline(total, lines, unpriced)
    return MonthlyCost(
        total=total,
        complete=data.get("complete", total is not None and not unpriced),
        unpriced_layers=tuple(unpriced),
        lines=lines,
        assumptions={layer: tuple(items) for layer, items in (data.get("assumptions") or {}).items()},
        common_assumptions=tuple(data.get("common_assumptions") or ()),
        headline=headline,
        monthly_headline=data.get("monthly_headline") or headline,
        commitment=data.get("commitment") or None,
        job=data.get("job") or None,
        currency=data.get("currency", "USD"),
    )


_UNPRICED = PlacementPrice(layer="", placement="", total=None, lines=(), assumptions=())


def _first_headline(total: float | None, lines: tuple[CostLine, ...], unpriced: list[str]) -> str:
    """The month in the engine's words, for a version 1 result stored before the headline, on
    demand (commitments came later). The first release left the total out when a layer was
    unpriced: the priced lines' sum then, which the headline says loudly is partial."""
    if total is None:
        total = float(sum((Decimal(str(line.amount)) for line in lines), Decimal("0")))
    return headline(Decimal(str(total)).quantize(Decimal("0.01")), list(unpriced))


def _economics(data: Mapping[str, Any] | None) -> Economics | None:
    if not data:
        return None
    comparison = data.get("comparison") or {}
    return Economics(
        comparison=Comparison(
            recommended=comparison.get("recommended"),
            containers=comparison.get("containers"),
            containers_split=comparison.get("containers_split") or {},
            current=comparison.get("current"),
        ),
        break_even=data.get("break_even"),
        payback=data.get("payback"),
        repatriation=data.get("repatriation"),
        tco=data.get("tco"),
        not_applicable=data.get("not_applicable") or {},
    )


def _lever(data: Mapping[str, Any]) -> Lever:
    source = data.get("source") or {}
    return Lever(
        id=data.get("id", ""),
        layer=data.get("layer", ""),
        title=data.get("title", ""),
        text=data.get("text", ""),
        monthly_saving=data.get("monthly_saving"),
        source=LeverSource(
            url=source["url"], title=source.get("title", ""), read_on=source.get("read_on", "")
        )
        if source.get("url")
        else None,
    )


def _pricing(data: Mapping[str, Any] | None) -> Pricing | None:
    if not data:
        return None
    return Pricing(
        region=data.get("region") or "",
        catalog_region=data.get("catalog_region"),
        fallback=bool(data.get("fallback")),
    )
