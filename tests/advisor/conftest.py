"""Fixtures of the app tests: the machine's real Redis (127.0.0.1:6379, nothing kept on disk), for
tests that stop it, and a workload whose simulation throttles."""
from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from advisor import services, simulations

REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port", "6379",
               "--save", "", "--appendonly", "no"]


def redis_up() -> bool:
    return subprocess.run(["redis-cli", "-p", "6379", "ping"], capture_output=True,
                          text=True).stdout.strip() == "PONG"


def start_redis() -> None:
    """Start Redis unless it runs, and wait until it answers."""
    if redis_up():
        return
    log_dir = Path("/var/log/redis")
    extra = ["--dir", "/var/lib/redis", "--logfile", str(log_dir / "ci.log")] if log_dir.is_dir() else []
    subprocess.run(REDIS_START + extra, check=True)
    for _ in range(100):
        if redis_up():
            return
        time.sleep(0.1)
    raise RuntimeError("Redis did not come back")


def stop_redis() -> None:
    subprocess.run(["redis-cli", "-p", "6379", "shutdown", "nosave"], capture_output=True)
    assert not redis_up(), "Redis is still answering"


class Redis:
    up = staticmethod(redis_up)
    start = staticmethod(start_redis)
    stop = staticmethod(stop_redis)


@pytest.fixture
def redis() -> Redis:
    """Redis to stop and start; whatever the test does, Redis runs again afterwards."""
    assert redis_up(), "this test needs Redis on 127.0.0.1:6379"
    yield Redis()
    start_redis()


# Bursts of about 3,500 requests in flight on Lambda, whose default quota is 1,000.
SPIKY_HEAVY = {"name": "Spiky heavy agent", "requests_per_day": 300_000, "pattern": "spiky",
               "peak_to_average": 50, "request_duration_s": 20, "wait_fraction": 0.5, "trigger": "api"}


@pytest.fixture
def throttling(owner, team, monkeypatch):
    """A workload on Lambda that throttles, simulated with a fixed seed (no volume sweep)."""
    monkeypatch.setattr(simulations, "_enqueue_sweep", lambda run_id: None)
    workload = services.workload_create(user=owner, team=team, profile_data=SPIKY_HEAVY)
    assert workload.assessments.get().result["layers"]["nerves"]["placement"] == "lambda"  # the premise
    run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=21, days=3)
    run.refresh_from_db()
    return workload, run


@pytest.fixture
def profile_file(tmp_path):
    """Write a profile (a dict, or text as given) to a file, for the advise command."""
    def write(content) -> str:
        path = tmp_path / "profile.json"
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)
    return write
