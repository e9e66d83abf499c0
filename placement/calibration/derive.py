"""From measurements to the profile fields they support, and the measured figures around them.

Which source gives what, and why:

- ``requests_per_day``: requests over the span observed: a metric's from its first
  datapoint to the end of its last period; a log's rounded out to the whole UTC days it
  touches (N REPORT lines over two days is N/2 a day), or to whole hours for a log of
  under 12 hours. Lambda's
  Invocations metric wins over REPORT timestamps when both are given: the metric counts
  every invocation, while a log export may be a filtered or truncated sample (a Logs
  Insights query returns 10,000 log events unless it sets a ``limit``:
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/CWL_QuerySyntax-Limit.html,
  read 2026-12-01). Bedrock's Invocations stand in for requests
  only when nothing else counts them.
- ``pattern`` and ``peak_to_average``, from the hourly counts (at least a day of them;
  hours in UTC) and the average day they make (the mean count of each hour of the day):

  - ``batch``: at least 90% of the average day's requests fall within 6 consecutive hours
    (the engine assumes a 4-hour window, ``facts.ACTIVE_HOURS_PER_DAY``);
  - ``business_hours``: at least 90% within 12 consecutive hours (the engine assumes 10);
  - ``spiky``: the busiest hour carries at least 3 times the mean hour and at least twice
    what that hour of the day carries on average: bursts that do not recur daily (needs
    two days or more);
  - ``diurnal``: traffic never stops but the quietest hour of the average day is at most
    60% of its mean hour: a daily wave;
  - ``steady``: anything else (flat, perhaps with a daily peak hour).

  ``peak_to_average`` is the busiest hour's count over the mean hourly count while traffic
  is on (the profile's definition), the hours on being the pattern's active hours a day
  (``facts.ACTIVE_HOURS_PER_DAY``), as the engine reads it back; at least 1.
- ``request_duration_s`` (mean) and ``max_duration_s`` (p99, at least the mean): REPORT
  durations win over the Duration metric, being per request. From the metric: the
  invocation-weighted Average, and the weighted p99 datapoints or, failing those, the median
  of the per-period Maximum (one period's maximum is the worst of many requests).
- ``memory_mb``: the largest Max Memory Used plus headroom (``MEMORY_HEADROOM``).
- ``input_tokens`` / ``output_tokens``: Bedrock's token counts over its Invocations, that
  is per model call, taken as one call per request (the engine multiplies them by the
  requests); ``measured["model_calls_per_request"]`` shows the ratio when Lambda's and
  Bedrock's Invocations are both given, for a person to judge.
- ``current_monthly_cost``: the latest month of the bill, summed over services.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from placement.calibration.bills import Bill
from placement.calibration.cloudwatch import (
    BEDROCK,
    CONTAINER_INSIGHTS,
    ECS,
    LAMBDA,
    MetricExport,
    MetricPoint,
)
from placement.calibration.lambda_reports import ReportLog
from placement.facts import ACTIVE_HOURS_PER_DAY

HOUR_S = 3600.0
DAY_S = 86_400.0
# A log spanning less than this is rounded out to whole hours rather than whole days.
LOG_DAY_MIN_S = 12 * HOUR_S
BATCH_WINDOW_HOURS, BUSINESS_WINDOW_HOURS, WINDOW_SHARE = 6, 12, 0.90
SPIKY_PEAK_TO_MEAN, SPIKY_PEAK_TO_USUAL = 3.0, 2.0
DIURNAL_TROUGH_TO_MEAN = 0.60
# Max Memory Used is the peak of each invocation seen; a larger input than any in the sample,
# or a new library version, must not kill a request with an out-of-memory error, and a Lambda
# function's memory also buys its CPU. 30% above the largest peak is the usual margin.
MEMORY_HEADROOM = 1.30
# Memory as a person would type it: a multiple of 64 MB, never below the profile's minimum.
MEMORY_STEP_MB, MEMORY_MIN_MB = 64, 128


@dataclass
class Derived:
    """What the files support: profile fields, measured figures, and which file gave each field."""

    fields: dict[str, Any] = field(default_factory=dict)
    measured: dict[str, Any] = field(default_factory=dict)
    field_sources: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: Any, source: str) -> None:
        self.fields[name] = value
        self.field_sources[name] = source


@dataclass(frozen=True)
class Traffic:
    """Requests counted over a span; ``hourly`` when the counts have an hour's resolution."""

    total: float
    start: datetime
    span_s: float
    hourly: np.ndarray | None
    source: str

    @property
    def days(self) -> float:
        return self.span_s / DAY_S


def derive(readings: Sequence[ReportLog | MetricExport | Bill]) -> Derived:
    reports = [r for r in readings if isinstance(r, ReportLog)]
    metrics = [r for r in readings if isinstance(r, MetricExport)]
    bills = [r for r in readings if isinstance(r, Bill)]
    derived = Derived()
    _traffic(derived, reports, metrics)
    _durations(derived, reports, metrics)
    _memory_and_cold_starts(derived, reports)
    _tokens_and_latency(derived, metrics)
    _lambda_and_ecs_extras(derived, metrics)
    _bill(derived, bills)
    return derived


# -- rounding as a person would type it ---------------------------------------------


def significant(value: float, digits: int = 3) -> float:
    """``value`` to ``digits`` significant digits: 2083.33 -> 2080.0."""
    return 0.0 if value == 0 else float(f"{value:.{digits}g}")


def seconds_to_ms_precision(ms: float) -> float:
    return max(0.001, round(ms / 1000, 3))


# -- traffic ------------------------------------------------------------------------


def _traffic(derived: Derived, reports: list[ReportLog], metrics: list[MetricExport]) -> None:
    candidates = [
        _metric_traffic(metrics, LAMBDA),
        _report_traffic(reports),
        _metric_traffic(metrics, BEDROCK),
    ]
    found = [t for t in candidates if t is not None]
    if not found:
        return
    chosen = found[0]
    derived.set("requests_per_day", significant(chosen.total / chosen.days), chosen.source)
    derived.measured["requests_per_day_source"] = chosen.source
    if len(found) > 1:
        derived.measured["requests_per_day_also_measured"] = {
            t.source: significant(t.total / t.days) for t in found[1:]
        }
    end = chosen.start + timedelta(seconds=chosen.span_s)
    derived.measured["observed"] = {
        "start": chosen.start.isoformat(),
        "end": end.isoformat(),
        "days": round(chosen.days, 2),
    }
    if chosen.hourly is not None and len(chosen.hourly) >= 24:
        _shape(derived, chosen)


def _report_traffic(reports: list[ReportLog]) -> Traffic | None:
    """Requests in REPORT lines over the whole UTC days they cover (whole hours under LOG_DAY_MIN_S).

    A log has no line for an hour without requests, so where its window began and ended is
    unknown: it is rounded out to whole days, N lines over two days being N/2 a day.
    """
    times = [inv.at for log in reports for inv in log.invocations if inv.at is not None]
    if not times:
        return None
    first, last = min(times), max(times)
    if (last - first).total_seconds() >= LOG_DAY_MIN_S:
        start = _hour_floor(first).replace(hour=0)
        end = _hour_floor(last).replace(hour=0) + timedelta(days=1)
    else:
        start, end = _hour_floor(first), _hour_floor(last) + timedelta(hours=1)
    hourly = np.zeros(int((end - start).total_seconds() // HOUR_S))
    offsets = np.array([(t - start).total_seconds() // HOUR_S for t in times], dtype=int)
    np.add.at(hourly, offsets, 1)
    names = ", ".join(log.filename for log in reports)
    return Traffic(float(len(times)), start, (end - start).total_seconds(), hourly, f"REPORT lines ({names})")


def _metric_traffic(metrics: list[MetricExport], namespace: str) -> Traffic | None:
    points, export = _series(metrics, namespace, "Invocations", "Sum")
    if not points or export is None:
        return None
    period = export.period_s or HOUR_S
    start = min(p.at for p in points)
    span = (max(p.at for p in points) - start).total_seconds() + period
    hourly = None
    if period <= HOUR_S:
        start = _hour_floor(start)
        hours = max(1, math.ceil(((max(p.at for p in points) - start).total_seconds() + period) / HOUR_S))
        hourly = np.zeros(hours)
        for p in points:
            hourly[int((p.at - start).total_seconds() // HOUR_S)] += p.value
        span = hours * HOUR_S
    total = float(sum(p.value for p in points))
    return Traffic(total, start, span, hourly, f"{namespace} Invocations metric ({export.filename})")


def _series(
    metrics: Iterable[MetricExport], namespace: str, metric: str, statistic: str | None = None
) -> tuple[list[MetricPoint], MetricExport | None]:
    """The datapoints of one metric (and statistic), from the first file that has them."""
    for export in metrics:
        points = [
            p
            for p in export.points
            if p.namespace == namespace and p.metric == metric and statistic in (None, p.statistic)
        ]
        if points:
            return points, export
    return [], None


def _hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _shape(derived: Derived, traffic: Traffic) -> None:
    hourly = traffic.hourly
    assert hourly is not None
    if hourly.sum() <= 0:
        return
    pattern = classify(hourly, first_hour=traffic.start.hour)
    derived.set("pattern", pattern, traffic.source)
    mean_while_on = traffic.total / (traffic.days * ACTIVE_HOURS_PER_DAY[pattern])
    derived.set("peak_to_average", max(1.0, significant(hourly.max() / mean_while_on)), traffic.source)
    derived.measured["busiest_hour_requests"] = float(hourly.max())


def average_day(hourly: np.ndarray, first_hour: int = 0) -> np.ndarray:
    """Mean count of each hour of the day (UTC), over the days observed."""
    sums, counts = np.zeros(24), np.zeros(24)
    hours_of_day = (np.arange(len(hourly)) + first_hour) % 24
    np.add.at(sums, hours_of_day, hourly)
    np.add.at(counts, hours_of_day, 1)
    return np.divide(sums, counts, out=np.zeros(24), where=counts > 0)


def classify(hourly: np.ndarray, first_hour: int = 0) -> str:
    """The profile's pattern for hourly request counts (thresholds in the module docstring).

    >>> office = np.tile([0.0] * 9 + [100.0] * 8 + [0.0] * 7, 5)
    >>> classify(office)
    'business_hours'
    """
    day = average_day(hourly, first_hour)
    if _busiest_window_share(day, BATCH_WINDOW_HOURS) >= WINDOW_SHARE:
        return "batch"
    if _busiest_window_share(day, BUSINESS_WINDOW_HOURS) >= WINDOW_SHARE:
        return "business_hours"
    peak_at = int(np.argmax(hourly))
    usual = day[(peak_at + first_hour) % 24]
    if (
        len(hourly) >= 48
        and hourly.max() >= SPIKY_PEAK_TO_MEAN * hourly.mean()
        and hourly.max() >= SPIKY_PEAK_TO_USUAL * usual
    ):
        return "spiky"
    if day.min() <= DIURNAL_TROUGH_TO_MEAN * day.mean():
        return "diurnal"
    return "steady"


def _busiest_window_share(day: np.ndarray, hours: int) -> float:
    """Largest share of the day's requests in ``hours`` consecutive hours (wrapping midnight)."""
    wrapped = np.concatenate([day, day[: hours - 1]])
    windows = np.convolve(wrapped, np.ones(hours), mode="valid")[:24]
    return float(windows.max() / day.sum())


# -- durations ----------------------------------------------------------------------


def _durations(derived: Derived, reports: list[ReportLog], metrics: list[MetricExport]) -> None:
    durations = np.array([inv.duration_ms for log in reports for inv in log.invocations])
    if durations.size:
        source = "REPORT lines (" + ", ".join(log.filename for log in reports) + ")"
        p50, p95, p99 = np.percentile(durations, [50, 95, 99])
        mean = float(durations.mean())
        derived.measured["duration_ms"] = {
            "mean": round(mean, 1),
            "p50": round(float(p50), 1),
            "p95": round(float(p95), 1),
            "p99": round(float(p99), 1),
            "max": round(float(durations.max()), 1),
        }
        derived.set("request_duration_s", seconds_to_ms_precision(mean), source)
        derived.set("max_duration_s", seconds_to_ms_precision(max(float(p99), mean)), source)
        return
    _metric_durations(derived, metrics)


def _metric_durations(derived: Derived, metrics: list[MetricExport]) -> None:
    averages, export = _series(metrics, LAMBDA, "Duration", "Average")
    if not averages or export is None:
        return
    weights = _invocation_weights(metrics)
    mean = _weighted_mean(averages, weights)
    source = f"{LAMBDA} Duration metric ({export.filename})"
    derived.set("request_duration_s", seconds_to_ms_precision(mean), source)
    summary: dict[str, float] = {"mean": round(mean, 1)}
    p99s, _ = _series(metrics, LAMBDA, "Duration", "p99")
    maxima, _ = _series(metrics, LAMBDA, "Duration", "Maximum")
    worst = None
    if p99s:
        worst = summary["p99"] = round(_weighted_mean(p99s, weights), 1)
    elif maxima:
        worst = summary["median_of_period_maximum"] = round(float(np.median([p.value for p in maxima])), 1)
    if maxima:
        summary["max"] = round(max(p.value for p in maxima), 1)
    if worst is not None:
        derived.set("max_duration_s", seconds_to_ms_precision(max(worst, mean)), source)
    derived.measured["duration_ms"] = summary


def _invocation_weights(metrics: list[MetricExport]) -> dict[datetime, float]:
    points, _ = _series(metrics, LAMBDA, "Invocations", "Sum")
    return {p.at: p.value for p in points}


def _weighted_mean(points: list[MetricPoint], weights: dict[datetime, float]) -> float:
    values = np.array([p.value for p in points])
    w = np.array([weights.get(p.at, 0.0) for p in points])
    return float(np.average(values, weights=w)) if w.sum() > 0 else float(values.mean())


# -- memory and cold starts ---------------------------------------------------------


def provisioned_memory_mb(max_used_mb: float) -> int:
    """Memory an engineer would set for code whose largest peak is ``max_used_mb``.

    >>> provisioned_memory_mb(70), provisioned_memory_mb(300)
    (128, 448)
    """
    needed = math.ceil(max_used_mb * MEMORY_HEADROOM / MEMORY_STEP_MB) * MEMORY_STEP_MB
    return max(MEMORY_MIN_MB, needed)


def _memory_and_cold_starts(derived: Derived, reports: list[ReportLog]) -> None:
    invocations = [inv for log in reports for inv in log.invocations]
    if not invocations:
        return
    source = "REPORT lines (" + ", ".join(log.filename for log in reports) + ")"
    cold = [inv.init_duration_ms for inv in invocations if inv.init_duration_ms is not None]
    derived.measured["report_lines"] = len(invocations)
    derived.measured["cold_start_share"] = round(len(cold) / len(invocations), 4)
    if cold:
        derived.measured["init_duration_ms"] = {
            "mean": round(float(np.mean(cold)), 1),
            "max": round(float(np.max(cold)), 1),
        }
    used = [inv.max_memory_used_mb for inv in invocations if inv.max_memory_used_mb is not None]
    sizes = [inv.memory_size_mb for inv in invocations if inv.memory_size_mb is not None]
    if sizes:
        derived.measured["memory_size_mb"] = round(max(sizes), 1)
    if used:
        derived.measured["max_memory_used_mb"] = round(max(used), 1)
        derived.set("memory_mb", provisioned_memory_mb(max(used)), source)


# -- Bedrock, Lambda and ECS metrics --------------------------------------------------


def _tokens_and_latency(derived: Derived, metrics: list[MetricExport]) -> None:
    calls, export = _series(metrics, BEDROCK, "Invocations", "Sum")
    total_calls = sum(p.value for p in calls)
    for name, metric in (("input_tokens", "InputTokenCount"), ("output_tokens", "OutputTokenCount")):
        tokens, token_export = _series(metrics, BEDROCK, metric, "Sum")
        if tokens and total_calls > 0 and token_export is not None:
            per_call = sum(p.value for p in tokens) / total_calls
            derived.set(
                name,
                math.floor(per_call + 0.5),
                f"{BEDROCK} {metric} / Invocations ({token_export.filename})",
            )
    if total_calls and export is not None:
        derived.measured["bedrock_invocations"] = total_calls
        requests = _metric_traffic(metrics, LAMBDA)
        model_calls = _metric_traffic(metrics, BEDROCK)
        if requests is not None and model_calls is not None and requests.total > 0:
            ratio = (model_calls.total / model_calls.days) / (requests.total / requests.days)
            derived.measured["model_calls_per_request"] = significant(ratio)
    latency, _ = _series(metrics, BEDROCK, "InvocationLatency", "Average")
    if latency:
        weights = {p.at: p.value for p in calls}
        derived.measured["bedrock_latency_ms"] = round(_weighted_mean(latency, weights), 1)


def _lambda_and_ecs_extras(derived: Derived, metrics: list[MetricExport]) -> None:
    concurrency, _ = _series(metrics, LAMBDA, "ConcurrentExecutions")
    if concurrency:
        derived.measured["peak_concurrency"] = max(p.value for p in concurrency)
    throttles, _ = _series(metrics, LAMBDA, "Throttles", "Sum")
    if throttles:
        derived.measured["throttles"] = sum(p.value for p in throttles)
    for key, namespace, metric in (
        ("ecs_cpu_utilization_percent", ECS, "CPUUtilization"),
        ("ecs_running_tasks", CONTAINER_INSIGHTS, "RunningTaskCount"),
    ):
        points, _ = _series(metrics, namespace, metric)
        if points:
            values = [p.value for p in points]
            derived.measured[key] = {"mean": round(float(np.mean(values)), 2), "max": round(max(values), 2)}


# -- the bill -----------------------------------------------------------------------


def _bill(derived: Derived, bills: list[Bill]) -> None:
    if not bills:
        return
    # One file per month: a CUR and a Cost Explorer download of the same month would count it twice.
    latest = max(line.month for bill in bills for line in bill.lines)
    chosen = next(b for b in sorted(bills, key=lambda b: "Cost and Usage" not in b.layout) if _has(b, latest))
    per_service: dict[str, float] = defaultdict(float)
    for line in chosen.lines:
        if line.month == latest:
            per_service[line.service] += line.cost
    total = round(sum(per_service.values()), 2)
    derived.measured["bill"] = {
        "month": latest,
        "total": total,
        "by_service": {name: round(cost, 2) for name, cost in sorted(per_service.items())},
    }
    derived.set("current_monthly_cost", max(0.0, total), f"{chosen.layout} ({chosen.filename}), {latest}")


def _has(bill: Bill, month: str) -> bool:
    return any(line.month == month for line in bill.lines)
