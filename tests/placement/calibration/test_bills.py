import pytest

from placement.calibration.detect import read_export
from placement.calibration.errors import ExportError


def by_service(bill) -> dict[str, float]:
    totals: dict[str, float] = {}
    for line in bill.lines:
        totals[line.service] = totals.get(line.service, 0.0) + line.cost
    return {service: round(cost, 2) for service, cost in totals.items()}


def test_the_legacy_and_2_0_reports_give_the_same_bill_per_service(usage):
    legacy = read_export(*usage("cur-legacy.csv"))
    cur2 = read_export(*usage("cur-2.csv"))

    assert legacy.layout == "Cost and Usage Report"
    assert cur2.layout == "Cost and Usage Report 2.0"
    assert by_service(legacy) == by_service(cur2)
    assert {line.month for line in legacy.lines} == {"2026-10"}


def test_cost_explorer_agrees_with_the_report_to_the_cent_per_day(usage):
    explorer = by_service(read_export(*usage("cost-explorer.csv")))
    report = by_service(read_export(*usage("cur-legacy.csv")))

    assert explorer.keys() == report.keys()
    # Cost Explorer rounds each day to the cent: 31 days differ by at most 31 half-cents.
    assert all(abs(explorer[s] - report[s]) <= 0.16 for s in report)


def test_cost_explorer_skips_its_own_total_row_and_column():
    text = "Service,AWS Lambda($),Total costs($)\nService total,3.00,3.00\n2026-10-01,1.00,1.00\n2026-10-02,2.00,2.00\n"

    bill = read_export("costs.csv", text.encode())

    assert [(line.month, line.service, line.cost) for line in bill.lines] == [("2026-10", "AWS Lambda", 3.0)]


def test_the_product_code_names_the_service_when_there_is_no_product_name():
    text = "lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UnblendedCost\n2026-10-01T00:00:00Z,AWSLambda,1.5\n"

    assert read_export("cur.csv", text.encode()).lines[0].service == "AWSLambda"


def test_a_report_without_its_cost_column_names_the_missing_column(usage):
    with pytest.raises(ExportError) as caught:
        read_export(*usage("bad-missing-column.csv"))

    assert (caught.value.row, caught.value.column) == (1, "lineItem/UnblendedCost")
    assert "no lineItem/UnblendedCost column" in str(caught.value)
