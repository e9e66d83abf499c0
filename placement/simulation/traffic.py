"""Simulated demand: a per-minute rate curve per pattern and Poisson arrivals per path.

The rate curve keeps the two numbers the profile states: a day's mean is
``requests_per_day`` and the busiest minute is about ``peak_to_average`` times
the average over the pattern's active hours (``facts.ACTIVE_HOURS_PER_DAY``),
so the simulation and the deterministic facts describe the same workload.
Arrivals are Poisson around that curve, with each path's days scaled by a
random daily volume, so a month's bill varies the way real months do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast

import numpy as np

from placement.facts import ACTIVE_HOURS_PER_DAY
from placement.profile import WorkloadProfile
from placement.sizing import PEAK_HOURS_PER_DAY

MINUTES_PER_DAY = 1440
# Day-to-day volume varies by about this coefficient of variation (a gamma
# factor of mean 1 per path and day). Without it the p10-p90 band would only
# show Poisson counting noise, which vanishes at volume while real months differ.
DAY_TO_DAY_CV = 0.10
# Sizing assumes a peak lasts about an hour a day: the curve keeps that width.
PEAK_MINUTES = int(PEAK_HOURS_PER_DAY * 60)
# Traffic builds into a daily peak, and out of it, over about a quarter of an hour;
# how steep that climb is decides what a lagging autoscaler misses.
PEAK_RAMP_MINUTES = 15
# Where each pattern's traffic starts (minute of the day) and where its peak sits
# inside that window. Business hours run 08:00-18:00, batch windows 01:00-05:00.
ACTIVE_START = {"steady": 0, "diurnal": 0, "spiky": 0, "business_hours": 8 * 60, "batch": 60}
PEAK_OFFSET = {"steady": 12 * 60, "diurnal": 13 * 60 + 30, "spiky": 0, "business_hours": 2 * 60, "batch": 0}
# A diurnal day swings +-60% around its mean, busiest at 14:00.
DIURNAL_AMPLITUDE = 0.6
DIURNAL_PEAK_MINUTE = 14 * 60
# Requests up to this many minutes long are summed by shifted adds, longer ones by cumsum.
SHIFT_ADD_WINDOW = 16
# Spiky traffic: about this many random bursts a day, each path its own.
BURSTS_PER_DAY = 4


@dataclass(frozen=True)
class Bursts:
    """Random bursts on a flat base: rate = base + height x (bursts covering the minute)."""

    per_day: float
    minutes: int
    height: float
    base: float


def active_minutes(pattern: str) -> int:
    return int(round(ACTIVE_HOURS_PER_DAY[pattern] * 60))


def effective_peak(pattern: str, peak_to_average: float) -> float:
    """The peak the one-minute grid can show: half the active window at most.

    A sharper peak would need more than the whole day's traffic in one minute.
    """
    return max(1.0, min(peak_to_average, active_minutes(pattern) / 2))


def daily_shape(pattern: str, peak_to_average: float) -> np.ndarray:
    """Relative rate of each minute of a day (1,440 values, mean 1; zero outside active hours)."""
    width = active_minutes(pattern)
    target = effective_peak(pattern, peak_to_average)
    if pattern == "diurnal":
        minute = np.arange(width)
        g = 1 + DIURNAL_AMPLITUDE * np.cos(2 * np.pi * (minute - DIURNAL_PEAK_MINUTE) / MINUTES_PER_DAY)
    else:
        g = np.ones(width)
    if pattern == "spiky":  # the peaks are the random bursts, drawn per path
        g = np.ones(width)
    elif target <= g.max():
        # A natural swing larger than the stated peak is flattened to it.
        g = 1 + (g - 1) * ((target - 1) / (g.max() - 1) if g.max() > 1 else 0.0)
    else:
        g = _with_peak(g, target, PEAK_OFFSET[pattern])
    day = np.zeros(MINUTES_PER_DAY)
    start = ACTIVE_START[pattern]
    day[start : start + width] = g / g.mean() * (MINUTES_PER_DAY / width)
    return day


def _with_peak(g: np.ndarray, target: float, offset: int) -> np.ndarray:
    """Add a peak of about an hour (ramps, then a plateau) whose top is ``target`` x the mean."""
    width = len(g)
    span = max(1, min(PEAK_MINUTES, int(width // (2 * target))))
    offset = min(offset, width - span)
    ramp = min(PEAK_RAMP_MINUTES, span // 4)
    steps = np.arange(1, ramp + 1) / (ramp + 1)
    bump = np.concatenate([steps, np.ones(span - 2 * ramp), steps[::-1]])
    top = g[offset : offset + span][bump == 1].max()
    # With h the bump's height: mean(g') = mean(g) + h*sum(bump)/width, max(g') = top + h.
    height = (target * g.mean() - top) / (1 - target * bump.sum() / width)
    g = g.copy()
    g[offset : offset + span] += max(0.0, height) * bump
    return g


def burst_plan(pattern: str, peak_to_average: float) -> Bursts | None:
    """Burst rate, length and height for a spiky day whose mean is 1 and peak ``peak_to_average``."""
    if pattern != "spiky":
        return None
    target = effective_peak(pattern, peak_to_average)
    if target <= 1:
        return None
    # Bursts fill about the peak hour a day, less when the peak is so high that
    # an hour of it would exceed the day's traffic.
    share = min(PEAK_MINUTES / MINUTES_PER_DAY, 0.5 / target)
    minutes = max(1, round(share * MINUTES_PER_DAY / BURSTS_PER_DAY))
    height = (target - 1) / (1 - share)
    return Bursts(
        per_day=share * MINUTES_PER_DAY / minutes, minutes=minutes, height=height, base=1 - height * share
    )


def rates(p: WorkloadProfile, rng: np.random.Generator, n: int, days: int) -> np.ndarray:
    """Expected arrivals per minute, (n, days*1440) float64; random draws come from ``rng``."""
    per_minute = p.requests_per_day / MINUTES_PER_DAY
    k = 1 / DAY_TO_DAY_CV**2
    daily = rng.gamma(k, 1 / k, size=(n, days))
    shape = daily_shape(p.pattern, p.peak_to_average)
    lam = (daily * per_minute)[:, :, None] * shape[None, None, :]
    lam = lam.reshape(n, days * MINUTES_PER_DAY)
    bursts = burst_plan(p.pattern, p.peak_to_average)
    if bursts is not None:
        lam *= _burst_profile(bursts, rng, n, days * MINUTES_PER_DAY)
    return cast(np.ndarray, lam)  # numpy types the in-place product Any


def _burst_profile(b: Bursts, rng: np.random.Generator, n: int, minutes: int) -> np.ndarray:
    counts = rng.poisson(b.per_day * minutes / MINUTES_PER_DAY, size=n)
    starts = rng.integers(0, minutes, size=int(counts.sum()))
    rows = np.repeat(np.arange(n), counts)
    stride = minutes + 1
    ends = np.minimum(starts + b.minutes, minutes)
    # Start/end markers, summed along the month: bursts covering each minute.
    marks = np.bincount(rows * stride + starts, minlength=n * stride) - np.bincount(
        rows * stride + ends, minlength=n * stride
    )
    covering = np.cumsum(marks.reshape(n, stride)[:, :minutes], axis=1)
    return b.base + b.height * covering


def arrivals(p: WorkloadProfile, rng: np.random.Generator, n: int, days: int) -> np.ndarray:
    """Requests arriving in each minute of each path, (n, days*1440) int64."""
    return rng.poisson(rates(p, rng, n, days))


def in_flight(arrivals_: np.ndarray, duration_s: float) -> np.ndarray:
    """Requests in flight each minute by Little's law, (n, T) float32.

    A request longer than a minute is still running in the following minutes,
    so the arrivals of the last ``ceil(duration/60)`` minutes are averaged. The
    simulated days repeat, so the window reaching back before the first minute
    wraps round to the last ones: the month starts in its steady state, not empty.
    """
    per_minute = duration_s / 60
    window = max(1, math.ceil(per_minute - 1e-9))
    if window == 1:
        out = arrivals_.astype(np.float32)
        out *= np.float32(per_minute)
        return out
    minutes = arrivals_.shape[1]
    if window <= SHIFT_ADD_WINDOW and window < minutes:
        return _shift_add(arrivals_, window, per_minute)
    laps, rest = divmod(window, minutes)
    running = np.cumsum(arrivals_, axis=1)
    if rest:
        total = running.copy()
        total[:, rest:] -= running[:, :-rest]
        total[:, :rest] += running[:, -1:] - running[:, minutes - rest :]
    else:
        total = np.zeros_like(running)
    if laps:  # whole simulated periods inside the window
        total += laps * running[:, -1:]
    out = total.astype(np.float32)
    out *= np.float32(per_minute / window)
    return out


def _shift_add(arrivals_: np.ndarray, window: int, per_minute: float) -> np.ndarray:
    """The short-window case of ``in_flight``: ``window`` shifted adds in float32, no cumsum."""
    minutes = arrivals_.shape[1]
    single = arrivals_.astype(np.float32)
    total = single.copy()
    for lag in range(1, window):
        total[:, lag:] += single[:, :-lag]
        total[:, :lag] += single[:, minutes - lag :]
    total *= np.float32(per_minute / window)
    return total
