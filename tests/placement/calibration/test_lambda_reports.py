import json
from datetime import UTC, datetime

import pytest

from placement.calibration.detect import read_export
from placement.calibration.errors import ExportError
from placement.calibration.lambda_reports import parse_report, read_filter_log_events, read_log_text

REPORT = (
    "REPORT RequestId: 3f5c8a2e-1111-4222-8333-944455556666\tDuration: 102.25 ms\tBilled Duration: 103 ms\t"
    "Memory Size: 1024 MB\tMax Memory Used: 70 MB\tInit Duration: 120.30 ms\t\n"
)
WARM = "REPORT RequestId: 9\tDuration: 50.00 ms\tBilled Duration: 50 ms\tMemory Size: 1024 MB\tMax Memory Used: 64 MB\t\n"


def test_it_reads_every_field_of_a_report_line():
    invocation = parse_report("log.txt", 1, REPORT, None)

    assert invocation.duration_ms == 102.25
    assert invocation.billed_duration_ms == 103
    assert invocation.memory_size_mb == 1024
    assert invocation.max_memory_used_mb == 70
    assert invocation.init_duration_ms == 120.30
    assert invocation.cold_start


def test_a_report_line_without_init_duration_is_a_warm_start():
    assert not parse_report("log.txt", 1, WARM, None).cold_start


def test_it_names_the_line_and_field_of_a_duration_that_is_not_a_number():
    with pytest.raises(ExportError, match=r"log.txt, row 7, column Duration: 'abc' is not a number"):
        parse_report("log.txt", 7, WARM.replace("50.00 ms\tBilled", "abc ms\tBilled"), None)


def test_it_reads_filter_log_events_json_skipping_start_and_end_lines():
    document = {
        "events": [
            {"timestamp": 1793606400000, "message": "START RequestId: 9 Version: $LATEST\n"},
            {"timestamp": 1793606400100, "message": WARM},
            {"timestamp": 1793606400200, "message": "END RequestId: 9\n"},
        ]
    }

    log = read_filter_log_events("events.json", document)

    assert len(log.invocations) == 1
    assert log.invocations[0].at == datetime(2026, 11, 2, 8, 0, 0, 100000, tzinfo=UTC)


def test_it_reads_text_output_whose_timestamp_follows_the_message_on_the_next_line():
    text = f"EVENTS\t1\t1793606400512\tstream\t{REPORT}\t1793606400100\n"

    log = read_log_text("events.txt", text)

    assert log.invocations[0].at == datetime(2026, 11, 2, 8, 0, 0, 100000, tzinfo=UTC)
    assert log.invocations[0].duration_ms == 102.25


def test_it_reads_plain_log_lines_with_an_iso_time_first():
    text = f"2026-11-02T08:00:00.100000+00:00 2026/11/02/[$LATEST]abc {WARM}"

    assert read_log_text("tail.txt", text).invocations[0].at == datetime(
        2026, 11, 2, 8, 0, 0, 100000, tzinfo=UTC
    )


def test_the_five_layouts_of_one_log_give_the_same_invocations(usage):
    names = [
        "logs-filter-events.json",
        "logs-filter-events.txt",
        "logs-insights-messages.csv",
        "logs-insights-fields.csv",
        "logs-insights-fields.json",
    ]
    logs = [read_export(*usage(name)) for name in names]

    first = logs[0].invocations
    for log in logs[1:]:
        assert len(log.invocations) == len(first) == 1000
        assert [i.duration_ms for i in log.invocations] == [i.duration_ms for i in first]
        assert [i.at for i in log.invocations] == [i.at for i in first]
        assert [i.max_memory_used_mb for i in log.invocations] == [i.max_memory_used_mb for i in first]
        assert [i.cold_start for i in log.invocations] == [i.cold_start for i in first]


def test_logs_insights_memory_in_bytes_is_read_as_megabytes():
    csv = "@timestamp,@duration,@billedDuration,@memorySize,@maxMemoryUsed,@initDuration\n"
    csv += "2026-11-02 08:00:00.000,102.25,103,1024000000,70000000,\n"

    invocation = read_export("fields.csv", csv.encode()).invocations[0]

    assert (invocation.memory_size_mb, invocation.max_memory_used_mb) == (1024, 70)
    assert not invocation.cold_start


def test_it_reads_get_query_results_json():
    document = {
        "results": [
            [
                {"field": "@timestamp", "value": "2026-11-02 08:00:00.000"},
                {"field": "@duration", "value": "5"},
            ]
        ]
    }

    assert read_export("results.json", json.dumps(document).encode()).invocations[0].duration_ms == 5


def test_a_log_without_report_lines_is_refused():
    document = {"events": [{"timestamp": 1793606400000, "message": "START RequestId: 9 Version: $LATEST\n"}]}

    with pytest.raises(ExportError, match="no Lambda REPORT lines"):
        read_export("start-only.json", json.dumps(document).encode())


def test_it_names_the_row_and_column_of_the_malformed_insights_fixture(usage):
    with pytest.raises(ExportError) as caught:
        read_export(*usage("bad-duration.csv"))

    assert (caught.value.row, caught.value.column) == (12, "@duration")


def test_rows_are_counted_as_a_spreadsheet_shows_them_when_a_message_holds_a_newline():
    good = "2026-11-02 08:00:00.000," + '"' + WARM + '"'
    bad = "2026-11-02 08:01:00.000," + '"' + WARM.replace("50.00 ms\tBilled", "fast ms\tBilled") + '"'

    with pytest.raises(ExportError, match=r"row 3, column Duration: 'fast' is not a number"):
        read_export("messages.csv", f"@timestamp,@message\n{good}\n{bad}\n".encode())
