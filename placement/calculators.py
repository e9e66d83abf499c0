"""Break-even, refactoring payback, repatriation ROI and TCO.

Each calculator is a pure function of a profile, the catalog and explicit
assumptions, and returns the series a chart needs along with the headline.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from placement import commitments, curves
from placement.constants import MATRIX_CONSTANTS
from placement.costs import monthly_total
from placement.curves import FloatArray
from placement.facts import HOURS_PER_MONTH, derive_facts
from placement.pricing import Catalog, UsageError
from placement.profile import WorkloadProfile, varied

RULE_OF_THUMB_UTILIZATION = MATRIX_CONSTANTS["utilization_threshold"]  # "the 15% rule"
SWEEP_WAIT_FRACTIONS = (0.0, 0.25, 0.5, 0.75, 0.9)
MAX_REQUESTS_PER_DAY = 1e9
# The scan: four volumes a decade from 1 to 1e9 requests a day (Python's 10 ** x, as the curve's).
SCAN_GRID = tuple(10 ** (k / 4) for k in range(0, 37))
# The crossing is pinned by 16 halvings of the log interval between two scan points (a factor
# 1.78 apart): within 0.001%. They run as rounds of LEVELS_PER_ROUND halvings, each round
# pricing every midpoint those halvings could visit in one array call.
HALVINGS = 16
LEVELS_PER_ROUND = 8


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

    ``sweep_wait`` adds the break-even at each of SWEEP_WAIT_FRACTIONS (``wait_sweep``).
    """
    prices = _ShapePrices(p, catalog, layer)
    own_wait = np.array([[p.wait_fraction]])
    scan = np.array([SCAN_GRID])
    cheap, dear = (cents[0] for cents in prices.both(serverless, provisioned, scan, own_wait))
    crossing = _crossings(prices, serverless, provisioned, own_wait, (cheap - dear)[np.newaxis])[0]
    # The curve's points are the scan's (both are 10 ** (k / 4) up to a billion a day).
    serverless_at, provisioned_at = (
        dict(zip(SCAN_GRID, _dollars(cheap))),
        dict(zip(SCAN_GRID, _dollars(dear))),
    )
    curve = tuple(
        (rpd, serverless_at[rpd], provisioned_at[rpd])
        for rpd in _grid(max(p.requests_per_day, crossing or 0))
    )
    utilization = None if crossing is None else prices.arrays.fleet_utilization(crossing)
    low_gap = cheap[0] - dear[0]  # at one request a day
    cheaper_below = serverless if np.isnan(low_gap) or low_gap <= 0 else provisioned
    return BreakEven(
        layer,
        serverless,
        provisioned,
        crossing,
        utilization,
        cheaper_below,
        RULE_OF_THUMB_UTILIZATION,
        curve,
        _wait_sweep(prices, serverless, provisioned) if sweep_wait else None,
        commitments.terms_label(p),
    )


def wait_sweep(
    p: WorkloadProfile,
    catalog: Catalog,
    layer: str = "nerves",
    serverless: str = "lambda",
    provisioned: str = "fargate",
) -> tuple[tuple[float, float | None], ...]:
    """The break-even at each of SWEEP_WAIT_FRACTIONS: how far waiting on APIs moves it.

    All waits are searched at once: each step prices a (waits x volumes) array.
    """
    return _wait_sweep(_ShapePrices(p, catalog, layer), serverless, provisioned)


def _wait_sweep(
    prices: _ShapePrices, serverless: str, provisioned: str
) -> tuple[tuple[float, float | None], ...]:
    waits = np.array(SWEEP_WAIT_FRACTIONS).reshape(-1, 1)
    scan = np.broadcast_to(np.array(SCAN_GRID), (len(SWEEP_WAIT_FRACTIONS), len(SCAN_GRID)))
    cheap, dear = prices.both(serverless, provisioned, scan, waits)
    gaps = cheap - dear
    return tuple(
        zip(SWEEP_WAIT_FRACTIONS, _crossings(prices, serverless, provisioned, waits, gaps), strict=True)
    )


class _ShapePrices:
    """Monthly cost of one layer's placement for a profile moved to other volumes and waits.

    The Nerves pair is priced in arrays (placement/curves.py); any other placement, or a
    catalog that lacks a rate the arrays read, point by point through ``monthly_total``.
    """

    def __init__(self, p: WorkloadProfile, catalog: Catalog, layer: str):
        self.p, self.catalog, self.layer = p, catalog, layer
        self.arrays = curves.NervesPrices(p, catalog)
        self._one_by_one: set[str] = set()  # placements priced point by point

    def cents(self, placement: str, volumes: FloatArray, waits: FloatArray) -> FloatArray:
        """Cents at each (wait row, volume); NaN where the placement cannot be priced."""
        if self.layer == "nerves" and placement in curves.PLACEMENTS and placement not in self._one_by_one:
            try:
                return self.arrays.monthly_cents(placement, volumes, waits)
            except UsageError:
                pass  # a partial catalog: the scalar builders say which points it cannot price
        self._one_by_one.add(placement)
        return self._point_by_point(placement, volumes, waits)

    def both(
        self, serverless: str, provisioned: str, volumes: FloatArray, waits: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """``cents`` of both sides of the gap, at the same points."""
        pair = (serverless, provisioned)
        if self.layer == "nerves" and set(pair) <= set(curves.PLACEMENTS) and not self._one_by_one:
            try:
                cheap, dear = self.arrays.monthly_cents_each(pair, volumes, waits)
                return cheap, dear
            except UsageError:
                pass  # each side on its own: the one the catalog prices stays in arrays
        return self.cents(serverless, volumes, waits), self.cents(provisioned, volumes, waits)

    def levels_per_round(self) -> int:
        """Halvings per array call: one at a time when a side is priced point by point, as
        pricing every midpoint a round could visit would then cost a Decimal estimate each."""
        return 1 if self._one_by_one else LEVELS_PER_ROUND

    def _point_by_point(self, placement: str, volumes: FloatArray, waits: FloatArray) -> FloatArray:
        cents = np.full(np.broadcast_shapes(volumes.shape, waits.shape), np.nan)
        for row, wait in enumerate(waits[:, 0].tolist()):
            for column, rpd in enumerate(volumes[row].tolist()):
                profile = varied(self.p, requests_per_day=rpd, wait_fraction=wait)
                total = monthly_total(self.layer, placement, profile, derive_facts(profile), self.catalog)
                if total is not None:
                    cents[row, column] = float(total * 100)
        return cents


def _crossings(
    prices: _ShapePrices, serverless: str, provisioned: str, waits: FloatArray, gaps: FloatArray
) -> list[float | None]:
    """Per wait row, the request rate where the scanned cost gap first changes sign, if it does.

    A row with an unpriced point before any change has no crossing. The bracket found is
    halved HALVINGS times on a log scale, keeping the half where the sign changes.
    """
    brackets: dict[int, tuple[float, float, bool]] = {}
    for row, row_gaps in enumerate(gaps.tolist()):
        for k in range(1, len(SCAN_GRID)):
            if math.isnan(row_gaps[k - 1]) or math.isnan(row_gaps[k]):
                break
            if (row_gaps[k - 1] <= 0) != (row_gaps[k] <= 0):
                brackets[row] = (SCAN_GRID[k - 1], SCAN_GRID[k], row_gaps[k - 1] <= 0)
                break
    rows = list(brackets)
    for levels in _rounds(prices.levels_per_round()):
        if not rows:
            break
        ends = np.array([brackets[row][:2] for row in rows])
        points = _midpoints(ends[:, :1], ends[:, 1:], levels)
        at = waits[rows]
        cheap, dear = prices.both(serverless, provisioned, points, at)
        signs = (cheap - dear <= 0).tolist()
        for i, row in enumerate(rows):
            brackets[row] = _descend(*brackets[row], points[i].tolist(), signs[i], levels)
    return [
        round(math.sqrt(brackets[r][0] * brackets[r][1]), 1) if r in brackets else None
        for r in range(len(gaps))
    ]


def _rounds(levels: int) -> list[int]:
    """HALVINGS split into rounds of at most ``levels``."""
    full, rest = divmod(HALVINGS, levels)
    return [levels] * full + ([rest] if rest else [])


def _midpoints(low: FloatArray, high: FloatArray, levels: int) -> FloatArray:
    """Every midpoint ``levels`` halvings of (low, high) could visit, in heap order per row.

    Each is ``sqrt(low * high)`` of its own interval, computed as the halving itself computes
    it, so the search visits the very floats a one-at-a-time bisection would.
    """
    rows = len(low)
    found = np.empty((rows, 2**levels - 1))
    for level in range(levels):
        mid = np.sqrt(low * high)
        found[:, 2**level - 1 : 2 ** (level + 1) - 1] = mid
        # Children in heap order: each interval's lower half, then its upper half.
        lower, upper = np.empty((rows, 2 * mid.shape[1])), np.empty((rows, 2 * mid.shape[1]))
        lower[:, 0::2], lower[:, 1::2] = low, mid
        upper[:, 0::2], upper[:, 1::2] = mid, high
        low, high = lower, upper
    return found


def _descend(
    low: float, high: float, low_sign: bool, points: list[float], signs: list[bool], levels: int
) -> tuple[float, float, bool]:
    """The bisection's path through one row's priced midpoints: keep the half where the sign changes."""
    node = 0
    for level in range(levels):
        index = 2**level - 1 + node
        if signs[index] == low_sign:
            low, node = points[index], 2 * node + 1
        else:
            high, node = points[index], 2 * node
    return low, high, low_sign


def _dollars(cents: FloatArray) -> list[float | None]:
    """Cents as the floats of the Decimal totals (``float(Decimal("12.34"))`` is 1234 / 100); None: unpriced."""
    return [None if math.isnan(c) else c / 100 for c in cents.tolist()]


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


def cached_break_even(p: WorkloadProfile, catalog: Catalog, sweep_wait: bool = False) -> BreakEven:
    """break_even() for the nerves layer, remembered per profile and catalog version.

    Intake tools and the what-if controls ask for the same profiles again and again. The
    wait sweep is remembered apart, so advice without it never pays for it.
    """
    result = _remembered_break_even(p, catalog)
    if sweep_wait:
        result = dataclasses.replace(result, by_wait_fraction=_remembered_wait_sweep(p, catalog))
    return result


# Keyed on the profile (a frozen dataclass: its fields) and the catalog, which hashes by its
# version (``Catalog.__hash__``): a new catalog version is a new key, never a stale answer.
@functools.lru_cache(maxsize=4096)
def _remembered_break_even(p: WorkloadProfile, catalog: Catalog) -> BreakEven:
    return break_even(p, catalog)


@functools.lru_cache(maxsize=4096)
def _remembered_wait_sweep(p: WorkloadProfile, catalog: Catalog) -> tuple[tuple[float, float | None], ...]:
    return wait_sweep(p, catalog)


def forget_break_evens() -> None:
    """Empty the remembered break-evens (benchmarks time the search itself)."""
    _remembered_break_even.cache_clear()
    _remembered_wait_sweep.cache_clear()


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
