"""What every usage reader shares: size limits, decoding, CSV rows, numbers and timestamps.

Every problem is an ``ExportError`` naming the file and, where there is one, the row
and the column, so a person can open the file at that cell.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from placement.calibration.errors import ExportError

# Bounds that keep one upload from holding a worker for long: a month of hourly metrics or a
# Cost and Usage Report for a few services is far smaller; larger logs should be summarised
# with Logs Insights (its parsed-fields export) before they are uploaded.
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 1_000_000

_EPOCH_MS = re.compile(r"\d{12,13}")
_EPOCH_S = re.compile(r"\d{9,10}(\.\d+)?")
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?")


def export_text(filename: str, data: bytes) -> str:
    """The file as text: at most MAX_BYTES, UTF-8 (a spreadsheet's byte-order mark dropped)."""
    if len(data) > MAX_BYTES:
        raise ExportError(
            filename,
            f"the file is {len(data) / 1e6:,.1f} MB; at most {MAX_BYTES // (1024 * 1024)} MB is read",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(filename, f"the file is not UTF-8 text (byte {exc.start + 1})") from None
    if not text.strip():
        raise ExportError(filename, "the file is empty")
    return text


def too_many_rows(filename: str) -> ExportError:
    return ExportError(filename, f"more than {MAX_ROWS:,} rows; export a shorter period or a summary")


@dataclass(frozen=True)
class CsvTable:
    """A CSV file's header and its data rows, each with its number as a spreadsheet shows it."""

    filename: str
    header: tuple[str, ...]
    rows: tuple[tuple[int, tuple[str, ...]], ...]

    def column(self, *names: str) -> int | None:
        """Index of the first of ``names`` in the header (exact, then case-insensitive), or None."""
        for name in names:
            if name in self.header:
                return self.header.index(name)
        lowered = [cell.lower() for cell in self.header]
        for name in names:
            if name.lower() in lowered:
                return lowered.index(name.lower())
        return None

    def required(self, *names: str) -> int:
        index = self.column(*names)
        if index is None:
            raise ExportError(
                self.filename,
                f"no {names[0]} column; the header row has {header_text(self.header)}",
                row=1,
                column=names[0],
            )
        return index


def header_text(header: tuple[str, ...] | list[str], limit: int = 8) -> str:
    shown = ", ".join(repr(cell[:40]) for cell in header[:limit])
    return shown + (f" and {len(header) - limit} more" if len(header) > limit else "")


def read_csv(filename: str, text: str) -> CsvTable:
    """Header and non-blank rows of a CSV text; rows shorter than the header are padded with ''.

    Rows are numbered by record, as a spreadsheet shows them, not by line: a Logs Insights
    ``@message`` cell holds the REPORT line's closing newline.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    number = 1
    try:
        header = tuple(cell.strip() for cell in next(reader, []))
        rows: list[tuple[int, tuple[str, ...]]] = []
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines a spreadsheet leaves at the end
            if len(rows) >= MAX_ROWS:
                raise too_many_rows(filename)
            rows.append((number, tuple(cells) + ("",) * (len(header) - len(cells))))
    except csv.Error as exc:
        raise ExportError(filename, f"not valid CSV: {exc}", row=number + 1) from None
    if not header:
        raise ExportError(filename, "the file is empty")
    return CsvTable(filename, header, tuple(rows))


def read_json(filename: str, text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except ValueError as exc:
        if isinstance(exc, json.JSONDecodeError):
            where = f" (line {exc.lineno}, column {exc.colno})"
            raise ExportError(filename, f"not valid JSON{where}: {exc.msg}") from None
        raise ExportError(filename, f"not valid JSON: {exc}") from None


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def number(filename: str, row: int | None, column: str, raw: Any) -> float:
    """A finite number from a cell or a JSON value, or an ExportError naming the cell.

    A cell may group thousands with commas, as a spreadsheet writes ``1,024``.
    """
    value: float | None
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = float(raw)
    elif isinstance(raw, str) and "_" not in raw:
        value = _text_number(raw)
    else:
        value = None
    if value is None:
        shown = repr(raw[:40]) if isinstance(raw, str) else repr(raw)
        raise ExportError(filename, f"{shown} is not a number", row=row, column=column)
    if not math.isfinite(value):
        raise ExportError(filename, f"{raw!r} is not a finite number", row=row, column=column)
    return value


def _text_number(text: str) -> float | None:
    try:
        return float(text)  # the common case, fast; "nan" and "inf" are refused as not finite
    except ValueError:
        cleaned = text.strip().replace(",", "")
        return float(cleaned) if _NUMBER.fullmatch(cleaned) else None


def optional_number(filename: str, row: int | None, column: str, raw: Any) -> float | None:
    """As ``number``, but an empty cell (or a JSON null) is None: a warm start has no Init Duration."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return number(filename, row, column, raw)


def timestamp(filename: str, row: int | None, column: str, raw: Any) -> datetime:
    """A UTC time from epoch milliseconds or seconds, or ISO 8601 (a space for the T, / for -)."""
    text = str(raw).strip() if raw is not None else ""
    parsed = _epoch(text) if not isinstance(raw, bool) else None
    if parsed is None:
        parsed = _iso(text)
    if parsed is None:
        raise ExportError(filename, f"{text[:40]!r} is not a date and time", row=row, column=column)
    return parsed


def _epoch(text: str) -> datetime | None:
    if _EPOCH_MS.fullmatch(text):
        return datetime.fromtimestamp(int(text) / 1000, tz=UTC)
    if _EPOCH_S.fullmatch(text):
        return datetime.fromtimestamp(float(text), tz=UTC)
    return None


def _iso(text: str) -> datetime | None:
    cleaned = text.replace("/", "-").replace(" UTC", "Z").removesuffix("Z")
    if not cleaned or cleaned[0] not in "0123456789":
        return None
    try:
        parsed = datetime.fromisoformat(cleaned)
    except ValueError:
        return None
    # AWS exports are in UTC unless they say otherwise.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def json_records(filename: str, items: list[Any]) -> list[tuple[int, Any]]:
    """JSON records numbered from 1, as a person counts them; at most MAX_ROWS."""
    if len(items) > MAX_ROWS:
        raise too_many_rows(filename)
    return list(enumerate(items, start=1))
