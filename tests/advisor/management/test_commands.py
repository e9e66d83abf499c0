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

ROOT = Path(__file__).resolve().parents[3]
SUPPORT_BOT = {
    "name": "Support ticket bot",
    "requests_per_day": 2000,
    "trigger": "event",
    "wait_fraction": 0.85,
    "hosted_model": "claude-haiku-4.5",
}


def advise(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    # A database URL that cannot exist: the command must never touch a database.
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": "sqlite:////nonexistent/dir/db.sqlite3"}
    env.pop("CELERY_BROKER_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", "advise", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
    )


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


@pytest.mark.parametrize(
    "content,named",
    [
        ('{"name": "x", "requests_per_day": "many", "colour": 1}', ["requests_per_day", "colour"]),
        ('{"name": "x", "requests_per_day": NaN}', ["NaN"]),
        ('{"name": "x", ', ["not valid JSON"]),
        ("[]", ["non_field_errors"]),
        ('{"requests_per_day": 3, "wait_fraction": -1}', ["name", "wait_fraction"]),
    ],
)
def test_advise_rejects_bad_input_with_exit_status_2_and_no_traceback(profile_file, content, named):
    result = advise(profile_file(content), "--format", "json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for word in named:
        assert word in result.stderr


def test_advise_names_a_missing_file():
    result = advise("/nonexistent/profile.json")
    assert result.returncode == 2 and "Cannot read" in result.stderr


def manage_with_no_environment(*args: str) -> subprocess.CompletedProcess:
    # As a CI job runs it: no SECRET_KEY, DEBUG, DATABASE_URL or DJANGO_SETTINGS_MODULE.
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_advise_runs_with_no_environment_on_a_scenario_file():
    scenario = ROOT / "tests" / "placement" / "scenarios" / "support-bot.json"

    result = manage_with_no_environment("advise", str(scenario), "--format", "json")

    assert result.returncode == 0, result.stderr
    advice = json.loads(result.stdout)
    assert advice["profile"]["name"] == json.loads(scenario.read_text())["profile"]["name"]
    assert set(advice["layers"]) == {"brain", "memory", "nerves"}


def test_advise_with_no_environment_prints_text_and_simulates(profile_file):
    scenario = {"profile": SUPPORT_BOT, "expect": {"brain": ["bedrock"]}}

    result = manage_with_no_environment(
        "advise", profile_file(scenario), "--simulate", "--paths", "20", "--seed", "7"
    )

    assert result.returncode == 0, result.stderr
    assert "Placement advice for Support ticket bot" in result.stdout and "seed 7" in result.stdout


def test_advise_with_no_environment_rejects_an_invalid_scenario_with_exit_status_2(profile_file):
    scenario = {"profile": {**SUPPORT_BOT, "wait_fraction": -1}, "expect": {}}

    result = manage_with_no_environment("advise", profile_file(scenario), "--format", "json")

    assert result.returncode == 2 and result.stdout == ""
    assert "wait_fraction" in result.stderr and "Traceback" not in result.stderr
    assert "expect" not in result.stderr  # what a scenario expects is not a profile field


def test_advise_refuses_an_unknown_hosted_model_with_exit_status_2_and_the_nearest_name(profile_file):
    result = manage_with_no_environment(
        "advise", profile_file({**SUPPORT_BOT, "hosted_model": "claud-sonnet-4.5"})
    )

    assert result.returncode == 2 and result.stdout == ""
    assert "hosted_model: Unknown model 'claud-sonnet-4.5'; did you mean claude-sonnet-4.5" in result.stderr


def test_advise_prices_another_model_at_the_token_prices_it_is_given(profile_file):
    other = {
        **SUPPORT_BOT,
        "hosted_model": "other",
        "hosted_input_usd_per_million_tokens": 2.5,
        "hosted_output_usd_per_million_tokens": 10,
    }

    result = manage_with_no_environment("advise", profile_file(other), "--format", "json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["layers"]["brain"]["placement"] == "hosted_api"


def test_the_web_settings_still_refuse_to_start_with_no_environment():
    result = manage_with_no_environment("check")

    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


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
    assert django_user_model.objects.get(username="demo").check_password("a-long-private-password-42")


SCENARIOS = ROOT.parent / "shared" / "scenarios"


@pytest.mark.parametrize(
    "name", ["support-bot", "agent-fleet", "contract-analysis", "gpu-agent", "internal-slm"]
)
def test_advise_text_names_public_sources_and_labels_not_codes(name, profile_file):
    """The text report reads for a person: no internal file codes, no bare identifiers, real plurals."""
    import re

    scenario = SCENARIOS / f"{name}.json"
    if not scenario.exists():
        pytest.skip(f"no shared scenario {scenario}")
    profile = json.loads(scenario.read_text(encoding="utf-8"))
    profile = profile.get("profile", profile)
    result = advise(profile_file(profile), "--format", "text")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert not re.search(r"seeds? 0\d\d|DOMAIN\.md|PRICES\.md|shared/seeds", text, re.IGNORECASE)
    body = text.split("\nDerived facts")[0]
    snake = sorted(set(re.findall(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b", body)))
    assert not snake, snake
    assert not re.search(r"(?<![\d.,])1 (?:steps|slots|tasks|requests|instances)\b", text)
    assert "on Nothing needed" not in text
    assert "source: “" in text


def test_advise_simulate_prints_and_returns_what_the_simulation_found(profile_file):
    # Bursts of about 3,500 requests in flight on Lambda, whose default quota is 1,000.
    spiky_heavy = {
        "name": "Spiky heavy agent",
        "requests_per_day": 300_000,
        "pattern": "spiky",
        "peak_to_average": 50,
        "request_duration_s": 20,
        "wait_fraction": 0.5,
        "trigger": "api",
    }
    path = profile_file(spiky_heavy)

    as_json = advise(path, "--simulate", "--paths", "100", "--seed", "21", "--format", "json")
    as_text = advise(path, "--simulate", "--paths", "100", "--seed", "21")

    assert as_json.returncode == 0 and as_text.returncode == 0, as_json.stderr + as_text.stderr
    advice = json.loads(as_json.stdout)
    assert advice["layers"]["nerves"]["placement"] == "lambda"  # the premise
    sim = advice["simulation"]
    share = sim["placements"]["nerves"]["lambda"]["throttled_share"]["p50"]
    first = sim["findings"][0]
    assert first["kind"] == "throttling" and first["text"].startswith(
        f"The simulation throttled {share:.1%} of the requests to AWS Lambda (Nerves) at Lambda's default "
        "quota of 1,000 concurrent executions"
    )
    assert "What the simulation found:" in as_text.stdout
    assert f"warning: {first['text']}" in as_text.stdout
    assert "not billed" in as_text.stdout  # the cost table says why Lambda's band is low
