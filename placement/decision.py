"""How one layer's placement is chosen: what fits, what the rules prefer, what it costs.

The procedure (docs/decisions.md tells it for people):

1. **Feasible.** A candidate is out when a fired ``exclude`` rule names it (a hard
   limit, with the limit and its source) or when its front door breaks a limit
   (Nerves only). Nothing out is ever chosen.
2. **Rule score.** Fired ``prefer`` rules add their weight, ``penalise`` rules
   remove it: what suits this workload, and why.
3. **Cost.** Where the catalog prices the feasible candidates, each one dearer
   than the cheapest loses ``COST_WEIGHT_PER_DOUBLING`` points for every doubling
   of the cheapest's price, scaled down while the monthly difference is small
   (under ``MATERIAL_MONTHLY_USD``): a few dollars never overrule a rule, a
   premium of thousands a month does. A candidate the catalog cannot price is
   treated as the dearest one it can, so an unknown price never looks cheap.
4. **Choice.** The highest adjusted score wins; ties go to the matrix's order.
5. **Reasons.** The chosen placement's ``prefer`` reasons, then one about cost:
   either that it is the cheapest that fits, or which cheaper candidate there is,
   the monthly difference and what the premium buys (the chosen placement's
   reasons). A choice with no rule behind it says it is the best that fits once
   the others are ruled out, so no placement is ever shown without a reason.

Warnings of ``warn`` rules that name placements (``about``) are shown only when
one of them is chosen; the others are kept apart, marked as being about an
alternative, so no warning contradicts the recommendation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from placement.placements import label
from placement.rules import Firing

# Points a candidate loses for each doubling of the cheapest feasible price. Rule
# weights run 1-5, so a placement three times dearer than the cheapest loses
# about 3 points: enough to overturn a mild preference, not a strong one.
COST_WEIGHT_PER_DOUBLING = 2.0
# Monthly difference from which a premium counts in full. Below it the penalty
# shrinks in proportion: $5 against $10 is a doubling nobody should trade
# visibility or operations for.
MATERIAL_MONTHLY_USD = 200.0
COST_RULE_ID = "COST"
FIT_RULE_ID = "FIT"
FIT_SOURCE = "The decision matrix's hard limits, each with its AWS source"
COST_SOURCE = "AWS pricing pages, as read into the {catalog} price catalog"


@dataclass(frozen=True)
class Choice:
    placement: str
    ranking: tuple[tuple[str, float], ...]
    reasons: tuple[Firing, ...]
    excluded: tuple[tuple[str, Firing], ...]
    warnings: tuple[str, ...]
    alternative_warnings: tuple[str, ...]


def choose(
    layer: str,
    candidates: tuple[str, ...],
    trace: tuple[Firing, ...],
    costs: dict[str, Decimal | None] | None,
    catalog: str | None,
    extra_exclusions: dict[str, Firing] | None = None,
    terms: str = "",
) -> Choice:
    """Choose one layer's placement from the fired rules and the candidates' monthly costs.

    The costs are under the profile's purchase terms (``terms``, e.g. "1-year Savings Plans";
    empty for on demand), so a commitment or Spot can change the ranking; the cost reason says so.
    """
    fired = [f for f in trace if f.fired and f.layer == layer]
    excluded = _exclusions(fired, extra_exclusions or {})
    feasible = [p for p in candidates if p not in excluded]
    scores = _rule_scores(feasible, fired)
    priced = {p: float(cost) for p in feasible if costs and (cost := costs.get(p)) is not None}
    cheapest = min(priced.values(), default=None)
    # A candidate the catalog cannot price is taken to cost as much as the dearest that it
    # can: an unknown price must never look like a saving.
    dearest = max(priced.values(), default=None)
    adjusted = {p: s - cost_penalty(priced.get(p, dearest), cheapest) for p, s in scores.items()}
    order = {p: i for i, p in enumerate(candidates)}
    ranking = sorted(adjusted.items(), key=lambda ps: (-ps[1], order[ps[0]]))
    chosen = ranking[0][0] if ranking else None
    warnings, others = _warnings(fired, chosen)
    if chosen is None:
        warnings.append(
            "Every candidate placement is ruled out by a hard limit; this workload "
            "needs a redesign before it can be placed."
        )
        nothing = Firing(
            rule=FIT_RULE_ID,
            layer=layer,
            title="Nothing fits",
            fired=True,
            effect="fit",
            weights={"none": 0.0},
            values={},
            source=FIT_SOURCE,
            text="No candidate fits: " + _ruled_out(excluded) + ". Change the design "
            "(make long calls asynchronous, cut the memory or the payload) and assess again.",
        )
        return Choice("none", (("none", 0.0),), (nothing,), tuple(excluded.items()), tuple(warnings), ())
    reasons = _reasons(layer, chosen, fired, priced, excluded, catalog, terms)
    shown = tuple((p, s) for p, s in ranking if p == chosen or scores[p] > 0)
    return Choice(chosen, shown, reasons, tuple(excluded.items()), tuple(warnings), tuple(others))


def cost_penalty(cost: float | None, cheapest: float | None) -> float:
    """Score lost for costing more than the cheapest feasible candidate (0 for the cheapest)."""
    if cost is None or cheapest is None or cost <= cheapest:
        return 0.0
    ratio = cost / cheapest if cheapest > 0 else 2**10
    materiality = min(1.0, (cost - cheapest) / MATERIAL_MONTHLY_USD)
    return COST_WEIGHT_PER_DOUBLING * math.log2(ratio) * materiality


def _exclusions(fired: list[Firing], extra: dict[str, Firing]) -> dict[str, Firing]:
    excluded: dict[str, Firing] = {}
    for firing in fired:
        if firing.effect == "exclude":
            for placement in firing.weights:
                excluded.setdefault(placement, firing)
    for placement, firing in extra.items():
        excluded.setdefault(placement, firing)
    return excluded


def _rule_scores(feasible: list[str], fired: list[Firing]) -> dict[str, float]:
    scores = {p: 0.0 for p in feasible}
    for firing in fired:
        sign = {"prefer": 1.0, "penalise": -1.0}.get(firing.effect)
        if sign is None:
            continue
        for placement, weight in firing.weights.items():
            if placement in scores:
                scores[placement] += sign * weight
    return scores


def _warnings(fired: list[Firing], chosen: str | None) -> tuple[list[str], list[str]]:
    """Warnings about the chosen placement, and those about alternatives, marked so."""
    mine, others = [], []
    for firing in fired:
        if firing.effect != "warn":
            continue
        if not firing.about or chosen in firing.about:
            mine.append(firing.text)
        else:
            names = " or ".join(label(p) for p in firing.about)
            others.append(f"If {names} were chosen instead: {firing.text}")
    return mine, others


def _reasons(
    layer: str,
    chosen: str,
    fired: list[Firing],
    priced: dict[str, float],
    excluded: dict[str, Firing],
    catalog: str | None,
    terms: str = "",
) -> tuple[Firing, ...]:
    preferred = sorted(
        (f for f in fired if f.effect == "prefer" and chosen in f.weights), key=lambda f: -f.weights[chosen]
    )
    reasons = list(preferred)
    # Choosing nothing costs nothing: its rule says why, a price comparison adds no news.
    cost = (
        None
        if chosen == "none" and preferred
        else _cost_reason(layer, chosen, preferred, priced, catalog, terms)
    )
    if cost is not None:
        reasons.append(cost)
    if not reasons:
        reasons.append(_fit_reason(layer, chosen, excluded))
    return tuple(reasons)


def _cost_reason(
    layer: str,
    chosen: str,
    preferred: list[Firing],
    priced: dict[str, float],
    catalog: str | None,
    terms: str = "",
) -> Firing | None:
    if chosen not in priced:
        return None
    mine = priced[chosen]
    others = {p: c for p, c in priced.items() if p != chosen}
    values = {"monthly_cost": round(mine, 2)}
    if not others:
        return None
    cheapest = min(others, key=lambda p: (others[p], p))
    if mine == others[cheapest]:
        text = (
            f"As cheap as any of the {len(priced)} placements that fit: ${mine:,.2f} a month, "
            f"the same as {label(cheapest)}."
        )
        title = "Cheapest placement that fits"
        values["next_cheapest_monthly_cost"] = round(others[cheapest], 2)
    elif mine < others[cheapest]:
        text = (
            f"The cheapest of the {len(priced)} placements that fit: ${mine:,.2f} a month, "
            f"against ${others[cheapest]:,.2f} for {label(cheapest)}, the next cheapest."
        )
        title = "Cheapest placement that fits"
        values["next_cheapest_monthly_cost"] = round(others[cheapest], 2)
    else:
        premium = mine - others[cheapest]
        # Price comparisons (the break-even rules) are not what a premium buys.
        qualities = [f.title.lower() for f in preferred if "prices_known" not in f.values][:3]
        if premium < MATERIAL_MONTHLY_USD or not qualities:
            why = (
                f"the difference is under ${MATERIAL_MONTHLY_USD:,.0f} a month, too small to "
                f"overrule the rules above" + (f" ({'; '.join(qualities)})" if qualities else "")
            )
        else:
            why = f"the premium buys what the rules weigh for this workload: {'; '.join(qualities)}"
        text = (
            f"{label(cheapest)} would cost ${others[cheapest]:,.2f} a month, "
            f"${premium:,.2f} less than {label(chosen)} (${mine:,.2f}); {why}."
        )
        title = "A dearer placement, and what the premium buys"
        values.update(
            cheaper_monthly_cost=round(others[cheapest], 2), premium_monthly=round(mine - others[cheapest], 2)
        )
    if terms:
        text = text.removesuffix(".") + f" (each priced with {terms})."
    return Firing(
        rule=COST_RULE_ID,
        layer=layer,
        title=title,
        fired=True,
        effect="cost",
        weights={chosen: 0.0},
        values=values,
        text=text,
        source=COST_SOURCE.format(catalog=_catalog_words(catalog)),
    )


def _catalog_words(catalog: str | None) -> str:
    """'us-east-1@2026-11-30' as a reader says it: 'us-east-1 (read 2026-11-30)'."""
    region, _, read_on = (catalog or "").partition("@")
    return f"{region} (read {read_on})" if read_on else (catalog or "")


def _ruled_out(excluded: dict[str, Firing]) -> str:
    return ", ".join(f"{label(p)} ({f.title.lower()})" for p, f in excluded.items())


def _fit_reason(layer: str, chosen: str, excluded: dict[str, Firing]) -> Firing:
    if excluded:
        text = (
            f"{label(chosen)} is the best candidate that fits once the others are ruled out: "
            f"{_ruled_out(excluded)}."
        )
    else:
        text = f"{label(chosen)} is the matrix's first candidate for this layer; no rule preferred another."
    return Firing(
        rule=FIT_RULE_ID,
        layer=layer,
        title="Best remaining fit",
        fired=True,
        effect="fit",
        weights={chosen: 0.0},
        values={},
        text=text,
        source=FIT_SOURCE,
    )
