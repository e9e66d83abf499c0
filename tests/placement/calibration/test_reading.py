from datetime import UTC, datetime

import pytest

from placement.calibration import reading
from placement.calibration.errors import ExportError
from placement.calibration.reading import export_text, number, read_csv, timestamp


def test_it_refuses_a_file_over_the_size_limit_naming_it(monkeypatch):
    monkeypatch.setattr(reading, "MAX_BYTES", 10)

    with pytest.raises(ExportError, match=r"^big.csv: the file is .* MB; at most"):
        export_text("big.csv", b"x" * 11)


def test_it_refuses_more_rows_than_the_limit(monkeypatch):
    monkeypatch.setattr(reading, "MAX_ROWS", 2)

    with pytest.raises(ExportError, match="more than 2 rows"):
        read_csv("long.csv", "a,b\n1,2\n3,4\n5,6\n")


def test_it_refuses_an_empty_file_and_text_that_is_not_utf8():
    with pytest.raises(ExportError, match="empty"):
        export_text("empty.csv", b"  \n")
    with pytest.raises(ExportError, match="not UTF-8"):
        export_text("latin.csv", "caf\xe9".encode("latin-1"))


def test_it_drops_the_byte_order_mark_a_spreadsheet_writes():
    assert export_text("excel.csv", "\ufeffTime,Invocations\n".encode()).startswith("Time")


def test_it_numbers_csv_rows_as_a_spreadsheet_does_skipping_blank_lines():
    table = read_csv("f.csv", "a,b\n1,2\n\n3,4\n")

    assert [row for row, _ in table.rows] == [2, 4]


@pytest.mark.parametrize(
    "raw",
    ["2026-11-02T08:00:00Z", "2026-11-02 08:00:00.000", "2026/11/02 08:00:00", "1793606400000", "1793606400"],
)
def test_it_reads_the_times_aws_exports_write_as_utc(raw):
    assert timestamp("f", 2, "t", raw) == datetime(2026, 11, 2, 8, tzinfo=UTC)


def test_it_names_the_cell_of_a_value_that_is_not_a_number_or_a_time():
    with pytest.raises(ExportError, match=r"f.csv, row 3, column value: 'n/a' is not a number"):
        number("f.csv", 3, "value", "n/a")
    with pytest.raises(ExportError, match=r"row 4, column Time: 'yesterday' is not a date and time"):
        timestamp("f.csv", 4, "Time", "yesterday")


def test_it_refuses_infinite_numbers():
    with pytest.raises(ExportError, match="finite"):
        number("f.csv", 2, "value", 1e400)
