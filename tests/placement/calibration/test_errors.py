from placement.calibration.errors import ExportError


def test_it_names_the_file_row_and_column_as_a_spreadsheet_shows_them():
    error = ExportError("report.csv", "'abc' is not a number", row=12, column="@duration")

    assert str(error) == "report.csv, row 12, column @duration: 'abc' is not a number"
    assert (error.file, error.row, error.column, error.message) == (
        "report.csv",
        12,
        "@duration",
        "'abc' is not a number",
    )


def test_a_problem_of_the_whole_file_names_only_the_file():
    assert str(ExportError("empty.csv", "the file is empty")) == "empty.csv: the file is empty"


def test_it_is_a_value_error_so_callers_that_catch_bad_input_catch_it():
    assert isinstance(ExportError("f", "m"), ValueError)
