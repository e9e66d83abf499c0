"""The Nerves layer's break-even pair priced over arrays of volumes and waits, in one NumPy call.

``NervesPrices(p, catalog).monthly_cents("lambda" | "fargate", volumes, waits)`` is what
``costs.monthly_total("nerves", placement, ...)`` gives for the profile moved to each volume
(requests a day) and wait fraction, front door and purchase terms included, in whole cents.
It follows the scalar builders step by step: the same facts and sizing (``facts._traffic``,
``sizing.lambda_config``, ``sizing.nerves_fleet``), the same purchase decision
(``commitments.decide``, asked once per distinct baseline share), the same catalog rates,
and each billed line rounded half up to the cent before the lines are added, as
``pricing._money`` rounds a Decimal line. The break-even search prices a few hundred points
per profile: one Decimal estimate at a time, that was most of an answer's time.

Floats carry the amounts, within a few units of the 16th digit of the Decimal ones. That
decides a cent only on a half cent: a line that lands that close to one is priced in Decimal
(the line alone where it is one usage at one rate, else its whole point through
``monthly_total``), so every total is the Decimal total. A rate the catalog lacks raises
``UsageError`` (the break-even then prices point by point, as before).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from types import SimpleNamespace
from typing import cast

import numpy as np
import numpy.typing as npt

from placement import commitments, front_door, sizing
from placement.costs import monthly_total
from placement.facts import ACTIVE_HOURS_PER_DAY, DAYS_PER_MONTH, HOURS_PER_MONTH, Facts, derive_facts
from placement.pricing import CENT, Catalog, UsageError
from placement.profile import WorkloadProfile, varied

FloatArray = npt.NDArray[np.float64]
PLACEMENTS = ("lambda", "fargate")  # the Nerves placements priced here
# A line's float amount is within a few ulp (1e-16) of the exact Decimal one: one this close
# to a half cent, relatively, could round either way, and is priced in Decimal instead.
HALF_CENT_DOUBT = 1e-13
FARGATE_MIN_SECONDS = 60  # Fargate bills a task for a minute at the least (pricing._fargate)


class NervesPrices:
    """The Nerves pair's monthly cost for one profile and catalog, over arrays of volumes and waits.

    What depends on the wait alone (the function's memory and billed duration, what a task
    holds) is worked out once per wait, and each purchase decision once per baseline share:
    a break-even search prices the same profile a few times over.
    """

    def __init__(self, p: WorkloadProfile, catalog: Catalog):
        self.p, self.catalog = p, catalog
        self._waits: dict[float, _AtWait] = {}
        self._fargate_terms: dict[float, tuple[float, bool]] = {}
        self._lambda_kept: float | None = None

    def monthly_cents(
        self, placement: str, volumes: npt.ArrayLike, waits: npt.ArrayLike | None = None
    ) -> FloatArray:
        """``placement``'s monthly cost in cents at each volume (requests a day) and wait.

        ``waits`` defaults to the profile's own; with ``waits`` of shape (W, 1) and volumes of
        shape (W, N) or (N,), row w is priced at wait w. Whole numbers, as floats.
        """
        return self.monthly_cents_each((placement,), volumes, waits)[0]

    def monthly_cents_each(
        self, placements: tuple[str, ...], volumes: npt.ArrayLike, waits: npt.ArrayLike | None = None
    ) -> list[FloatArray]:
        """``monthly_cents`` of each placement, the volumes' facts derived once for them all."""
        unknown = set(placements) - set(PLACEMENTS)
        if unknown:
            raise ValueError(f"no array pricing for the Nerves placements {sorted(unknown)}")
        rpd = np.asarray(volumes, dtype=np.float64)
        wait_column = np.asarray(self.p.wait_fraction if waits is None else waits, dtype=np.float64)
        shape = np.broadcast_shapes(rpd.shape, wait_column.shape)
        wait_list = np.ravel(wait_column).tolist()
        at = [self._at_wait(w) for w in wait_list]
        # Priced as a (waits x volumes) grid, returned in the shape the arguments broadcast to.
        grid_shape = (len(wait_list), shape[-1])
        grid = rpd if rpd.shape == grid_shape else np.broadcast_to(np.atleast_2d(rpd), grid_shape)
        volumes_facts, priced = _traffic(self.p, grid), []
        for placement in placements:
            traffic = replace(volumes_facts, on_half_cent=np.zeros(grid.shape, dtype=bool))  # its own marks
            cents = (
                _lambda_cents(self, at, traffic)
                if placement == "lambda"
                else _fargate_cents(self, at, traffic)
            )
            cents = cents + _front_door_cents(placement, self.p, traffic, self.catalog)
            for row, column in zip(*np.nonzero(traffic.on_half_cent), strict=True):
                volume = float(traffic.volumes[row, column])
                cents[row, column] = self._decimal_cents(placement, volume, wait_list[row])
            # Per-wait figures are columns: a single wait gives a single row, back to the volumes' shape.
            priced.append(np.reshape(cents, shape))
        return priced

    def _decimal_cents(self, placement: str, volume: float, wait: float) -> float:
        """One point priced by the Decimal builders (``costs.monthly_total``), in cents."""
        q = varied(self.p, requests_per_day=volume, wait_fraction=wait)
        total = monthly_total("nerves", placement, q, derive_facts(q), self.catalog)
        return math.nan if total is None else float(total * 100)

    def fleet_utilization(self, volume: float) -> float:
        """``facts.fleet_utilization`` at a volume and the profile's own wait: the busy share of
        the container fleet priced there (``Facts.utilization``), without deriving every fact."""
        traffic = _traffic(self.p, np.array([volume]))
        in_flight = self._at_wait(self.p.wait_fraction).task_in_flight
        _, task_hours, _ = _fleet(self.p, np.array([in_flight]), traffic)
        busy_task_hours = traffic.requests_per_month * self.p.request_duration_s / in_flight / 3_600
        hours = float(task_hours[0])
        return min(1.0, float(busy_task_hours[0]) / hours) if hours else 0.0

    def fargate_terms(self, share: float) -> tuple[float, bool]:
        """At a fleet's baseline share: what of its amount is left to pay, and whether it runs on Spot."""
        if share not in self._fargate_terms:
            decision = commitments.decide(
                self.p,
                "nerves",
                "fargate",
                self.catalog,
                baseline_share=share,
                spot_price_ratio=_spot_price_ratio(self.p, self.catalog),
                explain=False,
            )
            kept = _kept_share("fargate", decision.purchase, decision.share, self.catalog)
            self._fargate_terms[share] = (kept, decision.purchase == "spot")
        return self._fargate_terms[share]

    def lambda_kept(self, active_hours: float) -> float:
        """What of Lambda's duration is left to pay under the profile's terms (the same at every volume)."""
        if self._lambda_kept is None:
            self._lambda_kept = _lambda_kept_share(self.p, active_hours, self.catalog)
        return self._lambda_kept

    def _at_wait(self, wait: float) -> _AtWait:
        if wait not in self._waits:
            self._waits[wait] = _at_wait(
                self.p if wait == self.p.wait_fraction else varied(self.p, wait_fraction=wait)
            )
        return self._waits[wait]


@dataclass(frozen=True)
class _AtWait:
    """What the Nerves prices read of the profile at one wait fraction, whatever the volume."""

    lambda_memory_gb: float
    lambda_duration_s: float
    lambda_billed_s: float  # AWS meters duration in whole milliseconds
    task_in_flight: float  # requests one Fargate task holds (sizing.nerves_fleet)


def _at_wait(q: WorkloadProfile) -> _AtWait:
    cpu_share = 1.0 - q.wait_fraction
    config = sizing.lambda_config(q, q.request_duration_s * cpu_share, q.request_duration_s * q.wait_fraction)
    memory_gb, vcpu = _task_size(q)
    holds = vcpu * min(sizing.MAX_IN_FLIGHT_PER_VCPU, 1 / max(cpu_share, 1 / sizing.MAX_IN_FLIGHT_PER_VCPU))
    # Memory also bounds what a task holds: each in-flight request keeps its working set.
    return _AtWait(
        config.memory_mb / 1024,
        config.duration_s,
        math.ceil(config.duration_s * 1000) / 1000,
        max(1.0, min(holds, memory_gb * 1024 / q.memory_mb * 4)),
    )


def _task_size(p: WorkloadProfile) -> tuple[float, float]:
    """A Nerves task's memory (GB) and vCPUs, as ``sizing.nerves_fleet`` sizes it."""
    vcpu, memory_gb = sizing.nerves_task_size(p)
    return memory_gb, vcpu


# -- facts --------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Traffic:
    """The traffic facts the Nerves prices read (``facts._traffic``), one per volume."""

    active_hours: float
    volumes: FloatArray  # requests a day
    requests_per_month: FloatArray
    average_rps: FloatArray
    active_rps: FloatArray
    average_concurrency: FloatArray
    peak_concurrency: FloatArray
    # Points with a line on a half cent, to be priced in Decimal (``_cents``); filled as lines are priced.
    on_half_cent: npt.NDArray[np.bool_]


def _traffic(p: WorkloadProfile, rpd: FloatArray) -> _Traffic:
    # The same operations in the same order as facts._traffic, so each float is the same.
    active_hours = ACTIVE_HOURS_PER_DAY[p.pattern]
    average_rps = rpd / 86_400
    active_rps = rpd / (active_hours * 3_600)
    peak_rps = active_rps * p.peak_to_average
    return _Traffic(
        active_hours,
        rpd,
        rpd * DAYS_PER_MONTH,
        average_rps,
        active_rps,
        average_rps * p.request_duration_s,
        peak_rps * p.request_duration_s,
        np.zeros(rpd.shape, dtype=bool),
    )


def _scalar_facts(active_hours: float) -> Facts:
    """The one fact the purchase decisions read of a volume's facts: its hours of traffic."""
    return cast(Facts, SimpleNamespace(active_hours_per_day=active_hours))


def _column(values: list[float]) -> FloatArray:
    return np.asarray(values, dtype=np.float64).reshape(-1, 1)


# -- lines --------------------------------------------------------------------------------


def _cents(amount: FloatArray, traffic: _Traffic) -> FloatArray:
    """A line's amount rounded half up to whole cents (amounts are never negative).

    A float amount is within a few units of its 16th digit of the Decimal one, which decides
    the cent only on a half cent: points whose amount lands that close to one are marked
    for ``monthly_cents`` to price in Decimal.
    """
    hundredfold = amount * 100
    np.logical_or(traffic.on_half_cent, _on_half_cent(hundredfold), out=traffic.on_half_cent)
    return np.floor(hundredfold + 0.5)


def _on_half_cent(hundredfold: FloatArray) -> npt.NDArray[np.bool_]:
    """Amounts (in cents) too close to a half cent for a float to say which way Decimal rounds."""
    return np.abs(hundredfold - np.floor(hundredfold) - 0.5) <= HALF_CENT_DOUBT * (hundredfold + 1)


def _tiered(quantity: FloatArray, tiers: tuple[tuple[float, float], ...]) -> FloatArray:
    """``pricing._tiered`` over an array: each tier's (size, unit price), the last size infinite."""
    cost = np.zeros_like(quantity)
    left = quantity
    for size, price in tiers:
        used = np.minimum(left, size)
        cost = cost + used * price
        left = left - used
    return cost


@lru_cache(maxsize=1024)
def _unit(catalog: Catalog, key: str) -> float:
    """A rate's price per unit as a float, read once per catalog."""
    return float(catalog.unit_price(key))


@lru_cache(maxsize=256)
def _tiers(catalog: Catalog, key: str) -> tuple[tuple[float, float], ...]:
    """A rate's volume tiers as floats, the last one without end."""
    return tuple(
        (math.inf if size is None else float(size), float(price)) for size, price in catalog.tiers(key)
    )


def _charge(quantity: FloatArray, catalog: Catalog, key: str) -> FloatArray:
    """``pricing._charge``: through the rate's volume tiers when the catalog gives them."""
    if key not in catalog.rates:
        raise UsageError(f"no rate {key!r} in catalog {catalog.version}")
    if "tiers" in catalog.rates[key]:
        return _tiered(quantity, _tiers(catalog, key))
    return quantity * _unit(catalog, key)


def _usage_cents(usage: FloatArray, catalog: Catalog, key: str, traffic: _Traffic) -> FloatArray:
    """A line billed as one usage at one rate (through its tiers), in cents; one on a half cent
    is priced in Decimal from the same usage, so it needs no Decimal pricing of its whole point."""
    hundredfold = _charge(usage, catalog, key) * 100
    cents = np.floor(hundredfold + 0.5)
    doubtful = _on_half_cent(hundredfold)
    if doubtful.any():
        quantities = np.broadcast_to(usage, cents.shape)
        for index in zip(*np.nonzero(doubtful), strict=True):
            cents[index] = _exact_cents(float(quantities[index]), catalog, key)
    return cents


@lru_cache(maxsize=1024)
def _exact_cents(quantity: float, catalog: Catalog, key: str) -> float:
    """``quantity`` at rate ``key`` in cents, as ``pricing`` bills it: the usage read as
    ``Decimal(str(quantity))``, through the rate's tiers, rounded half up to the cent."""
    left, amount = Decimal(str(quantity)), Decimal(0)
    if "tiers" not in catalog.rates[key]:
        amount = left * catalog.unit_price(key)
    else:
        for size, price in catalog.tiers(key):
            used = left if size is None else min(left, size)
            amount += used * price
            left -= used
            if left <= 0:
                break
    return float(amount.quantize(CENT, rounding=ROUND_HALF_UP) * 100)


def _kept_share(service: str, purchase: str, share: Decimal, catalog: Catalog) -> float:
    """What of an amount a purchase option leaves to pay, as ``pricing._purchased`` takes it off."""
    if purchase == "on_demand":
        return 1.0
    rate = commitments.rate_for(catalog, service, purchase)
    return float(1 - rate.discount * (Decimal(1) if purchase == "spot" else share))


# -- Lambda ---------------------------------------------------------------------------------


def _lambda_cents(prices: NervesPrices, at: list[_AtWait], traffic: _Traffic) -> FloatArray:
    """``costs._nerves_lambda`` without its front door: requests, duration, provisioned concurrency."""
    p, catalog = prices.p, prices.catalog
    memory_gb = _column([w.lambda_memory_gb for w in at])
    billed_s = _column([w.lambda_billed_s for w in at])
    invocations = traffic.requests_per_month
    kept = prices.lambda_kept(traffic.active_hours)
    requests = _usage_cents(invocations, catalog, "lambda.requests", traffic)
    warm = _provisioned_concurrency(p, traffic, _column([w.lambda_duration_s for w in at]))
    if warm is None:
        gb_seconds = invocations * billed_s * memory_gb
        return requests + _cents(
            _tiered(gb_seconds, _tiers(catalog, "lambda.duration.arm64")) * kept, traffic
        )
    # Kept warm: every invocation runs at the provisioned duration rate instead.
    pc_hours = traffic.active_hours * DAYS_PER_MONTH
    held = warm * memory_gb * pc_hours * 3600 * _unit(catalog, "lambda.provisioned.arm64")
    ran = invocations * billed_s * memory_gb * _unit(catalog, "lambda.provisioned_duration.arm64")
    return requests + _cents(held * kept, traffic) + _cents(ran * kept, traffic)


def _lambda_kept_share(p: WorkloadProfile, active_hours: float, catalog: Catalog) -> float:
    """Lambda's purchase option under the profile's terms: a plan sized to the quietest hour."""
    if not commitments.committed(p):
        return 1.0
    f = _scalar_facts(active_hours)
    decision = commitments.decide(
        p, "nerves", "lambda", catalog, baseline_share=commitments.quiet_share(p, f), explain=False
    )
    return _kept_share("lambda", decision.purchase, decision.share, catalog)


def _provisioned_concurrency(
    p: WorkloadProfile, traffic: _Traffic, duration_s: FloatArray
) -> FloatArray | None:
    """``sizing.provisioned_concurrency`` at each volume; None when the profile keeps none warm."""
    if p.trigger != "api" or p.latency_slo_ms is None or p.latency_slo_ms >= sizing.WARM_CAPACITY_SLO_MS:
        return None
    warm = np.ceil(traffic.active_rps * duration_s / sizing.TARGET_UTILIZATION)
    return np.where(warm == 0, 1.0, warm)


# -- Fargate ---------------------------------------------------------------------------------


def _fargate_cents(prices: NervesPrices, at: list[_AtWait], traffic: _Traffic) -> FloatArray:
    """``costs._nerves_fargate`` without its front door: the fleet's task-hours under the terms."""
    p, catalog = prices.p, prices.catalog
    memory_gb, vcpu = _task_size(p)
    active, task_hours, minimum = _fleet(p, _column([w.task_in_flight for w in at]), traffic)
    # Fargate bills per second with a one-minute minimum per task.
    seconds = task_hours * 3600
    task_seconds = np.where(seconds > 0, np.maximum(FARGATE_MIN_SECONDS, seconds), 0.0)
    vcpu_amount = task_seconds * vcpu * _unit(catalog, "fargate.linux.arm64.vcpu")
    memory_amount = task_seconds * memory_gb * _unit(catalog, "fargate.linux.arm64.memory")
    if not commitments.committed(p):
        return _cents(vcpu_amount, traffic) + _cents(memory_amount, traffic)
    kept, on_spot = _fargate_terms(prices, active, task_hours, minimum, traffic.active_hours)
    if on_spot.any():
        # Fargate Spot runs x86_64 tasks only: a Spot point is priced at the x86 rates (costs._Job._under).
        x86_vcpu = task_seconds * vcpu * _unit(catalog, "fargate.linux.x86_64.vcpu")
        x86_memory = task_seconds * memory_gb * _unit(catalog, "fargate.linux.x86_64.memory")
        vcpu_amount = np.where(on_spot, x86_vcpu, vcpu_amount)
        memory_amount = np.where(on_spot, x86_memory, memory_amount)
    return _cents(vcpu_amount * kept, traffic) + _cents(memory_amount * kept, traffic)


def _fleet(
    p: WorkloadProfile, in_flight: FloatArray, traffic: _Traffic
) -> tuple[FloatArray, FloatArray, int]:
    """``sizing.nerves_fleet`` at each volume and wait: tasks while traffic is on, task-hours, minimum."""
    per_task = in_flight * sizing.TARGET_UTILIZATION
    minimum = sizing.MIN_TASKS_SYNC if p.trigger == "api" else sizing.MIN_TASKS_ASYNC
    active_concurrency = traffic.active_rps * p.request_duration_s
    scaled = np.maximum(minimum, np.ceil(active_concurrency / per_task))
    active = np.where(traffic.requests_per_month != 0, scaled, float(minimum))
    peak = np.maximum(active, np.ceil(traffic.peak_concurrency / per_task))
    active_h = traffic.active_hours
    peak_h = min(sizing.PEAK_HOURS_PER_DAY, active_h)
    daily = (active_h - peak_h) * active + peak_h * peak + (24 - active_h) * minimum
    return active, daily * DAYS_PER_MONTH, minimum


def _fargate_terms(
    prices: NervesPrices, active: FloatArray, task_hours: FloatArray, minimum: int, active_hours: float
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """The share of each point's amount left to pay under the profile's terms, and where Spot runs.

    The plan is sized to the fleet's steady baseline (``commitments.fleet_baseline_share``),
    which moves with the volume; ``commitments.decide`` is asked once per distinct share.
    """
    tasks = np.full_like(active, float(minimum))
    if active_hours >= 24:
        quiet = commitments.quiet_share(prices.p, _scalar_facts(active_hours))
        tasks = np.maximum(tasks, np.floor(active * quiet))
    baseline = np.where(
        task_hours != 0, np.minimum(1.0, tasks * commitments.HOURS_PER_MONTH / task_hours), 0.0
    )
    distinct, where = np.unique(baseline, return_inverse=True)
    terms = [prices.fargate_terms(share) for share in distinct.tolist()]
    index = where.reshape(baseline.shape)
    return np.asarray([kept for kept, _ in terms])[index], np.asarray([spot for _, spot in terms])[index]


def _spot_price_ratio(p: WorkloadProfile, catalog: Catalog) -> float:
    """``costs._Job._spot_ratio`` for arm64 Fargate: Spot's x86 price over arm64's."""
    if not p.spot_allowed:
        return 1.0
    return float(
        catalog.unit_price("fargate.linux.x86_64.vcpu") / catalog.unit_price("fargate.linux.arm64.vcpu")
    )


# -- front door -----------------------------------------------------------------------------


def _front_door_cents(placement: str, p: WorkloadProfile, traffic: _Traffic, catalog: Catalog) -> FloatArray:
    """``front_door.door_usage`` priced at each volume: API Gateway, load balancer or queue."""
    door = front_door.door_for(placement, p, _scalar_facts(traffic.active_hours)).id
    requests = traffic.requests_per_month
    if door in ("api_gateway_http", "api_gateway_rest"):
        return _usage_cents(requests, catalog, f"{door}.requests", traffic)
    if door == "api_gateway_websocket":
        minutes = requests * p.websocket_session_minutes
        return _usage_cents(2 * requests, catalog, "api_gateway_websocket.messages", traffic) + _usage_cents(
            minutes, catalog, "api_gateway_websocket.connection_minutes", traffic
        )
    if door == "alb":
        # The load balancer's hours are the same every month: 730 h at $0.0225 is exactly half a
        # cent over $16.42, which a float rounds either way.
        hours = _exact_cents(HOURS_PER_MONTH, catalog, "alb.hours")
        return hours + _usage_cents(_alb_lcus(traffic) * HOURS_PER_MONTH, catalog, "alb.lcu_hours", traffic)
    if door == "sqs":
        return _usage_cents(requests * front_door.SQS_REQUESTS_PER_MESSAGE, catalog, "sqs.requests", traffic)
    return np.zeros_like(requests)


def _alb_lcus(traffic: _Traffic) -> FloatArray:
    """``front_door.alb_lcus``: the largest of the dimensions AWS bills."""
    new_connections = traffic.average_rps / front_door.LCU_NEW_CONNECTIONS_PER_S
    active = traffic.average_concurrency / front_door.LCU_ACTIVE_CONNECTIONS
    processed = traffic.average_rps * 3600 * front_door.REQUEST_BYTES / 1024**3 / front_door.LCU_GB_PER_HOUR
    return np.maximum(np.maximum(new_connections, active), processed)
