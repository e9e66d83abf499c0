"""``manage.py calibrate``: declared against measured, run as a CI job would, with no environment."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
USAGE = ROOT / "tests" / "fixtures" / "usage"
SUPPORT_BOT = ROOT / "tests" / "placement" / "scenarios" / "support-bot.json"


def calibrate(*args: str | Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    # As a CI job runs it: no SECRET_KEY, DEBUG, DATABASE_URL or DJANGO_SETTINGS_MODULE.
    return subprocess.run(
        [sys.executable, "manage.py", "calibrate", *map(str, args)],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_prints_profile_measured_and_changes_as_json_with_no_environment():
    result = calibrate(
        SUPPORT_BOT,
        USAGE / "logs-filter-events.txt",
        USAGE / "lambda-metrics.csv",
        USAGE / "bedrock-metrics.csv",
        USAGE / "cost-explorer.csv",
        "--format",
        "json",
    )

    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"profile", "measured", "changes"} <= document.keys()
    assert document["profile"]["requests_per_day"] == 2420
    assert (
        document["measured"]["requests_per_day_source"]
        == "AWS/Lambda Invocations metric (" + str(USAGE / "lambda-metrics.csv") + ")"
    )
    assert {"field": "memory_mb", "declared": 512, "measured": 384} in document["changes"]


def test_it_prints_declared_beside_measured_for_a_person_by_default():
    profile = json.dumps({"name": "bot", "requests_per_day": 2000, "memory_mb": 512})

    result = calibrate("-", USAGE / "logs-insights-fields.csv", stdin=profile)

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(line.split() == ["requests_per_day", "2,000", "500", "changed"] for line in lines)
    assert any(line.split() == ["memory_mb", "512", "384", "changed"] for line in lines)
    assert "  cold_start_share: 0.028" in lines


@pytest.mark.parametrize(
    ("name", "named"),
    [
        ("bad-duration.csv", "bad-duration.csv, row 12, column @duration: 'abc' is not a number"),
        (
            "bad-missing-column.csv",
            "bad-missing-column.csv, row 1, column lineItem/UnblendedCost: no lineItem",
        ),
        ("bad-truncated.json", "bad-truncated.json: not valid JSON (line 57, column 15)"),
        ("bad-unrelated.csv", "bad-unrelated.csv, row 1: not a Lambda REPORT log, CloudWatch metric export"),
    ],
)
def test_a_malformed_export_exits_2_naming_its_row_and_column(name, named):
    result = calibrate(SUPPORT_BOT, USAGE / "cur-legacy.csv", USAGE / name)

    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_an_invalid_profile_exits_2_naming_the_field():
    result = calibrate("-", USAGE / "cur-legacy.csv", stdin='{"name": "bot", "requests_per_day": "many"}')

    assert result.returncode == 2
    assert "Invalid profile" in result.stderr and "requests_per_day: Must be a number." in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_export_exits_2_naming_the_file(tmp_path):
    result = calibrate(SUPPORT_BOT, tmp_path / "nowhere.csv")

    assert result.returncode == 2
    assert f"Cannot read {tmp_path / 'nowhere.csv'}" in result.stderr


def test_it_says_so_when_the_files_support_no_profile_field():
    result = calibrate(SUPPORT_BOT, USAGE / "ecs-metrics.csv")

    assert result.returncode == 0, result.stderr
    assert "The files support no profile field." in result.stdout
    assert "  ecs_running_tasks: mean 1.42, max 2" in result.stdout
