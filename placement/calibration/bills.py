"""The bill per service and month: a Cost and Usage Report or a Cost Explorer CSV download.

Accepted layouts:

- Cost and Usage Report, legacy column names (``lineItem/UsageStartDate``,
  ``lineItem/ProductCode``, ``lineItem/UnblendedCost``, optional ``product/ProductName``
  and ``bill/BillingPeriodStartDate``) or CUR 2.0's snake_case (``line_item_usage_start_date``,
  ``line_item_product_code``, ``line_item_unblended_cost``, optional
  ``product_product_name`` and ``bill_billing_period_start_date``). Every line counts,
  tax and credits included: their sum is what the month's invoice shows. Column names
  from the CUR data dictionary (https://docs.aws.amazon.com/cur/latest/userguide/data-dictionary.html)
  and the CUR 2.0 queries of AWS's Well-Architected labs, read 2026-12-01.
- Cost Explorer "Download CSV" grouped by service: a header row naming the dimension
  (``Service``) and one column per service, headed ``<service>($)``, with a
  ``Total costs($)`` column; then a ``Service total`` row and one row per day or month,
  its first cell the date. The total column and row are recomputed, not read.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from placement.calibration.errors import ExportError
from placement.calibration.reading import CsvTable, number, timestamp

CUR_LEGACY = {
    "cost": "lineItem/UnblendedCost",
    "start": "lineItem/UsageStartDate",
    "code": "lineItem/ProductCode",
    "name": "product/ProductName",
    "period": "bill/BillingPeriodStartDate",
}
CUR_2 = {
    "cost": "line_item_unblended_cost",
    "start": "line_item_usage_start_date",
    "code": "line_item_product_code",
    "name": "product_product_name",
    "period": "bill_billing_period_start_date",
}
COST_EXPLORER_SUFFIX = "($)"
COST_EXPLORER_TOTAL = "total costs($)"


@dataclass(frozen=True, slots=True)
class BillLine:
    """What one service cost in one month (``YYYY-MM``), summed over the file's lines."""

    month: str
    service: str
    cost: float


@dataclass(frozen=True)
class Bill:
    filename: str
    layout: str
    lines: tuple[BillLine, ...]

    def describe(self) -> str:
        months = sorted({line.month for line in self.lines})
        return f"{self.filename}: the bill for {', '.join(months)} by service ({self.layout})"


def is_cur(header: tuple[str, ...]) -> bool:
    return _cur_names(header) is not None


def _cur_names(header: tuple[str, ...]) -> dict[str, str] | None:
    if any(cell.startswith("lineItem/") for cell in header):
        return CUR_LEGACY
    if any(cell.startswith("line_item_") for cell in header):
        return CUR_2
    return None


def is_cost_explorer(header: tuple[str, ...]) -> bool:
    return len(header) >= 2 and sum(cell.endswith(COST_EXPLORER_SUFFIX) for cell in header[1:]) >= 1


def read_cur(filename: str, table: CsvTable) -> Bill:
    names = _cur_names(table.header) or CUR_LEGACY
    cost_at, start_at = table.required(names["cost"]), table.required(names["start"])
    code_at = table.required(names["code"])
    name_at, period_at = table.column(names["name"]), table.column(names["period"])
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row, cells in table.rows:
        month_at = period_at if period_at is not None and cells[period_at].strip() else start_at
        month = timestamp(filename, row, table.header[month_at], cells[month_at]).strftime("%Y-%m")
        service = (cells[name_at].strip() if name_at is not None else "") or cells[code_at].strip()
        totals[(month, service or "(no service)")] += number(filename, row, names["cost"], cells[cost_at])
    layout = "Cost and Usage Report" + (" 2.0" if names is CUR_2 else "")
    return _bill(filename, layout, totals)


def read_cost_explorer(filename: str, table: CsvTable) -> Bill:
    services = {
        index: name.removesuffix(COST_EXPLORER_SUFFIX).strip()
        for index, name in enumerate(table.header)
        if index > 0 and name.endswith(COST_EXPLORER_SUFFIX) and name.lower() != COST_EXPLORER_TOTAL
    }
    totals: dict[tuple[str, str], float] = defaultdict(float)
    for row, cells in table.rows:
        first = cells[0].strip()
        if first.lower().endswith("total"):
            continue  # "Service total": the file's own sum, recomputed here
        month = timestamp(filename, row, table.header[0] or "date", first).strftime("%Y-%m")
        for index, service in services.items():
            if cells[index].strip():
                totals[(month, service)] += number(filename, row, table.header[index], cells[index])
    return _bill(filename, "Cost Explorer CSV", totals)


def _bill(filename: str, layout: str, totals: dict[tuple[str, str], float]) -> Bill:
    if not totals:
        raise ExportError(filename, f"no cost lines in this {layout}")
    lines = tuple(BillLine(month, service, cost) for (month, service), cost in sorted(totals.items()))
    return Bill(filename, layout, lines)
