"""docker-compose.yml is valid for Debian's docker-compose and wires the full stack."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = shutil.which("docker-compose")
SECRET = "test-secret-not-for-production"
PASSWORD = "test-password"


def compose_config(tmp_path, **env_overrides):
    if COMPOSE is None:
        pytest.fail("docker-compose is not installed (make test installs Debian's docker-compose package)")
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "POSTGRES_PASSWORD"}}
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    empty_env_file = tmp_path / "empty.env"  # keeps a developer's own .env out of the check
    empty_env_file.write_text("")
    return subprocess.run(
        [COMPOSE, "--env-file", str(empty_env_file), "-f", "docker-compose.yml", "config"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def config(tmp_path):
    result = compose_config(tmp_path, SECRET_KEY=SECRET, POSTGRES_PASSWORD=PASSWORD)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def command_of(service):
    command = service["command"]
    return " ".join(command) if isinstance(command, list) else command


def test_it_defines_the_five_services(config):
    assert set(config["services"]) == {"web", "worker", "beat", "postgres", "redis"}


def test_web_serves_the_wsgi_app_with_gunicorn(config):
    assert "gunicorn advisor.config.wsgi:application" in command_of(config["services"]["web"])


def test_worker_and_beat_run_celery(config):
    assert command_of(config["services"]["worker"]).startswith("celery -A advisor worker -l info")
    assert command_of(config["services"]["beat"]).startswith("celery -A advisor beat -l info")


@pytest.mark.parametrize("name", ["web", "worker", "beat"])
def test_app_services_reach_postgres_and_redis_once_they_are_healthy(config, name):
    service = config["services"][name]
    env = service["environment"]
    assert env["DATABASE_URL"] == f"postgres://advisor:{PASSWORD}@postgres:5432/placement_advisor"
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:6379")
    assert env["SECRET_KEY"] == SECRET
    assert env["DEBUG"] in ("0", 0, False)
    assert service["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_postgres_and_redis_have_healthchecks_and_postgres_keeps_its_data(config):
    postgres, redis = config["services"]["postgres"], config["services"]["redis"]
    assert postgres["image"] == "postgres:16"
    assert redis["image"] == "redis:7"
    assert postgres["healthcheck"]["test"] and redis["healthcheck"]["test"]
    assert any("/var/lib/postgresql/data" in str(volume) for volume in postgres["volumes"])


def test_redis_keeps_the_task_queue_across_a_restart(config):
    """Queued tasks live in Redis: without persistence a restart dropped them until beat noticed."""
    redis = config["services"]["redis"]
    command = command_of(redis).split()
    assert command[0] == "redis-server"
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--appendfsync") + 1] in ("everysec", "always")
    data = [
        v
        for v in redis["volumes"]
        if (v.get("target") if isinstance(v, dict) else v.split(":")[1]) == "/data"
    ]
    assert data, redis["volumes"]
    source = data[0]["source"] if isinstance(data[0], dict) else data[0].split(":")[0]
    assert source in config["volumes"]  # a named volume, which outlives the container


@pytest.mark.parametrize("missing", ["SECRET_KEY", "POSTGRES_PASSWORD"])
def test_it_refuses_to_start_without_a_secret(tmp_path, missing):
    env = {"SECRET_KEY": SECRET, "POSTGRES_PASSWORD": PASSWORD, missing: None}
    result = compose_config(tmp_path, **env)
    assert result.returncode != 0
    assert missing in result.stderr
