import pytest

from placement.calibration.bills import Bill
from placement.calibration.cloudwatch import MetricExport
from placement.calibration.detect import read_export
from placement.calibration.errors import ExportError
from placement.calibration.lambda_reports import ReportLog


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("logs-filter-events.json", ReportLog),
        ("logs-filter-events.txt", ReportLog),
        ("logs-insights-messages.csv", ReportLog),
        ("logs-insights-fields.csv", ReportLog),
        ("logs-insights-fields.json", ReportLog),
        ("lambda-metrics.csv", MetricExport),
        ("bedrock-metrics.csv", MetricExport),
        ("ecs-metrics.csv", MetricExport),
        ("cur-legacy.csv", Bill),
        ("cur-2.csv", Bill),
        ("cost-explorer.csv", Bill),
    ],
)
def test_it_recognises_each_export_from_its_content(usage, name, kind):
    assert isinstance(read_export(*usage(name)), kind)


def test_the_name_of_a_file_does_not_decide_its_kind(usage):
    _, content = usage("cur-2.csv")

    assert isinstance(read_export("report.txt", content), Bill)


def test_an_unrelated_csv_is_refused_naming_its_columns(usage):
    with pytest.raises(ExportError) as caught:
        read_export(*usage("bad-unrelated.csv"))

    assert caught.value.row == 1
    assert str(caught.value) == (
        "bad-unrelated.csv, row 1: not a Lambda REPORT log, CloudWatch metric export, Cost and Usage "
        "Report or Cost Explorer file: first row has columns 'name', 'email', 'signed_up'"
    )


def test_a_truncated_json_is_refused_naming_the_line_and_column(usage):
    with pytest.raises(ExportError, match=r"^bad-truncated.json: not valid JSON \(line \d+, column \d+\)"):
        read_export(*usage("bad-truncated.json"))


def test_unrelated_json_is_refused_naming_its_keys():
    with pytest.raises(ExportError, match="its keys are 'name', 'requests_per_day'"):
        read_export("profile.json", b'{"name": "bot", "requests_per_day": 1}')
