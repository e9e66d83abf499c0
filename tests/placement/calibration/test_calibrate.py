import json
import subprocess
import sys
from pathlib import Path

import pytest

from placement.calibration import Calibration, Change, ExportError, calibrate
from placement.profile import ProfileError, parse_profile

ALL_KINDS = [
    "logs-filter-events.json",
    "lambda-metrics.csv",
    "bedrock-metrics.csv",
    "ecs-metrics.csv",
    "cur-2.csv",
]


def test_it_returns_the_measured_profile_beside_the_declared_one(usage, support_bot):
    result = calibrate(support_bot, [usage(name) for name in ALL_KINDS])

    assert isinstance(result, Calibration)
    assert result.profile == parse_profile(result.profile).to_dict()
    changed = {change.field: (change.declared, change.measured) for change in result.changes}
    assert changed == {
        "requests_per_day": (2000, 2420),
        "peak_to_average": (3, 1.66),
        "request_duration_s": (4, 3.177),
        "max_duration_s": (8, 8.778),
        "memory_mb": (512, 384),
        "input_tokens": (1500, 1801),
        "output_tokens": (300, 424),
        "current_monthly_cost": (None, 301.14),
    }


def test_fields_the_files_do_not_support_keep_their_declared_value(usage, support_bot):
    result = calibrate(support_bot, [usage("cur-legacy.csv")])

    declared = parse_profile(support_bot).to_dict()
    assert result.changes == (Change("current_monthly_cost", None, 301.14),)
    assert {k: v for k, v in result.profile.items() if k != "current_monthly_cost"} == {
        k: v for k, v in declared.items() if k != "current_monthly_cost"
    }


def test_a_measured_value_equal_to_the_declared_one_is_not_a_change(usage, support_bot):
    result = calibrate({**support_bot, "current_monthly_cost": 301.14}, [usage("cur-legacy.csv")])

    assert result.changes == ()


def test_to_dict_is_json_with_profile_measured_changes_and_sources(usage, support_bot):
    document = calibrate(support_bot, [usage(name) for name in ALL_KINDS]).to_dict()

    assert list(document) == ["profile", "measured", "changes", "sources"]
    assert document["changes"][0] == {"field": "requests_per_day", "declared": 2000.0, "measured": 2420.0}
    assert document["measured"]["cold_start_share"] == 0.028
    assert document["measured"]["bill"]["by_service"]["Amazon Bedrock"] > 290
    assert (
        document["sources"][0]
        == "logs-filter-events.json: 1,000 Lambda REPORT lines (filter-log-events JSON)"
    )
    json.dumps(document, allow_nan=False)


def test_an_invalid_declared_profile_is_a_profile_error(usage):
    with pytest.raises(ProfileError) as caught:
        calibrate({"name": "bot", "requests_per_day": -1}, [usage("cur-legacy.csv")])

    assert "requests_per_day" in caught.value.errors


def test_no_exports_is_an_export_error_naming_the_problem(support_bot):
    with pytest.raises(ExportError, match="no usage exports given"):
        calibrate(support_bot, [])


def test_one_bad_file_fails_the_whole_calibration(usage, support_bot):
    with pytest.raises(ExportError, match="bad-duration.csv, row 12, column @duration"):
        calibrate(support_bot, [usage("cur-legacy.csv"), usage("bad-duration.csv")])


def test_a_one_off_job_keeps_its_volume_and_deadline(usage):
    job = {"name": "backfill", "job_total_requests": 10_000, "job_deadline_days": 5}

    result = calibrate(job, [usage("lambda-metrics.csv")])

    assert result.profile["requests_per_day"] == 2000
    assert "requests_per_day" not in {change.field for change in result.changes}
    assert result.measured["requests_per_day_source"].startswith("AWS/Lambda Invocations")


def test_a_measured_average_above_the_declared_worst_case_frees_the_worst_case(usage, support_bot):
    metrics = "Time,Invocations,Duration\n2026-11-02 08:00:00,10,9000\n2026-11-02 09:00:00,10,9000\n"

    result = calibrate(support_bot, [("lambda.csv", metrics.encode())])

    assert result.profile["request_duration_s"] == 9.0
    assert result.profile["max_duration_s"] == 18.0  # twice the average, as when left blank


def test_the_calibration_engine_never_imports_django():
    code = (
        "import sys; from placement.calibration import calibrate; "
        "calibrate({'name': 'x', 'requests_per_day': 1}, "
        "[('c.csv', b'lineItem/UsageStartDate,lineItem/ProductCode,lineItem/UnblendedCost\\n2026-10-01,AWSLambda,1\\n')]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )

    assert out.stdout.strip() == "[]"
