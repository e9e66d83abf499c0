"""CSV cells a spreadsheet shows as text, never runs as a formula, and reads back as written.

Excel, LibreOffice and Google Sheets run a cell that starts with ``=``, ``+``,
``-`` or ``@`` (and, after a tab or carriage return, what follows) as a formula:
a workload named ``=HYPERLINK("http://x","y")`` becomes a live link, and
``+cmd|' /C calc'!A0`` runs a program in old Excel. OWASP's guidance is to
start such a cell with a single quote, which spreadsheets take as "this is
text". Every CSV the app writes goes through ``formula_safe_writer``, and the
import reader undoes the quote with ``cell_unquote``, so an exported file
imports back to the same names.

Only text is quoted: numbers are passed to the writer as numbers and stay
numbers (``-12.5``), since a spreadsheet reads them as values, not formulas.
A text cell that already starts with a quote followed by a trigger or another
quote is quoted once more, so that removing one quote on import gives it back.

    >>> cell_quote("=1+1"), cell_quote(-12.5), cell_quote("'=x"), cell_quote("'plain")
    ("'=1+1", -12.5, "''=x", "'plain")
    >>> cell_unquote(cell_quote("'=x")), cell_unquote("'plain")
    ("'=x", "'plain")
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any, TextIO

FORMULA_STARTS = frozenset("=+-@\t\r")
QUOTE = "'"


def _quoted(text: str) -> bool:
    """Whether text starts with the quote this module adds (a quote before what it protects)."""
    return text[:1] == QUOTE and (text[1:2] in FORMULA_STARTS or text[1:2] == QUOTE)


def cell_quote(value: Any) -> Any:
    """The value to write in a cell: text a spreadsheet would run gets a leading quote."""
    if isinstance(value, str) and (value[:1] in FORMULA_STARTS or _quoted(value)):
        return QUOTE + value
    return value


def cell_unquote(text: str) -> str:
    """The text a cell written by cell_quote stood for."""
    return text[1:] if _quoted(text) else text


class FormulaSafeWriter:
    """``csv.writer`` (same options) whose text cells go through cell_quote; numbers stay numbers."""

    def __init__(self, out: TextIO, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([cell_quote(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
