"""The one error a usage export can raise: which file, which row, which column, and what is wrong."""

from __future__ import annotations


class ExportError(ValueError):
    """A usage export that cannot be read, located as a spreadsheet shows it.

    ``row`` is 1-based with a CSV's header as row 1 (a text log's line number, a JSON
    export's record number); ``None`` when the problem is the file as a whole.

        >>> str(ExportError("report.csv", "'abc' is not a number", row=12, column="@duration"))
        "report.csv, row 12, column @duration: 'abc' is not a number"
        >>> str(ExportError("empty.csv", "the file is empty"))
        'empty.csv: the file is empty'
    """

    def __init__(self, file: str, message: str, *, row: int | None = None, column: str | None = None):
        self.file = file
        self.row = row
        self.column = column
        self.message = message
        super().__init__(self._located())

    def _located(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"
