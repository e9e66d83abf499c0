"""The advise and load_demo management commands."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from advisor.models import Assessment, Membership, Team, Workload

ROOT = Path(__file__).resolve().parents[2]
SUPPORT_BOT = {"name": "Support ticket bot", "requests_per_day": 2000, "trigger": "event",
               "wait_fraction": 0.85, "hosted_model": "claude-haiku-4.5"}


def advise(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    # A database URL that cannot exist: the command must never touch a database.
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": "sqlite:////nonexistent/dir/db.sqlite3"}
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.run([sys.executable, "manage.py", "advise", *args], cwd=ROOT, env=env,
                          input=stdin, capture_output=True, text=True, timeout=120)


@pytest.fixture
def profile_file(tmp_path):
    def write(content) -> str:
        path = tmp_path / "profile.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)
    return write


def test_advise_prints_the_advice_as_json_without_a_database(profile_file):
    result = advise(profile_file(SUPPORT_BOT), "--format", "json")
    assert result.returncode == 0, result.stderr
    advice = json.loads(result.stdout)
    assert set(advice["layers"]) == {"brain", "memory", "nerves"}
    for layer in advice["layers"].values():
        assert {"placement", "alternatives", "reasons", "warnings"} <= set(layer)
    assert advice["profile"]["peak_to_average"] == 3.0 and advice["ruleset"]


def test_advise_reads_stdin_and_prints_a_report_for_a_person():
    result = advise("-", stdin=json.dumps(SUPPORT_BOT))
    assert result.returncode == 0, result.stderr
    assert "Placement advice for Support ticket bot" in result.stdout
    assert "Brain (inference):" in result.stdout and "because [" in result.stdout


@pytest.mark.parametrize("content,named", [
    ('{"name": "x", "requests_per_day": "many", "colour": 1}', ["requests_per_day", "colour"]),
    ('{"name": "x", "requests_per_day": NaN}', ["NaN"]),
    ('{"name": "x", ', ["not valid JSON"]),
    ('[]', ["non_field_errors"]),
    ('{"requests_per_day": 3, "wait_fraction": -1}', ["name", "wait_fraction"]),
])
def test_advise_rejects_bad_input_with_exit_status_2_and_no_traceback(profile_file, content,
                                                                      named):
    result = advise(profile_file(content), "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for word in named:
        assert word in result.stderr


def test_advise_names_a_missing_file():
    result = advise("/nonexistent/profile.json")
    assert result.returncode == 2 and "Cannot read" in result.stderr


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_load_demo_creates_the_teams_users_and_ten_cases_once(capsys):
    call_command("load_demo")
    out = capsys.readouterr().out
    assert "demo / placement-demo" in out
    demo = Team.objects.get(slug="demo-team")
    assert demo.workloads.count() == 10
    assert all(w.assessments.count() == 1 for w in demo.workloads.all())
    assert Team.objects.get(slug="other-team").workloads.count() == 1
    assert Membership.objects.get(user__username="viewer").role == "viewer"
    counts = (Workload.objects.count(), Assessment.objects.count())
    call_command("load_demo")
    assert (Workload.objects.count(), Assessment.objects.count()) == counts


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_load_demo_refuses_the_known_password_in_production():
    with pytest.raises(CommandError, match="--password"):
        call_command("load_demo")
    with pytest.raises(CommandError):
        call_command("load_demo", password="placement-demo")
    assert not Workload.objects.exists()


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_load_demo_accepts_a_password_of_your_own_in_production(django_user_model):
    call_command("load_demo", password="a-long-private-password-42")
    assert django_user_model.objects.get(username="demo").check_password(
        "a-long-private-password-42")
