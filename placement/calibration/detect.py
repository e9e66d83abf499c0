"""Which kind of usage export a file is, from its content rather than its name."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from typing import Any

from placement.calibration import bills, cloudwatch, lambda_reports
from placement.calibration.bills import Bill
from placement.calibration.cloudwatch import MetricExport
from placement.calibration.errors import ExportError
from placement.calibration.lambda_reports import REPORT_MARK, ReportLog
from placement.calibration.reading import export_text, header_text, read_csv, read_json

Export = ReportLog | MetricExport | Bill
KINDS = "a Lambda REPORT log, CloudWatch metric export, Cost and Usage Report or Cost Explorer file"


def read_export(filename: str, data: bytes) -> Export:
    """The measurements one uploaded file holds. Raises ExportError naming the file, row and column."""
    text = export_text(filename, data)
    if text.lstrip()[:1] in ("{", "["):
        return _json_export(filename, read_json(filename, text))
    header = _first_row(text)
    if "@duration" in header:
        return lambda_reports.read_insights_fields(filename, read_csv(filename, text))
    if "@message" in header:
        return lambda_reports.read_insights_messages(filename, read_csv(filename, text))
    if bills.is_cur(header):
        return bills.read_cur(filename, read_csv(filename, text))
    if cloudwatch.is_long_layout(header) or cloudwatch.is_wide_layout(header):
        return cloudwatch.read_metrics(filename, read_csv(filename, text))
    if bills.is_cost_explorer(header):
        return bills.read_cost_explorer(filename, read_csv(filename, text))
    if REPORT_MARK in text:
        return lambda_reports.read_log_text(filename, text)
    raise ExportError(filename, f"not {KINDS}: first row has columns {header_text(header)}", row=1)


def _first_row(text: str) -> tuple[str, ...]:
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    try:
        cells = next(csv.reader([first_line]), [])
    except csv.Error:
        cells = [first_line]
    return tuple(cell.strip() for cell in cells)


def _json_export(filename: str, document: Any) -> Export:
    if isinstance(document, Mapping) and "events" in document:
        return lambda_reports.read_filter_log_events(filename, document)
    if isinstance(document, Mapping) and "results" in document:
        return lambda_reports.read_insights_json(filename, document)
    first = document[0] if isinstance(document, list) and document else None
    if isinstance(first, Mapping) and ("@duration" in first or "@message" in first):
        return lambda_reports.read_insights_json(filename, document)
    if isinstance(first, Mapping) and "message" in first:
        return lambda_reports.read_filter_log_events(filename, document)
    keys = (
        list(document)[:8]
        if isinstance(document, Mapping)
        else list(first)[:8]
        if isinstance(first, Mapping)
        else []
    )
    found = f"its keys are {', '.join(map(repr, keys))}" if keys else "it holds no records with keys"
    raise ExportError(
        filename, f"not {KINDS}: the JSON is not a filter-log-events or Logs Insights export ({found})"
    )
