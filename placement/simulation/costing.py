"""Monthly cost per simulated path, from the price catalog.

Costs come through ``placement.costs.cost_of`` (priced at the path's own
monthly volume) and ``placement.costs.fleet_cost`` (for the fleet hours that
autoscaling produced), both under the profile's terms, never from rates written here. Pricing is a Python
call, so it is not made once per path: each chunk prices a few nodes spanning
its paths' usage and interpolates. Every cost used here is monotone and
piecewise linear in its usage, so the nodes carry it exactly except across a
tier boundary or a rounded provisioned-concurrency step between two nodes.

The volume a function is priced at is the requests it served: Lambda refuses a
throttled invocation before it runs, so it bills neither the request nor its
GB-seconds (``engine._served``). The whole layer is priced at that volume.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from placement import sizing
from placement.costs import cost_of, fleet_cost, front_door_cost
from placement.facts import DAYS_PER_MONTH, Facts, derive_facts
from placement.pricing import Catalog
from placement.profile import WorkloadProfile

if TYPE_CHECKING:
    from placement.simulation.engine import Target

PRICE_NODES = 9  # usage levels priced per chunk and placement


class Pricer:
    """Monthly cost per path from the catalog, through ``cost_of`` and ``fleet_cost``."""

    def __init__(self, p: WorkloadProfile, f: Facts, catalog: Catalog, days: int):
        self.p, self.f, self.catalog, self.days = p, f, catalog, days

    def cost(self, t: Target, volume: np.ndarray, usage: dict[str, Any]) -> np.ndarray:
        if t.kind == "fixed":  # sized for the peak, billed whatever the traffic does
            return np.full(len(volume), t.deterministic_cost)
        if t.kind == "autoscaled":
            fleet = self._fleet(t, usage["task_minutes"] / 60 * DAYS_PER_MONTH / self.days)
            return cast(np.ndarray, fleet + self._front_door(t, volume))  # numpy types the sum Any
        return self._by_volume(t, volume)

    def _front_door(self, t: Target, volume: np.ndarray) -> np.ndarray:
        """The load balancer (or other door) in front of a fleet, at the path's own volume."""
        if t.layer != "nerves":
            return np.zeros(len(volume))

        def price(requests: float) -> float:
            q = dataclasses.replace(self.p, requests_per_day=requests / self.days)
            return float(front_door_cost(t.placement, q, derive_facts(q), self.catalog))

        return price_curve(volume, price)

    def _by_volume(self, t: Target, volume: np.ndarray) -> np.ndarray:
        """``cost_of`` for a profile whose requests per day are the path's own."""

        def price(requests: float) -> float | Decimal:  # price_curve takes it as a float
            q = dataclasses.replace(self.p, requests_per_day=requests / self.days)
            total = cost_of(t.layer, t.placement, q, derive_facts(q), self.catalog).total
            return t.deterministic_cost if total is None else total

        return price_curve(volume, price)

    def _fleet(self, t: Target, task_hours: np.ndarray) -> np.ndarray:
        """The task-hours autoscaling produced, priced as ``costs`` prices the sized fleet."""
        fleet = sizing.nerves_fleet(self.p, self.f)
        # Under the profile's terms (its Savings Plan or Spot), as costs prices the sized fleet.
        return price_curve(
            task_hours, lambda h: fleet_cost(t.placement, fleet, h, self.p, self.f, self.catalog)
        )


def price_curve(usage: np.ndarray, price: Callable[[float], Any]) -> np.ndarray:
    """``price`` of every path's usage, from ``PRICE_NODES`` priced levels spanning them.

    Prices are monotone and piecewise linear in usage, so linear interpolation
    between priced nodes is exact within a linear piece (to the cent rounding).
    """
    nodes = np.unique(np.quantile(usage, np.linspace(0, 1, PRICE_NODES)))
    values = np.array([float(price(float(x))) for x in nodes])
    if len(nodes) == 1:
        return np.full(len(usage), values[0])
    return cast(np.ndarray, np.interp(usage, nodes, values))  # numpy types it Any
