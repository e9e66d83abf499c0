from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from placement.calibration.bills import Bill, BillLine
from placement.calibration.cloudwatch import BEDROCK, LAMBDA, MetricExport, MetricPoint
from placement.calibration.derive import classify, derive, provisioned_memory_mb, significant
from placement.calibration.detect import read_export
from placement.calibration.lambda_reports import Invocation, ReportLog

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)


def report_log(times, duration_ms=100.0, memory_mb=64.0, cold_every=0) -> ReportLog:
    invocations = tuple(
        Invocation(
            at=at,
            duration_ms=duration_ms,
            memory_size_mb=1024,
            max_memory_used_mb=memory_mb,
            init_duration_ms=300.0 if cold_every and index % cold_every == 0 else None,
        )
        for index, at in enumerate(times)
    )
    return ReportLog("log.json", "test", invocations)


def hourly_export(namespace: str, metric: str, statistic: str, values, name="metrics.csv") -> MetricExport:
    points = tuple(
        MetricPoint(MONDAY + timedelta(hours=h), namespace, metric, statistic, float(v))
        for h, v in enumerate(values)
    )
    return MetricExport(name, "test", points, 3600.0)


def test_n_report_lines_over_two_days_give_n_over_2_requests_a_day():
    # 300 lines on Monday and Tuesday, between 09:00 and 17:00: 150 a day, by hand.
    times = [MONDAY + timedelta(days=day, hours=9, minutes=10 * i) for day in (0, 1) for i in range(48)]
    times += [MONDAY + timedelta(hours=12, seconds=i) for i in range(204)]
    assert len(times) == 300

    derived = derive([report_log(times)])

    assert derived.fields["requests_per_day"] == 150
    assert derived.measured["observed"]["days"] == 2


def test_the_log_fixture_of_1000_lines_over_two_days_gives_500_a_day(usage):
    derived = derive([read_export(*usage("logs-insights-fields.csv"))])

    assert derived.fields["requests_per_day"] == 500
    assert derived.field_sources["requests_per_day"] == "REPORT lines (logs-insights-fields.csv)"


def test_a_log_of_a_few_hours_is_rounded_out_to_whole_hours():
    times = [MONDAY + timedelta(hours=10, minutes=5 + 2 * i) for i in range(55)]  # 10:05 to 11:53

    assert derive([report_log(times)]).fields["requests_per_day"] == significant(55 / 2 * 24)


def test_the_invocations_metric_wins_over_report_lines_and_says_so():
    times = [MONDAY + timedelta(hours=10, minutes=i) for i in range(30)]
    metric = hourly_export(LAMBDA, "Invocations", "Sum", [100] * 48)

    derived = derive([report_log(times), metric])

    assert derived.fields["requests_per_day"] == 2400
    assert derived.measured["requests_per_day_source"] == "AWS/Lambda Invocations metric (metrics.csv)"
    # 30 lines in half an hour: a log this short is rounded out to the hour, 30 an hour.
    assert derived.measured["requests_per_day_also_measured"] == {"REPORT lines (log.json)": 720}


def day_of(hours: dict[int, float]) -> list[float]:
    return [hours.get(hour, 0.0) for hour in range(24)]


def test_it_classifies_office_hours_as_business_hours():
    office = day_of({hour: 100.0 for hour in range(8, 18)})

    assert classify(np.array(office * 5)) == "business_hours"


def test_business_hours_that_wrap_midnight_utc_are_still_business_hours():
    evening = day_of({hour % 24: 100.0 for hour in range(18, 28)})

    assert classify(np.array(evening * 3)) == "business_hours"


def test_it_classifies_a_short_night_window_as_batch():
    assert classify(np.array(day_of({1: 500.0, 2: 800.0, 3: 400.0}) * 3)) == "batch"


def test_it_classifies_a_daily_wave_as_diurnal():
    wave = 100 * (1 + 0.6 * np.cos(2 * np.pi * (np.arange(72) - 14) / 24))

    assert classify(wave) == "diurnal"


def test_flat_traffic_with_a_daily_peak_hour_is_steady():
    day = day_of({hour: 100.0 for hour in range(24)} | {12: 300.0})

    assert classify(np.array(day * 3)) == "steady"


def test_bursts_that_do_not_recur_at_the_same_hour_are_spiky():
    hourly = np.full(72, 100.0)
    hourly[[5, 30, 61]] = 900.0

    assert classify(hourly) == "spiky"


def test_peak_to_average_is_the_busiest_hour_over_the_mean_while_traffic_is_on():
    office = day_of({hour: 100.0 for hour in range(8, 18)} | {10: 250.0})

    derived = derive([hourly_export(LAMBDA, "Invocations", "Sum", office * 2)])

    # 1,150 a day over the 10 hours business traffic is on: 115 an hour; the busiest is 250.
    assert derived.fields["pattern"] == "business_hours"
    assert derived.fields["peak_to_average"] == significant(250 / 115)


def test_durations_come_from_report_lines_to_the_millisecond():
    times = [MONDAY + timedelta(minutes=i) for i in range(100)]
    durations = [100.0] * 98 + [1000.0, 5000.0]
    log = ReportLog("log.json", "t", tuple(Invocation(t, d) for t, d in zip(times, durations)))

    derived = derive([log])

    assert derived.fields["request_duration_s"] == 0.158  # (98 x 100 + 1000 + 5000) / 100 ms
    assert derived.fields["max_duration_s"] == round(np.percentile(durations, 99) / 1000, 3)


def test_durations_from_the_metric_are_weighted_by_invocations():
    invocations = hourly_export(LAMBDA, "Invocations", "Sum", [1, 3])
    average = hourly_export(LAMBDA, "Duration", "Average", [1000, 2000])
    maximum = hourly_export(LAMBDA, "Duration", "Maximum", [3000, 5000, 9000])

    derived = derive([invocations, average, maximum])

    assert derived.fields["request_duration_s"] == 1.75
    assert derived.fields["max_duration_s"] == 5.0  # the median of the periods' maxima


def test_memory_is_the_largest_peak_with_headroom_in_steps_of_64_mb():
    assert provisioned_memory_mb(70) == 128  # never below the profile's minimum
    assert provisioned_memory_mb(300) == 448  # 390 MB rounded up to 64 MB steps
    times = [MONDAY + timedelta(minutes=i) for i in range(10)]

    assert derive([report_log(times, memory_mb=300)]).fields["memory_mb"] == 448


def test_cold_start_share_is_init_duration_lines_over_report_lines():
    times = [MONDAY + timedelta(minutes=i) for i in range(40)]

    assert derive([report_log(times, cold_every=8)]).measured["cold_start_share"] == 5 / 40


def test_tokens_per_request_are_bedrock_token_counts_over_invocations():
    calls = hourly_export(BEDROCK, "Invocations", "Sum", [10, 30])
    tokens_in = hourly_export(BEDROCK, "InputTokenCount", "Sum", [18_000, 54_100])
    tokens_out = hourly_export(BEDROCK, "OutputTokenCount", "Sum", [4_000, 12_010])

    fields = derive([calls, tokens_in, tokens_out]).fields

    assert (fields["input_tokens"], fields["output_tokens"]) == (1803, 400)


def test_the_bill_is_the_latest_month_and_a_month_is_never_counted_twice():
    cur = Bill("cur.csv", "Cost and Usage Report", (BillLine("2026-10", "AWS Lambda", 4.0),))
    explorer = Bill(
        "ce.csv",
        "Cost Explorer CSV",
        (BillLine("2026-09", "AWS Lambda", 2.0), BillLine("2026-10", "AWS Lambda", 4.01)),
    )

    derived = derive([explorer, cur])

    assert derived.fields["current_monthly_cost"] == 4.0
    assert derived.measured["bill"] == {"month": "2026-10", "total": 4.0, "by_service": {"AWS Lambda": 4.0}}


@pytest.mark.parametrize(
    ("value", "typed"), [(2083.333, 2080.0), (1.6612, 1.66), (0, 0.0), (0.012345, 0.0123)]
)
def test_rates_are_rounded_to_three_significant_digits(value, typed):
    assert significant(value) == typed
