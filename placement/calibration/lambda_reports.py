"""Lambda REPORT lines, in the layouts a team can export without giving the tool credentials.

Lambda writes one REPORT line per invocation to the function's log group::

    REPORT RequestId: 3f5c...  Duration: 102.25 ms  Billed Duration: 103 ms
    Memory Size: 1024 MB  Max Memory Used: 70 MB  Init Duration: 120.30 ms

(fields separated by tabs; ``Init Duration`` only on a cold start). Accepted layouts:

- ``aws logs filter-log-events`` JSON: ``{"events": [{"timestamp": <epoch ms>, "message": ...}]}``
  (a bare list of such events too); row = the event's position in the list, from 1.
- ``aws logs filter-log-events --output text``: ``EVENTS`` lines whose message holds the
  REPORT; the event's epoch-ms timestamp follows the message, on the same line or, as
  the CLI prints a message that ends in a newline, on the next. Plain log lines
  (``aws logs tail``) with an ISO timestamp first are read too. Row = line number.
- Logs Insights CSV of raw lines: columns ``@timestamp`` and ``@message``.
- Logs Insights parsed fields, CSV or JSON (list of objects, or ``get-query-results``'
  ``{"results": [[{"field", "value"}...]]}``): ``@timestamp``, ``@duration``,
  ``@billedDuration``, ``@memorySize``, ``@maxMemoryUsed``, ``@initDuration``. Logs
  Insights gives the two memory fields in bytes (10^6 to the MB, as Lambda's own
  REPORT line counts them): AWS's Lambda Operator Guide divides them by 1000/1000
  (https://serverlessland.com/content/service/lambda/guides/aws-lambda-operator-guide/useful-queries,
  read 2026-12-01).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from placement.calibration.errors import ExportError
from placement.calibration.reading import (
    MAX_ROWS,
    CsvTable,
    json_records,
    number,
    optional_number,
    timestamp,
    too_many_rows,
)

REPORT_MARK = "REPORT RequestId:"
BYTES_PER_MB = 1_000_000

# Each field of a REPORT message: its name as Lambda writes it, and its value's pattern.
_FIELDS = {
    "Duration": re.compile(r"(?<!Billed )(?<!Init )(?<!Restore )\bDuration:\s*(\S+?)\s*ms"),
    "Billed Duration": re.compile(r"Billed Duration:\s*(\S+?)\s*ms"),
    "Memory Size": re.compile(r"Memory Size:\s*(\S+?)\s*MB"),
    "Max Memory Used": re.compile(r"Max Memory Used:\s*(\S+?)\s*MB"),
    "Init Duration": re.compile(r"Init Duration:\s*(\S+?)\s*ms"),
}
_TRAILING_EPOCH_MS = re.compile(r"\t\s*(\d{12,13})\s*$")
_LONE_EPOCH_MS = re.compile(r"\s*(\d{12,13})\s*")
_LEADING_ISO = re.compile(r"^(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\s")
INSIGHTS_FIELDS = ("@duration", "@billedDuration", "@memorySize", "@maxMemoryUsed", "@initDuration")


@dataclass(frozen=True, slots=True)
class Invocation:
    """One REPORT line: when, how long, how much memory, and whether it was a cold start."""

    at: datetime | None
    duration_ms: float
    billed_duration_ms: float | None = None
    memory_size_mb: float | None = None
    max_memory_used_mb: float | None = None
    init_duration_ms: float | None = None

    @property
    def cold_start(self) -> bool:
        return self.init_duration_ms is not None


@dataclass(frozen=True)
class ReportLog:
    """The REPORT lines of one file, and the layout they were read from."""

    filename: str
    layout: str
    invocations: tuple[Invocation, ...]

    def describe(self) -> str:
        return f"{self.filename}: {len(self.invocations):,} Lambda REPORT lines ({self.layout})"


def parse_report(filename: str, row: int | None, message: str, at: datetime | None) -> Invocation:
    """The invocation one REPORT message describes; ``row`` locates an error."""
    values: dict[str, float | None] = {}
    for name, pattern in _FIELDS.items():
        found = pattern.search(message)
        values[name] = number(filename, row, name, found.group(1)) if found else None
    duration = values["Duration"]
    if duration is None:
        raise ExportError(filename, "the REPORT line has no 'Duration: ... ms'", row=row, column="Duration")
    return Invocation(
        at=at,
        duration_ms=duration,
        billed_duration_ms=values["Billed Duration"],
        memory_size_mb=values["Memory Size"],
        max_memory_used_mb=values["Max Memory Used"],
        init_duration_ms=values["Init Duration"],
    )


# -- raw lines ----------------------------------------------------------------------


def read_log_text(filename: str, text: str) -> ReportLog:
    """REPORT lines in ``filter-log-events --output text`` or plain log-line text."""
    lines = text.splitlines()
    invocations: list[Invocation] = []
    for index, line in enumerate(lines):
        start = line.find(REPORT_MARK)
        if start < 0:
            continue
        if len(invocations) >= MAX_ROWS:
            raise too_many_rows(filename)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        at = _line_time(filename, index + 1, line, following)
        invocations.append(parse_report(filename, index + 1, line[start:], at))
    return _log(filename, "log lines", invocations)


def _line_time(filename: str, row: int, line: str, following: str) -> datetime | None:
    trailing = _TRAILING_EPOCH_MS.search(line)
    if trailing:
        return timestamp(filename, row, "timestamp", trailing.group(1))
    lone = _LONE_EPOCH_MS.fullmatch(following)
    if lone:  # the CLI printed the message's closing newline, then the timestamp
        return timestamp(filename, row + 1, "timestamp", lone.group(1))
    leading = _LEADING_ISO.match(line)
    return timestamp(filename, row, "timestamp", leading.group(1)) if leading else None


def read_filter_log_events(filename: str, document: Any) -> ReportLog:
    """``filter-log-events`` JSON: its ``events`` (or a bare list of events)."""
    events = document.get("events") if isinstance(document, Mapping) else document
    if not isinstance(events, list):
        raise ExportError(filename, 'expected {"events": [...]} as filter-log-events writes it')
    invocations = []
    for row, event in json_records(filename, events):
        if not isinstance(event, Mapping) or not isinstance(event.get("message"), str):
            raise ExportError(filename, "an event without a message", row=row, column="message")
        if REPORT_MARK not in event["message"]:
            continue  # START, END and the function's own lines
        at = timestamp(filename, row, "timestamp", event["timestamp"]) if "timestamp" in event else None
        invocations.append(parse_report(filename, row, event["message"], at))
    return _log(filename, "filter-log-events JSON", invocations)


def read_insights_messages(filename: str, table: CsvTable) -> ReportLog:
    """A Logs Insights CSV of ``@timestamp`` and ``@message``."""
    message_at = table.required("@message")
    time_at = table.column("@timestamp")
    invocations = []
    for row, cells in table.rows:
        message = cells[message_at]
        if REPORT_MARK not in message:
            continue
        at = None if time_at is None else timestamp(filename, row, "@timestamp", cells[time_at])
        invocations.append(parse_report(filename, row, message, at))
    return _log(filename, "Logs Insights @message CSV", invocations)


# -- Logs Insights parsed fields ----------------------------------------------------


def read_insights_fields(filename: str, table: CsvTable) -> ReportLog:
    """A Logs Insights CSV of the parsed REPORT fields (``@duration`` required)."""
    records = [
        (row, {name: cells[index] for index, name in enumerate(table.header)}) for row, cells in table.rows
    ]
    return _log(
        filename, "Logs Insights fields CSV", [_fields_invocation(filename, r, c) for r, c in records]
    )


def read_insights_json(filename: str, document: Any) -> ReportLog:
    """Logs Insights results as JSON: a list of objects, or ``get-query-results``' output."""
    if isinstance(document, Mapping) and isinstance(document.get("results"), list):
        document = [
            _query_result(filename, row, item) for row, item in json_records(filename, document["results"])
        ]
    if not isinstance(document, list):
        raise ExportError(filename, "expected a list of Logs Insights results")
    invocations = []
    for row, record in json_records(filename, document):
        if not isinstance(record, Mapping):
            raise ExportError(filename, "a result that is not an object", row=row)
        if "@duration" in record:
            invocations.append(_fields_invocation(filename, row, record))
        elif REPORT_MARK in str(record.get("@message", "")):
            at = (
                timestamp(filename, row, "@timestamp", record["@timestamp"])
                if "@timestamp" in record
                else None
            )
            invocations.append(parse_report(filename, row, str(record["@message"]), at))
    return _log(filename, "Logs Insights JSON", invocations)


def _query_result(filename: str, row: int, item: Any) -> dict[str, Any]:
    try:
        return {cell["field"]: cell["value"] for cell in item}
    except (TypeError, KeyError):
        raise ExportError(filename, 'expected [{"field": ..., "value": ...}, ...]', row=row) from None


def _fields_invocation(filename: str, row: int, record: Mapping[str, Any]) -> Invocation:
    def megabytes(name: str) -> float | None:
        value = optional_number(filename, row, name, record.get(name))
        return None if value is None else value / BYTES_PER_MB

    at = record.get("@timestamp")
    if "@duration" not in record:
        raise ExportError(filename, "no @duration", row=row, column="@duration")
    return Invocation(
        at=None if at in (None, "") else timestamp(filename, row, "@timestamp", at),
        duration_ms=number(filename, row, "@duration", record["@duration"]),
        billed_duration_ms=optional_number(filename, row, "@billedDuration", record.get("@billedDuration")),
        memory_size_mb=megabytes("@memorySize"),
        max_memory_used_mb=megabytes("@maxMemoryUsed"),
        init_duration_ms=optional_number(filename, row, "@initDuration", record.get("@initDuration")),
    )


def _log(filename: str, layout: str, invocations: list[Invocation]) -> ReportLog:
    if not invocations:
        raise ExportError(filename, f"no Lambda REPORT lines in this {layout}")
    return ReportLog(filename, layout, tuple(invocations))
