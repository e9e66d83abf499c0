"""Portfolio files: many workload profiles in one CSV or JSON file, read and written.

The file carries the profile contract and nothing else, so an exported file
imports back to the same profiles:

- CSV: a header row of profile field names (any order, ``name`` required),
  then one workload per row. An empty cell means "not given" (the documented
  default applies); ``null`` in a field that may be null means an explicit null
  (e.g. "no latency target"). Text a spreadsheet would run as a formula is
  written after a single quote, which reading removes (``placement.csv_cells``).
- JSON: a list of profile objects, or ``{"workloads": [...]}`` as exported.

A one-workload file (what ``advise`` reads) holds a profile object, or a scenario,
``{"profile": {...}, "expect": {...}}``, whose profile is read (``profile_document``).

Rows are numbered the way a spreadsheet shows them: in a CSV the header is
row 1 and the first workload row 2; in JSON the first workload is row 1.

    >>> rows = read_profiles("name,requests_per_day\\nbot,2000\\n", "csv")
    >>> rows[0].number, rows[0].data
    (2, {'name': 'bot', 'requests_per_day': 2000})
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from placement.csv_cells import FormulaSafeWriter, cell_unquote
from placement.profile import (
    FIELDS,
    FIELDS_BY_NAME,
    NULL_TEXT,
    OMITTED,
    ProfileError,
    decode_value,
    parse_given,
    value_text,
)

FORMATS = ("csv", "json")
MAX_ROWS = 10_000
EXPORT_KIND = "placement-advisor/workloads"
EXPORT_VERSION = 1
NULL_CELL = NULL_TEXT
# A scenario: a profile and what a sound recommendation for it looks like.
SCENARIO_KEYS = frozenset({"profile", "expect"})


class ProfileFileError(ValueError):
    """The file as a whole cannot be read (not a row's mistake)."""


@dataclass(frozen=True)
class FileRow:
    """One workload as written in the file, with the conversion problems of its cells."""

    number: int
    data: Any
    cell_errors: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "message": self.message}


@dataclass(frozen=True)
class ValidRow:
    """A row that passed validation: the fields as given, cleaned (parse_profile's rules)."""

    number: int
    profile: dict[str, Any]


# -- reading -----------------------------------------------------------------------


def read_profiles(content: str | bytes, file_format: str) -> list[FileRow]:
    """The workload rows of a portfolio file. Raises ProfileFileError saying what is wrong."""
    if file_format not in FORMATS:
        raise ProfileFileError(f"Unknown format {file_format!r}: use csv or json.")
    text = _decode(content)
    rows = _read_csv(text) if file_format == "csv" else _read_json(text)
    if not rows:
        raise ProfileFileError("The file holds no workloads.")
    if len(rows) > MAX_ROWS:
        raise ProfileFileError(
            f"The file holds {len(rows):,} workloads; at most {MAX_ROWS:,} "
            "can be imported at once. Split it into several files."
        )
    return rows


def _decode(content: str | bytes) -> str:
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    try:
        # utf-8-sig drops the byte-order mark spreadsheet programs put at the start.
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProfileFileError(f"The file is not UTF-8 text (byte {exc.start + 1}).") from None


def _read_csv(text: str) -> list[FileRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            raise ProfileFileError("The file is empty: the first row must name the columns.")
        columns = _check_header(header)
        rows = []
        for index, cells in enumerate(reader):
            if not any(cell.strip() for cell in cells):
                continue  # blank lines, often left at the end by spreadsheets
            rows.append(_csv_row(index + 2, columns, cells))
            if len(rows) > MAX_ROWS:
                break  # enough to say the file is too long, without reading it all
    except csv.Error as exc:
        raise ProfileFileError(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    return rows


def _check_header(header: list[str]) -> list[str]:
    columns = [column.strip() for column in header]
    unknown = [c for c in columns if c not in FIELDS_BY_NAME]
    if unknown:
        raise ProfileFileError(
            "Unknown column(s) in the header row: "
            + ", ".join(repr(c[:40]) for c in unknown[:10])
            + ". Columns are profile field names."
        )
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if repeated:
        raise ProfileFileError("Column(s) named twice in the header row: " + ", ".join(repeated) + ".")
    if "name" not in columns:
        raise ProfileFileError("The header row has no 'name' column; every workload needs a name.")
    return columns


def _csv_row(number: int, columns: list[str], cells: list[str]) -> FileRow:
    if len(cells) > len(columns):
        return FileRow(number, {}, {"non_field_errors": f"{len(cells)} cells for {len(columns)} columns."})
    data: dict[str, Any] = {}
    for column, cell in zip(columns, cells):
        # The quote an export put before a formula-like name; then the form's reading of text
        # (placement.profile.decode_value): an empty cell is not given, "null" a null.
        value = decode_value(FIELDS_BY_NAME[column], cell_unquote(cell.strip()), source="text")
        if value is not OMITTED:
            data[column] = value
    return FileRow(number, data)


def _read_json(text: str) -> list[FileRow]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileFileError(
            f"The file is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}."
        ) from None
    items = document.get("workloads") if isinstance(document, dict) else document
    if not isinstance(items, list):
        raise ProfileFileError(
            'The JSON must be a list of workload profiles, or an object with a "workloads" list.'
        )
    return [FileRow(index + 1, item) for index, item in enumerate(items[: MAX_ROWS + 1])]


def profile_document(document: Any) -> Any:
    """The profile a one-workload document holds: the document itself, or a scenario's profile.

    No profile field is called ``profile``, so a document with that key is a scenario;
    what it ``expect``s is for the checks that read it and is left out. Anything else is
    returned as it is, for ``parse_profile`` to name what is wrong with it.

        >>> profile_document({"profile": {"name": "bot"}, "expect": {"brain": ["bedrock"]}})
        {'name': 'bot'}
        >>> profile_document({"name": "bot"})
        {'name': 'bot'}
    """
    if isinstance(document, Mapping) and "profile" in document and document.keys() <= SCENARIO_KEYS:
        return document["profile"]
    return document


# -- validating --------------------------------------------------------------------


def validate_rows(rows: Iterable[FileRow]) -> tuple[list[ValidRow], list[RowError]]:
    """Each row checked against the profile contract; names must be unique in one file."""
    valid: list[ValidRow] = []
    errors: list[RowError] = []
    # Folded: a team's workload names are unique regardless of case. (row number, spelling)
    first_of_name: dict[str, tuple[int, str]] = {}
    for row in rows:
        row_errors, profile = _row_checked(row)
        if profile is not None:
            name = profile["name"]
            earlier, spelling = first_of_name.setdefault(name.lower(), (row.number, name))
            if earlier != row.number:
                case = "" if spelling == name else f" as “{spelling}” (names are compared regardless of case)"
                row_errors = [
                    RowError(
                        row.number,
                        "name",
                        f"Row {earlier} already has this name{case}; names must be unique.",
                    )
                ]
            else:
                valid.append(ValidRow(row.number, profile))
        errors.extend(row_errors)
    return valid, errors


def _row_checked(row: FileRow) -> tuple[list[RowError], dict[str, Any] | None]:
    """The row's errors, and its given fields, cleaned, when it has none (one parse)."""
    errors = [RowError(row.number, name, message) for name, message in row.cell_errors.items()]
    if errors:
        return errors, None
    try:
        return [], parse_given(row.data).fields
    except ProfileError as exc:
        return [
            RowError(row.number, name, message)
            for name, messages in exc.errors.items()
            for message in messages
        ], None


# -- writing -----------------------------------------------------------------------


def write_profiles(profiles: Iterable[Mapping[str, Any]], file_format: str) -> str:
    """A file that read_profiles turns back into the same profiles."""
    profiles = list(profiles)
    if file_format == "csv":
        return _write_csv(profiles)
    if file_format == "json":
        document = {"kind": EXPORT_KIND, "version": EXPORT_VERSION, "workloads": profiles}
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    raise ProfileFileError(f"Unknown format {file_format!r}: use csv or json.")


def _write_csv(profiles: list[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = FormulaSafeWriter(out, lineterminator="\n")
    names = [spec.name for spec in FIELDS]
    writer.writerow(names)
    for profile in profiles:
        writer.writerow([_cell_text(profile[name]) if name in profile else "" for name in names])
    return out.getvalue()


def _cell_text(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        # A number, not text, so the writer never quotes it; csv writes a float as its repr,
        # as value_text does (3.0 stays 3.0).
        return value
    return value_text(value)
