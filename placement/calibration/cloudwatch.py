"""CloudWatch metric exports (CSV) for Lambda, ECS/Fargate and Bedrock.

Metrics read (others in the file are skipped):

- AWS/Lambda: Invocations, Duration, ConcurrentExecutions, Throttles
- AWS/ECS: CPUUtilization; ECS/ContainerInsights: RunningTaskCount
- AWS/Bedrock: Invocations, InputTokenCount, OutputTokenCount, InvocationLatency

Accepted layouts:

- Wide, as a graph's "Download as .csv" gives it: the first column holds the time
  (headed ``Time``, ``Timestamp``, ``Date`` or nothing), then one column per graphed
  line, headed with the line's label. A label names the metric (``Invocations``,
  ``my-fn Invocations``, ``AWS/Lambda Invocations (Sum)``); it may name the
  namespace or service (``Lambda``, ``Bedrock``, ``ECS``) and the statistic
  (``Sum``, ``Average``, ``Maximum``, ``Minimum``, ``SampleCount``, ``p99``...).
  Without a statistic a metric's usual one is assumed (Sum for counts, Average for
  durations and utilisation, Maximum for concurrency). An empty cell is no datapoint.
  The stored AWS documentation read on 2026-12-01 describes graphing
  (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/graph_a_metric.html)
  but not the columns of the downloaded file, hence this tolerant reading.
- Long, one datapoint a row: ``timestamp,metric,statistic,value[,unit]`` (an optional
  ``namespace`` column too); the metric may be qualified, ``AWS/Bedrock Invocations``.

``Invocations`` is in both AWS/Lambda and AWS/Bedrock: a label or namespace that
names the service decides; otherwise it is Bedrock's in a file with only Bedrock
metrics besides, and Lambda's in any other.
"""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from placement.calibration.errors import ExportError
from placement.calibration.reading import CsvTable, header_text, number, timestamp

LAMBDA, ECS, CONTAINER_INSIGHTS, BEDROCK = "AWS/Lambda", "AWS/ECS", "ECS/ContainerInsights", "AWS/Bedrock"
# Each metric read: its namespace(s) and the statistic assumed when a label names none.
METRICS: dict[str, tuple[tuple[str, ...], str]] = {
    "Invocations": ((LAMBDA, BEDROCK), "Sum"),
    "Duration": ((LAMBDA,), "Average"),
    "ConcurrentExecutions": ((LAMBDA,), "Maximum"),
    "Throttles": ((LAMBDA,), "Sum"),
    "CPUUtilization": ((ECS,), "Average"),
    "RunningTaskCount": ((CONTAINER_INSIGHTS,), "Average"),
    "InputTokenCount": ((BEDROCK,), "Sum"),
    "OutputTokenCount": ((BEDROCK,), "Sum"),
    "InvocationLatency": ((BEDROCK,), "Average"),
}
TIME_HEADERS = ("", "time", "timestamp", "date", "datetime")
LONG_COLUMNS = ("timestamp", "metric", "statistic", "value")
_STATISTIC = re.compile(r"\b(Sum|Average|Avg|Maximum|Max|Minimum|Min|SampleCount|p\d{1,2}(?:\.\d+)?)\b", re.I)
_STATISTIC_NAMES = {"avg": "Average", "max": "Maximum", "min": "Minimum"}
_SERVICE_HINTS = {"bedrock": BEDROCK, "lambda": LAMBDA, "ecs": ECS}
_METRIC_WORD = re.compile(r"\b(" + "|".join(METRICS) + r")\b")


@dataclass(frozen=True, slots=True)
class MetricPoint:
    """One datapoint: a statistic of a metric over the period starting at ``at``."""

    at: datetime
    namespace: str
    metric: str
    statistic: str
    value: float


@dataclass(frozen=True)
class MetricExport:
    """The datapoints of one file; ``period_s`` is the spacing of its datapoints (None: one each)."""

    filename: str
    layout: str
    points: tuple[MetricPoint, ...]
    period_s: float | None

    def describe(self) -> str:
        series = sorted({f"{p.namespace} {p.metric} ({p.statistic})" for p in self.points})
        return f"{self.filename}: {len(self.points):,} CloudWatch datapoints ({self.layout}): " + ", ".join(
            series
        )


@dataclass(frozen=True)
class _Label:
    metric: str
    namespace: str | None
    statistic: str


def metric_label(text: str) -> _Label | None:
    """The metric, service and statistic a column label or metric cell names (None: not one read here).

    >>> metric_label("support-bot Duration (p99)")
    _Label(metric='Duration', namespace='AWS/Lambda', statistic='p99')
    """
    found = _METRIC_WORD.search(text)
    if found is None:
        return None
    metric = found.group(1)
    namespaces, default_statistic = METRICS[metric]
    hint = next((ns for word, ns in _SERVICE_HINTS.items() if word in text.lower()), None)
    namespace = namespaces[0] if len(namespaces) == 1 else (hint if hint in namespaces else None)
    # Only after the metric's name: a function called "max-bot" names no statistic.
    stated = _STATISTIC.search(text[found.end() :])
    statistic = _statistic_name(stated.group(1)) if stated else default_statistic
    return _Label(metric, namespace, statistic)


def _statistic_name(word: str) -> str:
    lowered = word.lower()
    if lowered.startswith("p") and lowered[1:2].isdigit():
        return lowered
    return _STATISTIC_NAMES.get(lowered, lowered.capitalize() if lowered != "samplecount" else "SampleCount")


def is_long_layout(header: tuple[str, ...]) -> bool:
    lowered = {cell.lower() for cell in header}
    return all(column in lowered for column in LONG_COLUMNS)


def is_wide_layout(header: tuple[str, ...]) -> bool:
    return (
        len(header) >= 2
        and header[0].strip().lower() in TIME_HEADERS
        and any(metric_label(cell) for cell in header[1:])
    )


def read_metrics(filename: str, table: CsvTable) -> MetricExport:
    """The datapoints of a CloudWatch metric CSV in either layout."""
    if is_long_layout(table.header):
        layout, raw = "long CSV", _long_points(table)
    else:
        layout, raw = "console CSV", _wide_points(table)
    if not raw:
        raise ExportError(
            filename,
            "no datapoints of a metric the advisor reads (" + ", ".join(METRICS) + ")",
        )
    lambda_invocations = _default_invocations_namespace(raw)
    points = tuple(
        MetricPoint(at, namespace or lambda_invocations, label.metric, label.statistic, value)
        for at, label, namespace, value in raw
    )
    return MetricExport(filename, layout, points, _period(points))


_Raw = tuple[datetime, _Label, str | None, float]


def _long_points(table: CsvTable) -> list[_Raw]:
    at_col, metric_col = table.required("timestamp"), table.required("metric")
    statistic_col, value_col = table.required("statistic"), table.required("value")
    namespace_col = table.column("namespace")
    raw = []
    for row, cells in table.rows:
        qualified = (
            f"{cells[namespace_col]} {cells[metric_col]}" if namespace_col is not None else cells[metric_col]
        )
        label = metric_label(qualified)
        if label is None:
            continue  # a metric the advisor does not read
        statistic = cells[statistic_col].strip()
        label = _Label(
            label.metric, label.namespace, _statistic_name(statistic) if statistic else label.statistic
        )
        at = timestamp(table.filename, row, table.header[at_col], cells[at_col])
        value = number(table.filename, row, table.header[value_col], cells[value_col])
        raw.append((at, label, label.namespace, value))
    return raw


def _wide_points(table: CsvTable) -> list[_Raw]:
    labels = {index: metric_label(name) for index, name in enumerate(table.header) if index > 0}
    read = {index: label for index, label in labels.items() if label is not None}
    if not read:
        raise ExportError(
            table.filename,
            f"no column names a metric the advisor reads; the header row has {header_text(table.header)}",
            row=1,
        )
    raw = []
    for row, cells in table.rows:
        at = timestamp(table.filename, row, table.header[0] or "time", cells[0])
        for index, label in read.items():
            if cells[index].strip():
                value = number(table.filename, row, table.header[index], cells[index])
                raw.append((at, label, label.namespace, value))
    return raw


def _default_invocations_namespace(raw: list[_Raw]) -> str:
    named = {namespace for _, _, namespace, _ in raw if namespace}
    return BEDROCK if named and named <= {BEDROCK} else LAMBDA


def _period(points: tuple[MetricPoint, ...]) -> float | None:
    """The typical spacing of one series' datapoints, in seconds."""
    series: dict[tuple[str, str, str], list[datetime]] = defaultdict(list)
    for point in points:
        series[(point.namespace, point.metric, point.statistic)].append(point.at)
    gaps: list[float] = []
    for times in series.values():
        ordered = sorted(set(times))
        gaps.extend((b - a).total_seconds() for a, b in zip(ordered, ordered[1:]))
    return statistics.median(gaps) if gaps else None
