"""The machine's real Redis (127.0.0.1:6379, nothing kept on disk), for tests that stop it."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

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
