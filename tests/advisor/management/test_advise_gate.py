"""``manage.py advise PROFILE --baseline OLD.json``: the CI gate, run as a CI job runs it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
BOT = {
    "name": "Support ticket bot",
    "requests_per_day": 2000,
    "trigger": "event",
    "wait_fraction": 0.85,
    "hosted_model": "claude-haiku-4.5",
}


def manage(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    """As a CI job runs it: no database, broker or secret; nothing set but PATH."""
    return subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=cwd,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    """A workload's repository: its profile, and the result saved when it was last accepted."""
    path = tmp_path_factory.mktemp("repo")
    (path / "profile.json").write_text(json.dumps(BOT))
    saved = manage("advise", "profile.json", "--format", "json", cwd=path)
    assert saved.returncode == 0, saved.stderr
    (path / "baseline.json").write_text(saved.stdout)
    return path


def changed(repo: Path, **fields) -> str:
    (repo / "changed.json").write_text(json.dumps({**BOT, **fields}))
    return "changed.json"


def test_an_unchanged_profile_passes_the_gate_with_exit_status_0(repo):
    result = manage(
        "advise", "profile.json", "--baseline", "baseline.json", "--format", "markdown",
        "--fail-on", "placement-change", "--fail-on", "cost-increase=10%", cwd=repo,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert "**Gate passed** (placement-change, cost-increase=10%)" in result.stdout
    assert "The profile is unchanged." in result.stdout


def test_a_placement_change_fails_the_gate_with_exit_status_1_and_a_markdown_summary(repo):
    result = manage(
        "advise", changed(repo, hot_context_gb=5), "--baseline", "baseline.json", "--format", "markdown",
        "--fail-on", "placement-change", cwd=repo,
    )  # fmt: skip

    assert result.returncode == 1
    assert result.stdout.startswith("### Placement Advisor: Support ticket bot\n\n**Gate failed.**")
    assert "| Memory (context) | Nothing to keep hot | **ECS on EC2** |" in result.stdout
    assert "Gate failed: placement-change: Memory (context)" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_cost_increase_past_the_threshold_fails_and_one_within_it_passes(repo):
    busier = changed(repo, requests_per_day=4000)
    strict = manage("advise", busier, "--baseline", "baseline.json", "--format", "markdown",
                    "--fail-on", "cost-increase=10%", cwd=repo)  # fmt: skip
    lenient = manage("advise", busier, "--baseline", "baseline.json", "--format", "markdown",
                     "--fail-on", "cost-increase=150%", cwd=repo)  # fmt: skip

    assert strict.returncode == 1 and "- cost-increase=10%: up $" in strict.stdout
    assert lenient.returncode == 0, lenient.stderr
    total = re.search(r"\| \*\*Total\*\* \| \| \| \$([\d,.]+) \| \$([\d,.]+) \|", lenient.stdout)
    assert total and float(total[2].replace(",", "")) > float(total[1].replace(",", ""))


def test_without_fail_on_the_gate_reports_and_exits_0_and_json_carries_the_comparison(repo):
    result = manage("advise", changed(repo, hot_context_gb=5), "--baseline", "baseline.json",
                    "--format", "json", cwd=repo)  # fmt: skip

    assert result.returncode == 0, result.stderr
    advice = json.loads(result.stdout)
    assert advice["layers"]["memory"]["placement"] == "ecs_ec2"
    memory = next(layer for layer in advice["gate"]["layers"] if layer["layer"] == "memory")
    assert memory["changed"] and memory["baseline"] == "none"
    assert advice["gate"]["passed"] is True


@pytest.mark.parametrize(
    "args,named",
    [
        (["--fail-on", "placement-change"], "--fail-on needs --baseline"),
        (["--baseline", "profile.json"], "not a result of `advise --format json`"),
        (["--baseline", "missing.json"], "Cannot read missing.json"),
        (["--baseline", "baseline.json", "--fail-on", "cost-up"], "--fail-on 'cost-up'"),
        (["--baseline", "baseline.json", "--export", "sam"], "does not take --baseline"),
    ],
)
def test_bad_gate_input_exits_with_status_2_naming_it(repo, args, named):
    result = manage("advise", "profile.json", *args, cwd=repo)

    assert result.returncode == 2
    assert named in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""


def readme_jobs() -> dict[str, dict]:
    """The CI jobs the README shows, by the name of the fenced block's first comment."""
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(# (?:GitHub Actions|GitLab CI)[^\n]*\n.*?)```", text, re.S)
    return {block.splitlines()[0]: yaml.safe_load(block) for block in blocks}


def test_the_readme_shows_a_github_actions_and_a_gitlab_ci_job_that_run_the_gate():
    jobs = readme_jobs()
    github = next(job for name, job in jobs.items() if name.startswith("# GitHub Actions"))
    gitlab = next(job for name, job in jobs.items() if name.startswith("# GitLab CI"))

    github_script = "\n".join(step.get("run", "") for step in github["jobs"]["placement"]["steps"])
    gitlab_script = "\n".join(gitlab["placement"]["script"])
    for script in (github_script, gitlab_script):
        assert "manage.py advise" in script and "--baseline" in script and "--fail-on" in script
        assert "DATABASE_URL" not in script and "CELERY_BROKER_URL" not in script


def test_the_gitlab_job_runs_under_the_settings_it_names_with_nothing_else_set(repo):
    """The image sets DJANGO_SETTINGS_MODULE to the web settings; the job points it at the CLI's."""
    gitlab = next(job for name, job in readme_jobs().items() if name.startswith("# GitLab CI"))
    settings = gitlab["placement"]["variables"]["DJANGO_SETTINGS_MODULE"]

    result = manage(
        "advise", "profile.json", "--baseline", "baseline.json", "--format", "markdown",
        env={"DJANGO_SETTINGS_MODULE": settings}, cwd=repo,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("### Placement Advisor: Support ticket bot")
