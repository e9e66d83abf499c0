"""Configuration comes from the environment and fails loudly."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "SECURE_SSL_REDIRECT",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _secret() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(50))


@pytest.mark.django_db
def test_the_suite_runs_on_postgresql():
    if os.environ.get("ALLOW_SQLITE_TESTS") == "1":
        pytest.skip("ALLOW_SQLITE_TESTS=1")
    assert connection.vendor == "postgresql", "set DATABASE_URL to PostgreSQL (see Makefile)"


def test_the_production_configuration_passes_the_deploy_check():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="0",
        SECRET_KEY=_secret(),
        ALLOWED_HOSTS="advisor.example.com",
        CACHE_URL="redis://redis:6379/1",
    )  # as docker-compose.yml has it
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_redis_cache_gives_up_fast_and_fails_open_and_the_default_stays_in_memory():
    from advisor.config.settings import cache_config

    assert cache_config("redis://redis:6379/1") == {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://redis:6379/1",
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
    }
    assert cache_config("redis://redis:6379/1?socket_timeout=2")["OPTIONS"]["SOCKET_TIMEOUT"] == 2
    assert cache_config("locmemcache://")["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"
    assert settings.DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS is True


def test_production_refuses_to_start_without_a_secret_key():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="advisor.example.com")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = manage("check", DEBUG="0", SECRET_KEY=_secret())
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr


def test_a_malformed_debug_value_is_an_error_not_a_guess():
    result = manage("check", DEBUG="maybe")
    assert result.returncode != 0 and "DEBUG" in result.stderr


def test_development_needs_no_configuration_at_all():
    result = manage("check", DEBUG="1")
    assert result.returncode == 0, result.stderr


def test_tasks_run_in_process_when_no_broker_is_configured():
    if os.environ.get("CELERY_BROKER_URL"):
        pytest.skip("a real broker is configured")
    assert settings.CELERY_TASK_ALWAYS_EAGER is True


@pytest.mark.django_db
def test_the_models_and_the_migrations_agree():
    # Migrations written by hand or in parallel branches must still match the models.
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_wsgi_entry_point_loads_every_view_then_freezes_what_start_up_made():
    # Frozen objects are left out of garbage collections: a full one had paused
    # a worker for up to 67 ms in the middle of a request (BENCHMARKS.md section 5).
    script = (
        "import gc, sys, advisor.config.wsgi; "
        "print(gc.get_freeze_count() > 50_000, 'advisor.workloads.api' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "advisor.config.settings", "DEBUG": "1"},
    )
    assert result.stdout.split() == ["True", "True"], result.stderr


def test_the_dev_server_prints_each_log_line_once():
    # Django's default config gives the "django" logger a console handler under DEBUG; with the
    # root's as well, every request warning of `make run` used to be printed twice.
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').warning('Not Found: /probe'); "
        "logging.getLogger('advisor.jobs').warning('probe advisor')"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "advisor.config.settings",
        "DEBUG": "1",
        "PYTHONPATH": str(ROOT),
    }
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr.count("Not Found: /probe") == 1
    assert result.stderr.count("probe advisor") == 1
