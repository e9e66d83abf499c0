import pytest

from placement.calibration.cloudwatch import BEDROCK, CONTAINER_INSIGHTS, ECS, LAMBDA, metric_label
from placement.calibration.detect import read_export
from placement.calibration.errors import ExportError


@pytest.mark.parametrize(
    ("label", "metric", "namespace", "statistic"),
    [
        ("Invocations", "Invocations", None, "Sum"),
        ("support-bot Duration", "Duration", LAMBDA, "Average"),
        ("support-bot Duration (p99)", "Duration", LAMBDA, "p99"),
        ("AWS/Lambda Duration Maximum", "Duration", LAMBDA, "Maximum"),
        ("Bedrock Invocations", "Invocations", BEDROCK, "Sum"),
        ("ConcurrentExecutions", "ConcurrentExecutions", LAMBDA, "Maximum"),
        ("CPUUtilization avg", "CPUUtilization", ECS, "Average"),
        ("max-bot Duration", "Duration", LAMBDA, "Average"),
    ],
)
def test_it_reads_metric_statistic_and_service_from_a_label(label, metric, namespace, statistic):
    read = metric_label(label)

    assert read is not None
    assert (read.metric, read.namespace, read.statistic) == (metric, namespace, statistic)


def test_a_label_of_a_metric_it_does_not_read_is_none():
    assert metric_label("Errors") is None


def test_it_reads_the_console_layout_of_lambda_metrics(usage):
    export = read_export(*usage("lambda-metrics.csv"))

    invocations = [p for p in export.points if p.metric == "Invocations"]
    assert export.layout == "console CSV"
    assert len(invocations) == 7 * 24
    assert {p.namespace for p in invocations} == {LAMBDA}
    assert export.period_s == 3600


def test_invocations_beside_token_counts_are_bedrocks(usage):
    text = "Time,Invocations,InputTokenCount\n2026-11-02 08:00:00,10,15000\n2026-11-02 09:00:00,12,18000\n"

    export = read_export("bedrock.csv", text.encode())

    assert {p.namespace for p in export.points} == {BEDROCK}


def test_it_reads_the_long_layout_with_qualified_metric_names(usage):
    export = read_export(*usage("ecs-metrics.csv"))

    assert export.layout == "long CSV"
    assert {(p.namespace, p.metric, p.statistic) for p in export.points} == {
        (ECS, "CPUUtilization", "Average"),
        (ECS, "CPUUtilization", "Maximum"),
        (CONTAINER_INSIGHTS, "RunningTaskCount", "Average"),
    }


def test_an_empty_cell_is_no_datapoint_rather_than_an_error():
    text = "Time,Invocations,Duration\n2026-11-02 08:00:00,0,\n2026-11-02 09:00:00,3,120.5\n"

    export = read_export("lambda.csv", text.encode())

    assert [(p.metric, p.value) for p in export.points] == [
        ("Invocations", 0),
        ("Invocations", 3),
        ("Duration", 120.5),
    ]


def test_it_names_the_cell_of_a_value_that_is_not_a_number():
    text = "timestamp,metric,statistic,value\n2026-11-02T08:00:00Z,Invocations,Sum,12\n2026-11-02T09:00:00Z,Invocations,Sum,lots\n"

    with pytest.raises(ExportError, match=r"lambda.csv, row 3, column value: 'lots' is not a number"):
        read_export("lambda.csv", text.encode())


def test_a_long_file_of_metrics_it_does_not_read_is_refused():
    text = "timestamp,metric,statistic,value\n2026-11-02T08:00:00Z,Errors,Sum,1\n"

    with pytest.raises(ExportError, match="no datapoints of a metric the advisor reads"):
        read_export("errors.csv", text.encode())
