"""The money view of an advice: the recommended split's bill against today's and
against "everything on containers", and the four calculators."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from placement import sizing
from placement.calculators import (BreakEven, Hardware, Payback, Repatriation, cached_break_even,
                                   refactoring_payback, repatriation_roi, tco)
from placement.costs import COMMON_ASSUMPTIONS, PlacementCost
from placement.facts import Facts
from placement.placements import LAYER_NAMES
from placement.pricing import Catalog
from placement.profile import WorkloadProfile

HOSTED_BRAINS = ("bedrock", "hosted_api", "none")
TOKEN_LINE_PREFIXES = ("Bedrock:", "Model API:")
# A modest server for CPU-only work, when no GPU is involved.
CPU_SERVER = Hardware(server_price=12_000.0, gpus_per_server=1, power_kw=0.45,
                      colocation_per_server=200.0, ops_hours_per_server=4.0)


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

    @property
    def total(self) -> Decimal:
        """The priced layers of the split; ``unpriced_layers`` names any left out."""
        return sum((c.total for c in self.split_costs.values() if c.total is not None), Decimal("0.00"))

    @property
    def unpriced_layers(self) -> list[str]:
        return [layer for layer, c in self.split_costs.items() if c.total is None]

    def to_dict(self) -> dict:
        total = self.total
        one_off = self.payback.refactor_cost if self.payback else 0.0
        return {
            "monthly_cost": {
                "total": float(total), "currency": "USD",
                "complete": not self.unpriced_layers, "unpriced_layers": self.unpriced_layers,
                "headline": headline(total, self.unpriced_layers),
                "common_assumptions": list(COMMON_ASSUMPTIONS),
                "lines": [{"layer": layer, "placement": cost.placement, **line.to_dict()}
                          for layer, cost in self.split_costs.items() for line in cost.lines],
                "assumptions": {layer: list(c.assumptions) for layer, c in self.split_costs.items()},
            },
            "comparison": {
                "recommended": float(total),
                "containers": None if self.containers_total is None else float(self.containers_total),
                "containers_split": self.containers,
                "current": self.current,
            },
            "break_even": self.break_even.to_dict(),
            "payback": None if self.payback is None else {**self.payback.to_dict(), "basis": self.payback_basis},
            "repatriation": self.repatriation.to_dict(),
            "tco": {"horizon_months": self.horizon_months,
                    "recommended": tco(monthly=total, horizon_months=self.horizon_months, one_off=one_off),
                    "containers": tco(monthly=self.containers_total, horizon_months=self.horizon_months),
                    "current": tco(monthly=self.current, horizon_months=self.horizon_months)},
        }


def headline(total: Decimal, unpriced_layers: list[str]) -> str:
    """The month's bill in one line: complete, or saying loudly which layers it leaves out."""
    if not unpriced_layers:
        return f"${total:,.2f} a month"
    names = " and ".join(LAYER_NAMES[layer] for layer in unpriced_layers)
    verb = "is" if len(unpriced_layers) == 1 else "are"
    return (f"INCOMPLETE: ${total:,.2f} a month without {names}, which {verb} not priced; "
            f"the real bill is higher")


def economics(p: WorkloadProfile, f: Facts, catalog: Catalog, split: dict[str, str],
              costs: dict[str, dict[str, PlacementCost]], wait_sweep: bool = True) -> Economics:
    # A layer where nothing fits ("none" outside its candidates) is unpriced, and says why.
    split_costs = {layer: costs[layer].get(placement) or PlacementCost(
                       layer, placement, None, assumptions=("No placement fits this layer's hard limits.",))
                   for layer, placement in split.items()}
    containers = containers_split(f, split)
    containers_total = _containers_total(costs, containers, split_costs)
    recommended = sum((c.total for c in split_costs.values() if c.total is not None), Decimal(0))
    payback, basis = _payback(p, recommended, containers_total)
    return Economics(split=split, split_costs=split_costs, containers=containers,
                     containers_total=containers_total, current=p.current_monthly_cost,
                     break_even=cached_break_even(p, catalog, sweep_wait=wait_sweep), payback=payback, payback_basis=basis,
                     repatriation=_repatriation(p, f, split_costs, catalog), horizon_months=p.horizon_months)


def containers_split(f: Facts, split: dict[str, str]) -> dict[str, str]:
    """The same workload with every part that can run in containers on containers."""
    return {
        "nerves": "fargate",
        "brain": split["brain"] if split["brain"] in HOSTED_BRAINS else "ecs_ec2",
        "memory": "ecs_ec2" if f.context_gb > 0 else split["memory"],
    }


def _containers_total(costs: dict, containers: dict[str, str],
                      split_costs: dict[str, PlacementCost]) -> Decimal | None:
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


def _payback(p: WorkloadProfile, recommended: Decimal,
             containers_total: Decimal | None) -> tuple[Payback | None, str]:
    if p.current_monthly_cost is not None:
        saving, basis = p.current_monthly_cost - float(recommended), "today's bill"
    elif containers_total is not None:
        saving, basis = float(containers_total - recommended), "everything on containers"
    else:
        return None, ""
    return refactoring_payback(refactor_hours=p.refactor_hours, hourly_rate=p.hourly_rate,
                               monthly_saving=round(saving, 2)), basis


def _repatriation(p: WorkloadProfile, f: Facts, split_costs: dict[str, PlacementCost],
                  catalog: Catalog) -> Repatriation:
    """Owned servers against the cloud compute they would replace (tokens bought either way)."""
    compute = sum((line.amount for c in split_costs.values() for line in c.lines
                   if not line.name.startswith(TOKEN_LINE_PREFIXES)), Decimal(0))
    gpus = 0
    if f.gpu_needed and (instance := sizing.gpu_instance(f.model_memory_gb, catalog)):
        gpus = sizing.inference_servers(p, f, sizing.STREAMS_PER_GPU_SERVER) * instance.gpus
    hardware = Hardware(hourly_rate=p.hourly_rate) if gpus else \
        Hardware(**{**CPU_SERVER.__dict__, "hourly_rate": p.hourly_rate})
    return repatriation_roi(cloud_monthly=float(compute), gpus=gpus,
                            horizon_months=p.horizon_months, hardware=hardware)
