"""``manage.py advise PROFILE --export sam``: the split as a SAM template on stdout, as a CI job runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = ROOT / "tests" / "placement" / "scenarios" / "support-bot.json"


def advise(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", "advise", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},  # no database, broker or secret
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_export_sam_writes_only_the_template_to_stdout():
    result = advise(str(SCENARIO), "--export", "sam")

    assert result.returncode == 0, result.stderr
    template = yaml.safe_load(result.stdout)
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    assert any(r["Type"] == "AWS::Serverless::Function" for r in template["Resources"].values())


def test_export_sam_of_an_invalid_profile_exits_2_with_nothing_on_stdout(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"name": "x", "requests_per_day": -1}')

    result = advise(str(bad), "--export", "sam")

    assert result.returncode == 2 and result.stdout == ""
    assert "requests_per_day" in result.stderr and "Traceback" not in result.stderr


def test_an_unknown_export_format_is_refused_by_name():
    result = advise(str(SCENARIO), "--export", "terraform")

    assert result.returncode == 2 and "invalid choice: 'terraform'" in result.stderr
