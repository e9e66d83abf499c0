"""Break-even, refactoring payback, repatriation ROI and TCO.

Each calculator is a pure function of a profile, the catalog and explicit
assumptions, and returns the series a chart needs along with the headline.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol, TypeVar, cast

from placement import commitments
from placement.constants import MATRIX_CONSTANTS
from placement.costs import monthly_total
from placement.facts import HOURS_PER_MONTH, Facts, derive_facts
from placement.pricing import Catalog
from placement.profile import WorkloadProfile, varied

T = TypeVar("T")
RULE_OF_THUMB_UTILIZATION = MATRIX_CONSTANTS["utilization_threshold"]  # "the 15% rule"
SWEEP_WAIT_FRACTIONS = (0.0, 0.25, 0.5, 0.75, 0.9)
MAX_REQUESTS_PER_DAY = 1e9


# -- break-even -------------------------------------------------------------------------


@dataclass(frozen=True)
class BreakEven:
    layer: str
    serverless: str
    provisioned: str
    requests_per_day: float | None  # None: one side is cheaper over the whole range
    utilization: float | None
    cheaper_below: str  # what wins under the break-even (or everywhere, when there is none)
    rule_of_thumb: float
    curve: tuple[tuple[float, float | None, float | None], ...]  # (requests/day, serverless, provisioned)
    # The break-even at other wait fractions; None unless asked for (see wait_sweep).
    by_wait_fraction: tuple[tuple[float, float | None], ...] | None = None
    # The purchase terms both sides are priced under (the profile's commitment and Spot).
    terms: str = "On demand"

    def to_dict(self) -> dict[str, Any]:
        # Numbers, strings and tuples of numbers: a copy serialises exactly as asdict's
        # deep copy would, at a fifth of its cost on a 30-point curve.
        return dict(self.__dict__)


def break_even(
    p: WorkloadProfile,
    catalog: Catalog,
    layer: str = "nerves",
    serverless: str = "lambda",
    provisioned: str = "fargate",
    sweep_wait: bool = False,
) -> BreakEven:
    """Where serverless and provisioned capacity cost the same for this profile's shape.

    ``sweep_wait`` adds the break-even at each of SWEEP_WAIT_FRACTIONS, which
    costs four times the search itself: five more crossings.
    """
    prices = _ShapePrices(p, catalog, layer)
    gap = prices.gap(serverless, provisioned)
    crossing = _crossing(gap)
    # The curve's points are the scan's grid, so most of them are priced already.
    curve = tuple(
        (rpd, prices.monthly(serverless, rpd), prices.monthly(provisioned, rpd))
        for rpd in _grid(max(p.requests_per_day, crossing or 0))
    )
    utilization = None
    if crossing is not None:
        utilization = derive_facts(varied(p, requests_per_day=crossing)).utilization
    low_gap = gap(1.0)
    cheaper_below = serverless if low_gap is None or low_gap <= 0 else provisioned
    return BreakEven(
        layer,
        serverless,
        provisioned,
        crossing,
        utilization,
        cheaper_below,
        RULE_OF_THUMB_UTILIZATION,
        curve,
        _wait_sweep(gap) if sweep_wait else None,
        commitments.terms_label(p),
    )


def wait_sweep(
    p: WorkloadProfile,
    catalog: Catalog,
    layer: str = "nerves",
    serverless: str = "lambda",
    provisioned: str = "fargate",
) -> tuple[tuple[float, float | None], ...]:
    """The break-even at each of SWEEP_WAIT_FRACTIONS: how far waiting on APIs moves it."""
    return _wait_sweep(_ShapePrices(p, catalog, layer).gap(serverless, provisioned))


def _wait_sweep(gap: Gap) -> tuple[tuple[float, float | None], ...]:
    def at(w: float) -> Callable[[float], float | None]:
        return lambda rpd: gap(rpd, w)

    return tuple((w, _crossing(at(w))) for w in SWEEP_WAIT_FRACTIONS)


class Gap(Protocol):
    """gap(rpd, wait=None): serverless minus provisioned monthly cost, None if either is unpriced."""

    def __call__(self, rpd: float, wait: float | None = None) -> float | None: ...


class _ShapePrices:
    """Monthly cost of one layer's placement for a profile moved to another volume and wait.

    Each point is priced once: a search comes back to the points it scanned (the
    bisection starts from one, the curve redraws them, the sweep repeats the
    profile's own wait).
    """

    def __init__(self, p: WorkloadProfile, catalog: Catalog, layer: str):
        self.p, self.catalog, self.layer = p, catalog, layer
        self._known: dict[tuple[str, float, float], float | None] = {}
        # Both sides of a gap are priced at the same point: its profile and facts are derived once.
        self._points: dict[tuple[float, float], tuple[WorkloadProfile, Facts]] = {}

    def monthly(self, placement: str, rpd: float, wait: float | None = None) -> float | None:
        wait = self.p.wait_fraction if wait is None else wait
        key = (placement, rpd, wait)
        if key not in self._known:
            profile, facts = self._point(rpd, wait)
            total = monthly_total(self.layer, placement, profile, facts, self.catalog)
            self._known[key] = None if total is None else float(total)
        return self._known[key]

    def _point(self, rpd: float, wait: float) -> tuple[WorkloadProfile, Facts]:
        try:
            return self._points[rpd, wait]
        except KeyError:
            profile = varied(self.p, requests_per_day=rpd, wait_fraction=wait)
            point = self._points[rpd, wait] = (profile, derive_facts(profile))
            return point

    def gap(self, serverless: str, provisioned: str) -> Gap:
        """gap(rpd, wait=None): serverless minus provisioned monthly cost, None if either is unpriced."""

        def gap(rpd: float, wait: float | None = None) -> float | None:
            a, b = self.monthly(serverless, rpd, wait), self.monthly(provisioned, rpd, wait)
            return None if a is None or b is None else a - b

        return gap


def _crossing(gap: Callable[[float], float | None]) -> float | None:
    """The request rate where the cost gap changes sign, by bisection on a log scale."""
    grid = [10 ** (k / 4) for k in range(0, 37)]  # 1 to 1e9 requests a day
    previous = None
    for rpd in grid:
        g = gap(rpd)
        if g is None:
            return None
        if previous is not None and (previous[1] <= 0) != (g <= 0):
            return _bisect(gap, previous[0], rpd)
        previous = (rpd, g)
    return None


def _bisect(gap: Callable[[float], float | None], low: float, high: float) -> float:
    # Both ends are priced: the scan found the sign change between them.
    low_sign = cast(float, gap(low)) <= 0
    # Grid points are a factor 1.78 apart: 16 halvings of the log interval
    # pin the crossing to within 0.001%.
    for _ in range(16):
        mid = math.sqrt(low * high)
        if (cast(float, gap(mid)) <= 0) == low_sign:
            low = mid
        else:
            high = mid
    return round(math.sqrt(low * high), 1)


def _grid(reach: float) -> list[float]:
    """Request rates for a curve: from 1 a day to ten times ``reach``, four points a decade."""
    top = max(reach * 10, 1000)
    points = {10 ** (k / 4) for k in range(0, int(4 * math.log10(top)) + 1)}
    return sorted(p for p in points if p <= MAX_REQUESTS_PER_DAY)


# -- refactoring payback ----------------------------------------------------------------


@dataclass(frozen=True)
class Payback:
    refactor_cost: float
    monthly_saving: float
    months: float | None  # None: no saving to repay it

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def refactoring_payback(*, refactor_hours: float, hourly_rate: float, monthly_saving: float) -> Payback:
    """Months until the monthly saving repays refactor_hours x hourly_rate."""
    cost = refactor_hours * hourly_rate
    months = cost / monthly_saving if monthly_saving > 0 else None
    return Payback(cost, monthly_saving, 0.0 if cost == 0 and monthly_saving > 0 else months)


# -- repatriation --------------------------------------------------------------------------


@dataclass(frozen=True)
class Hardware:
    """Owning servers: each default is an assumption the user can edit."""

    server_price: float = 45_000.0  # a 4-GPU inference server (L4/L40S class), with networking
    gpus_per_server: int = 4
    lifetime_months: int = 48  # refreshed after this
    power_kw: float = 1.8  # per server under load
    power_price_kwh: float = 0.12
    pue: float = 1.5  # cooling and distribution on top of IT load
    colocation_per_server: float = 350.0  # rack space, a month
    ops_hours_per_server: float = 6.0  # patching, failures, a month
    hourly_rate: float = 100.0

    def monthly_opex(self, servers: int) -> float:
        power = self.power_kw * self.pue * HOURS_PER_MONTH * self.power_price_kwh
        return servers * (power + self.colocation_per_server + self.ops_hours_per_server * self.hourly_rate)


@dataclass(frozen=True)
class Repatriation:
    gpus: int
    servers: int
    cloud_monthly: float
    owned_monthly_opex: float
    capex: float
    cumulative_cloud: tuple[float, ...]
    cumulative_owned: tuple[float, ...]
    crossover_month: int | None  # first month owning has cost no more than the cloud
    hardware: Hardware

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "hardware": dict(self.hardware.__dict__)}


def repatriation_roi(
    *, cloud_monthly: float, gpus: int, horizon_months: int, hardware: Hardware = Hardware()
) -> Repatriation:
    """Cumulative cloud spend against owned hardware (capex up front, refreshed at end of life)."""
    # Without GPUs the comparison is one CPU server against the cloud compute.
    servers = max(1, math.ceil(gpus / hardware.gpus_per_server))
    opex = hardware.monthly_opex(servers)
    capex = servers * hardware.server_price
    cloud, owned, crossover = [], [], None
    for month in range(1, horizon_months + 1):
        refreshes = math.ceil(month / hardware.lifetime_months)
        cloud.append(round(cloud_monthly * month, 2))
        owned.append(round(capex * refreshes + opex * month, 2))
        if crossover is None and owned[-1] <= cloud[-1]:
            crossover = month
    return Repatriation(
        gpus, servers, cloud_monthly, round(opex, 2), capex, tuple(cloud), tuple(owned), crossover, hardware
    )


# -- TCO -----------------------------------------------------------------------------------


def tco(*, monthly: Decimal | float | None, horizon_months: int, one_off: float = 0.0) -> float | None:
    """Total cost of ownership over the horizon: run cost plus one-off migration cost."""
    if monthly is None:
        return None
    return round(float(monthly) * horizon_months + one_off, 2)


# -- what the rules see of the prices ------------------------------------------------------

COST_FACTS = (
    "prices_known",
    "serverless_cheaper",
    "lambda_monthly_cost",
    "container_monthly_cost",
    "break_even_requests_per_day",
    "break_even_utilization",
    "break_even_text",
)


_REMEMBERED: dict[tuple[Any, ...], Any] = {}
_CACHE_LIMIT = 4096


def cached_break_even(p: WorkloadProfile, catalog: Catalog, sweep_wait: bool = False) -> BreakEven:
    """break_even() for the nerves layer, remembered per profile and catalog version.

    The search prices the profile a few hundred times; intake tools and the
    what-if controls ask for the same profiles again and again. The wait sweep
    is remembered apart, so advice without it never pays for it.
    """
    result = _remembered(("break_even", p, catalog.version), lambda: break_even(p, catalog))
    if sweep_wait:
        sweep = _remembered(("wait_sweep", p, catalog.version), lambda: wait_sweep(p, catalog))
        result = dataclasses.replace(result, by_wait_fraction=sweep)
    return result


def _remembered(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
    if key not in _REMEMBERED:
        if len(_REMEMBERED) >= _CACHE_LIMIT:
            _REMEMBERED.clear()
        _REMEMBERED[key] = compute()
    return cast(T, _REMEMBERED[key])


def cost_facts(
    p: WorkloadProfile,
    utilization: float,
    catalog: Catalog | None,
    lambda_cost: float | None,
    container_cost: float | None,
) -> dict[str, Any]:
    """Facts for the rules: whether functions beat containers here, at these prices.

    Without a catalog, or when either side cannot be priced, the seed's 15% rule
    of thumb decides instead, and the reasons say so.
    """
    if catalog is None or lambda_cost is None or container_cost is None:
        # "serverless_cheaper" is then the rule of thumb's verdict, not a computed comparison:
        # rules that quote costs also require prices_known.
        why = (
            "no prices were used"
            if catalog is None
            else f"the {catalog.region} price catalog cannot price both functions and containers here"
        )
        return {
            "prices_known": False,
            "serverless_cheaper": utilization < RULE_OF_THUMB_UTILIZATION,
            "lambda_monthly_cost": 0.0,
            "container_monthly_cost": 0.0,
            "break_even_requests_per_day": 0.0,
            "break_even_utilization": 0.0,
            "break_even_text": f"{why}, so the 15% rule of thumb decides",
        }
    result = cached_break_even(p, catalog)
    return {
        "prices_known": True,
        "serverless_cheaper": lambda_cost <= container_cost,
        "lambda_monthly_cost": lambda_cost,
        "container_monthly_cost": container_cost,
        "break_even_requests_per_day": result.requests_per_day or 0.0,
        "break_even_utilization": result.utilization or 0.0,
        "break_even_text": _break_even_text(result) + _terms_words(result),
    }


def _terms_words(result: BreakEven) -> str:
    """', both sides priced as bought (1-year Savings Plans)': the break-even moves with the terms."""
    return "" if result.terms == "On demand" else f", both sides priced as bought ({result.terms})"


def _break_even_text(result: BreakEven) -> str:
    if result.requests_per_day is None:
        return (
            f"{_short(result.cheaper_below)} stay cheaper from 1 to a billion requests a day "
            f"for this shape of work (the rule of thumb says 15% utilisation)"
        )
    return (
        f"they break even at about {result.requests_per_day:,.0f} requests a day, "
        f"{result.utilization:.1%} utilisation (the rule of thumb says 15%)"
    )


def _short(placement: str) -> str:
    return {"lambda": "functions", "fargate": "containers"}.get(placement, placement)
