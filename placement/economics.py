"""The money view of an advice: the recommended split's bill against today's and
against "everything on containers", and the four calculators."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from placement import commitments, jobs, sizing
from placement.calculators import (
    BreakEven,
    Hardware,
    Payback,
    Repatriation,
    cached_break_even,
    refactoring_payback,
    repatriation_roi,
    tco,
)
from placement.costs import COMMON_ASSUMPTIONS, PlacementCost
from placement.facts import Facts
from placement.levers import Lever, LeverSource
from placement.placements import LAYER_NAMES, label
from placement.pricing import Catalog
from placement.profile import WorkloadProfile

HOSTED_BRAINS = ("bedrock", "bedrock_batch", "hosted_api", "none")
# A purchase option saving less than this a month is not worth a lever.
MIN_LEVER_SAVING = Decimal("1.00")
TOKEN_LINE_PREFIXES = ("Bedrock:", "Model API:")
# A modest server for CPU-only work, when no GPU is involved.
CPU_SERVER = Hardware(
    server_price=12_000.0,
    gpus_per_server=1,
    power_kw=0.45,
    colocation_per_server=200.0,
    ops_hours_per_server=4.0,
)


@dataclass(frozen=True)
class Economics:
    split: dict[str, str]
    split_costs: dict[str, PlacementCost]
    containers: dict[str, str]
    containers_total: Decimal | None
    current: float | None
    break_even: BreakEven
    payback: Payback | None
    payback_basis: str
    repatriation: Repatriation
    horizon_months: int
    profile: WorkloadProfile | None = None  # for a one-off job's total (placement/jobs.py)

    @property
    def total(self) -> Decimal:
        """The priced layers of the split; ``unpriced_layers`` names any left out."""
        return sum((c.total for c in self.split_costs.values() if c.total is not None), Decimal("0.00"))

    @property
    def unpriced_layers(self) -> list[str]:
        return [layer for layer, c in self.split_costs.items() if c.total is None]

    @property
    def on_demand_total(self) -> Decimal:
        """The same priced layers bought on demand (``total`` is under the profile's terms)."""
        return sum(
            (
                c.on_demand_total if c.on_demand_total is not None else c.total
                for c in self.split_costs.values()
                if c.total is not None
            ),
            Decimal("0.00"),
        )

    def commitment(self) -> dict[str, Any]:
        """``monthly_cost["commitment"]``: the terms, the month under them and on demand, per layer."""
        p = self.profile
        total, on_demand = self.total, self.on_demand_total
        return {
            "term": p.commitment if p else "none",
            "spot_allowed": bool(p and p.spot_allowed),
            "label": commitments.terms_label(p) if p else "On demand",
            "total": float(total),
            "on_demand_total": float(on_demand),
            "saving": float(on_demand - total),
            "by_layer": {
                layer: commitments.layer_terms(c.placement, c.terms, c.on_demand_total, c.total)
                for layer, c in self.split_costs.items()
                if c.total is not None
            },
        }

    def commitment_levers(self) -> tuple[Lever, ...]:
        """What the purchase options not chosen would save on the split, one lever per layer and kind."""
        if self.profile is None:
            return ()
        return tuple(
            lever
            for layer, cost in self.split_costs.items()
            for lever in _commitment_levers(self.profile, layer, cost)
        )

    def to_dict(self) -> dict[str, Any]:
        total = self.total
        one_off = self.payback.refactor_cost if self.payback else 0.0
        month = headline(
            total,
            self.unpriced_layers,
            self.on_demand_total,
            commitments.terms_label(self.profile)
            if self.profile and commitments.committed(self.profile)
            else "",
        )
        job = self._job(total)
        money = {
            "monthly_cost": {
                "total": float(total),
                "currency": "USD",
                "complete": not self.unpriced_layers,
                "unpriced_layers": self.unpriced_layers,
                # A one-off job's headline is its total; the month while it runs stays beside it.
                "headline": job["headline"] if job else month,
                "monthly_headline": month,
                "commitment": self.commitment(),
                "job": job,
                "common_assumptions": list(COMMON_ASSUMPTIONS),
                "lines": [
                    {"layer": layer, "placement": cost.placement, **line.to_dict()}
                    for layer, cost in self.split_costs.items()
                    for line in cost.lines
                ],
                "assumptions": {layer: list(c.assumptions) for layer, c in self.split_costs.items()},
            },
            "comparison": {
                "recommended": float(total),
                "containers": None if self.containers_total is None else float(self.containers_total),
                "containers_split": self.containers,
                "current": self.current,
            },
            "break_even": self.break_even.to_dict(),
            "payback": None
            if self.payback is None
            else {**self.payback.to_dict(), "basis": self.payback_basis},
            "repatriation": self.repatriation.to_dict(),
            "tco": {
                "horizon_months": self.horizon_months,
                "recommended": tco(monthly=total, horizon_months=self.horizon_months, one_off=one_off),
                "containers": tco(monthly=self.containers_total, horizon_months=self.horizon_months),
                "current": tco(monthly=self.current, horizon_months=self.horizon_months),
            },
        }
        # A one-off job: break-even, payback, repatriation and TCO over months do not apply.
        return jobs.without_monthly_horizon(
            money, jobs.monthly_horizon_reasons(self.profile, total) if self.profile else {}
        )

    def _job(self, total: Decimal) -> dict[str, Any] | None:
        """``monthly_cost["job"]``: a one-off job priced as a total; None for a continuing workload."""
        names = [LAYER_NAMES[layer] for layer in self.unpriced_layers]
        summary = jobs.job_summary(self.profile, total, names) if self.profile else None
        return None if summary is None else summary.to_dict()


def headline(
    total: Decimal, unpriced_layers: list[str], on_demand: Decimal | None = None, terms: str = ""
) -> str:
    """The month's bill in one line, under the profile's terms (``terms``, e.g. "1-year Savings
    Plans") with the on-demand bill beside it; complete, or saying loudly which layers it leaves out."""
    month = f"${total:,.2f} a month"
    if terms and on_demand is not None and on_demand > total:
        month += f" with {terms} (${on_demand:,.2f} on demand)"
    elif terms:
        month += f" on demand ({terms}: no Savings Plan or Spot applies to this split)"
    if not unpriced_layers:
        return month
    names = " and ".join(LAYER_NAMES[layer] for layer in unpriced_layers)
    verb = "is" if len(unpriced_layers) == 1 else "are"
    return f"INCOMPLETE: {month} without {names}, which {verb} not priced; the real bill is higher"


def economics(
    p: WorkloadProfile,
    f: Facts,
    catalog: Catalog,
    split: dict[str, str],
    costs: dict[str, dict[str, PlacementCost]],
    wait_sweep: bool = True,
) -> Economics:
    # A layer where nothing fits ("none" outside its candidates) is unpriced, and says why.
    split_costs = {
        layer: costs[layer].get(placement)
        or PlacementCost(layer, placement, None, assumptions=("No placement fits this layer's hard limits.",))
        for layer, placement in split.items()
    }
    containers = containers_split(f, split)
    containers_total = _containers_total(costs, containers, split_costs)
    recommended = sum((c.total for c in split_costs.values() if c.total is not None), Decimal(0))
    payback, basis = _payback(p, recommended, containers_total)
    return Economics(
        split=split,
        split_costs=split_costs,
        containers=containers,
        containers_total=containers_total,
        current=p.current_monthly_cost,
        break_even=cached_break_even(p, catalog, sweep_wait=wait_sweep),
        payback=payback,
        payback_basis=basis,
        repatriation=_repatriation(p, f, split_costs, catalog),
        horizon_months=p.horizon_months,
        profile=p,
    )


def _commitment_levers(p: WorkloadProfile, layer: str, cost: PlacementCost) -> list[Lever]:
    """A layer's best Savings Plan option and its Spot option, where cheaper than its terms."""
    if cost.total is None:
        return []
    main = max(cost.terms, key=lambda a: a.on_demand, default=None)
    if main is None:
        return []
    best: dict[str, tuple[str, Decimal]] = {}
    for purchase, amount in cost.options:
        kind = "spot" if purchase == "spot" else "savings_plans"
        saving = cost.total - amount
        if saving >= MIN_LEVER_SAVING and saving > best.get(kind, ("", Decimal(0)))[1]:
            best[kind] = (purchase, saving)
    levers = []
    for kind, (purchase, saving) in best.items():
        rate = main.rate_of(purchase)
        if rate is not None:
            levers.append(_commitment_lever(p, layer, cost, kind, purchase, saving, main, rate))
    return levers


def _commitment_lever(
    p: WorkloadProfile,
    layer: str,
    cost: PlacementCost,
    kind: str,
    purchase: str,
    saving: Decimal,
    main: commitments.Applied,
    rate: commitments.Rate,
) -> Lever:
    layer_name = LAYER_NAMES[layer].split(" (")[0]
    possessive = "'" if layer_name.endswith("s") else "'s"
    where = f"{layer_name}{possessive} {label(cost.placement)}"
    plan = commitments.plan_label(main.service, purchase)
    if kind == "spot":
        title = "Spot"
        text = (
            f"Spot would save about ${saving:,.2f} a month on the {where}: {plan} at "
            f"{rate.discount:.0%} off (grade {rate.confidence}), for work that tolerates an "
            f"interruption with two minutes' notice."
        )
    else:
        words = commitments.TERM_WORDS[commitments.TERM_OF[purchase]]
        title = f"{words.capitalize()} Savings Plans"
        text = (
            f"{words.capitalize()} Savings Plans would save about ${saving:,.2f} a month on the "
            f"{where}: a {plan} at {rate.discount:.0%} off (grade {rate.confidence}), sized to the "
            f"steady baseline."
        )
    return Lever(
        id=kind,
        layer=layer,
        title=title,
        text=text,
        monthly_saving=saving.quantize(Decimal("0.01")),
        source=LeverSource(rate.url, rate.title, rate.read_on),
    )


def containers_split(f: Facts, split: dict[str, str]) -> dict[str, str]:
    """The same workload with every part that can run in containers on containers."""
    return {
        "nerves": "fargate",
        "brain": split["brain"] if split["brain"] in HOSTED_BRAINS else "ecs_ec2",
        "memory": "ecs_ec2" if f.context_gb > 0 else split["memory"],
    }


def _containers_total(
    costs: dict[str, Any], containers: dict[str, str], split_costs: dict[str, PlacementCost]
) -> Decimal | None:
    """Containers priced over the same layers as the split, or None if they cannot be."""
    total = Decimal("0.00")
    for layer, placement in containers.items():
        if split_costs[layer].total is None:
            continue  # left out of both sides alike
        amount = costs[layer][placement].total
        if amount is None:
            return None
        total += amount
    return total


def _payback(
    p: WorkloadProfile, recommended: Decimal, containers_total: Decimal | None
) -> tuple[Payback | None, str]:
    if p.current_monthly_cost is not None:
        saving, basis = p.current_monthly_cost - float(recommended), "today's bill"
    elif containers_total is not None:
        saving, basis = float(containers_total - recommended), "everything on containers"
    else:
        return None, ""
    return refactoring_payback(
        refactor_hours=p.refactor_hours, hourly_rate=p.hourly_rate, monthly_saving=round(saving, 2)
    ), basis


def _repatriation(
    p: WorkloadProfile, f: Facts, split_costs: dict[str, PlacementCost], catalog: Catalog
) -> Repatriation:
    """Owned servers against the cloud compute they would replace (tokens bought either way)."""
    compute = sum(
        (
            line.amount
            for c in split_costs.values()
            for line in c.lines
            if not line.name.startswith(TOKEN_LINE_PREFIXES)
        ),
        Decimal(0),
    )
    gpus = 0
    if f.gpu_needed:  # the GPUs of the sized fleet: its instances, each with all its GPUs
        plan = sizing.gpu_serving(p, f, "ec2", catalog)
        gpus = plan.replicas * plan.engine.spec.accelerators if plan.fits and plan.engine else 0
    hardware = (
        Hardware(hourly_rate=p.hourly_rate)
        if gpus
        else Hardware(**{**CPU_SERVER.__dict__, "hourly_rate": p.hourly_rate})
    )
    return repatriation_roi(
        cloud_monthly=float(compute), gpus=gpus, horizon_months=p.horizon_months, hardware=hardware
    )
