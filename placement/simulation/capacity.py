"""What each kind of capacity does with a month of simulated minutes.

All functions take (paths, minutes) arrays and return one value per path, so a
chunk of paths is handled in a few whole-array passes: no Python loop runs over
requests, paths or minutes. Autoscaling state that would need a loop over
minutes is expressed as trailing-window maxima, computed by doubling.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np

from placement.limits import limit_values

# Lambda's default account concurrency, and how fast a function may add
# environments: 1,000 every 10 seconds, i.e. 6,000 a minute.
LAMBDA_ACCOUNT_CONCURRENCY = int(limit_values()["lambda_concurrency_default"])
LAMBDA_SCALE_UP_PER_MINUTE = int(limit_values()["lambda_scaling_per_10s"] * 6)
# Target tracking: a scale-out alarm needs three one-minute datapoints plus task
# start; scale-in waits for fifteen minutes below target (the cooldown).
SCALE_OUT_LAG_MINUTES = 3
SCALE_IN_COOLDOWN_MINUTES = 15

F32 = np.float32


def trailing_max(a: np.ndarray, window: int) -> np.ndarray:
    """max(a[:, t-window+1 .. t]) for every t (a shorter window at the start), by doubling."""
    if window <= 1:
        return a.copy()
    source, out, spare = a, np.empty_like(a), np.empty_like(a)
    span = 1
    while span < window:
        step = min(span, window - span)
        np.maximum(source[:, step:], source[:, :-step], out=out[:, step:])
        out[:, :step] = source[:, :step]
        source, out = out, (spare if source is a else source)
        span += step
    return source


def lambda_pool(
    arrivals: np.ndarray, in_flight: np.ndarray, idle_minutes: int, floor: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Cold starts and throttled requests of a function, per path.

    Environments needed each minute are the requests in flight, rounded up and
    capped by the account. The warm pool is the most environments used in the
    idle window before the minute (an environment idle longer is reclaimed), or
    the provisioned ``floor`` when that is higher; every environment needed
    above the pool is a cold start.

    Also per path: the requests of its busiest hour (most arrivals) and how
    many of those were throttled, the numbers a reader can check against a
    dashboard's hourly graph.
    """
    n, minutes = arrivals.shape  # whole days: whole hours
    hours = minutes // 60
    need = np.ceil(in_flight)
    refused_hourly = np.zeros(n * hours)

    def refuse(flat_minutes: np.ndarray, refused: np.ndarray) -> None:
        # A flat minute index // 60 is path x hours + the hour within the path.
        refused_hourly[:] += np.bincount(flat_minutes // 60, refused, minlength=n * hours)

    if need.max(initial=0) > LAMBDA_ACCOUNT_CONCURRENCY:  # requests beyond the account's limit are refused
        np.minimum(need, F32(LAMBDA_ACCOUNT_CONCURRENCY), out=need)
        over = np.flatnonzero(in_flight > LAMBDA_ACCOUNT_CONCURRENCY)
        flat = in_flight.ravel()[over].astype(np.float64)
        refuse(over, arrivals.ravel()[over] * (flat - LAMBDA_ACCOUNT_CONCURRENCY) / flat)
    pool = trailing_max(need, idle_minutes)
    previous = pool[:, :-1]
    if floor is not None:
        previous = np.maximum(previous, floor[None, 1:].astype(F32))
    cold = np.empty_like(need)
    cold[:, 0] = need[:, 0] - (0 if floor is None else floor[0])
    np.subtract(need[:, 1:], previous, out=cold[:, 1:])
    del pool, previous
    np.maximum(cold, 0, out=cold)
    # A function adds at most 6,000 environments a minute: with the default 1,000 limit the
    # pool never needs more, so this only binds for an account whose limit was raised.
    if LAMBDA_ACCOUNT_CONCURRENCY > LAMBDA_SCALE_UP_PER_MINUTE:
        fast = np.flatnonzero(cold > LAMBDA_SCALE_UP_PER_MINUTE)
        excess = (cold.ravel()[fast] - LAMBDA_SCALE_UP_PER_MINUTE) / need.ravel()[fast]
        refuse(fast, arrivals.ravel()[fast] * excess)
    by_hour = refused_hourly.reshape(n, hours)
    hourly = arrivals.reshape(n, hours, 60).sum(axis=2)
    rows, busiest = np.arange(n), np.argmax(hourly, axis=1)
    return {
        "cold_starts": _row_sums(cold),
        "throttled_requests": by_hour.sum(axis=1),
        "peak_hour_requests": hourly[rows, busiest].astype(np.float64),
        "peak_hour_throttled": by_hour[rows, busiest],
    }


def autoscaled_fleet(
    in_flight: np.ndarray,
    per_task: float,
    target: float,
    min_tasks: int,
    lag: int = SCALE_OUT_LAG_MINUTES,
    cooldown: int = SCALE_IN_COOLDOWN_MINUTES,
) -> tuple[dict[str, Any], np.ndarray]:
    """Target tracking on tasks holding ``per_task`` requests, aiming at ``target`` of that.

    The fleet follows the desired count ``lag`` minutes late and keeps the
    highest desire of the cooldown window, so it scales out late and in slowly.
    Returns per-path task-minutes, utilisation and minutes with more requests in
    flight than the fleet holds, plus the fleet size per minute (for charts).
    """
    desired = in_flight / F32(per_task * target)
    np.ceil(desired, out=desired)
    np.maximum(desired, F32(min_tasks), out=desired)
    held = trailing_max(desired, cooldown)
    fleet = np.empty_like(desired)
    lag = min(lag, desired.shape[1])
    fleet[:, :lag] = desired[:, :1]  # the month starts with a fleet sized for its first minute
    fleet[:, lag:] = held[:, : held.shape[1] - lag]
    del held, desired
    metrics = _held_capacity(in_flight, fleet, F32(per_task))
    metrics["task_minutes"] = _row_sums(fleet)
    return metrics, fleet


def fixed_fleet(busy: np.ndarray, capacity: float) -> dict[str, np.ndarray]:
    """Utilisation and minutes over capacity of an always-on fleet holding ``capacity`` streams."""
    over = np.count_nonzero(busy > capacity, axis=1).astype(np.float64)
    served = _row_sums(np.minimum(busy, F32(capacity)))
    return {"utilization": served / (capacity * busy.shape[1]), "under_provisioned_minutes": over}


def _held_capacity(in_flight: np.ndarray, fleet: np.ndarray, per_task: np.float32) -> dict[str, Any]:
    room = fleet * per_task
    over = np.count_nonzero(in_flight > room, axis=1).astype(np.float64)
    offered = _row_sums(room)
    np.minimum(room, in_flight, out=room)
    served = _row_sums(room)
    return {
        "utilization": np.divide(served, offered, out=np.zeros_like(served), where=offered > 0),
        "under_provisioned_minutes": over,
    }


def _row_sums(a: np.ndarray) -> np.ndarray:
    """Sums along the minutes: float32 pairwise summation (relative error ~1e-6), as float64."""
    return cast(np.ndarray, a.sum(axis=1).astype(np.float64))  # numpy types it Any
