"""Fixtures of the app tests: a Redis of the test's own (never the machine's), for tests that stop
it, and a workload whose simulation throttles."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from advisor.config.celery import app
from advisor.config.settings import cache_config
from advisor.models import SimulationRun
from advisor.simulations import services as simulations
from advisor.workloads import services

from .private_services import PrivateRedis


@pytest.fixture
def redis(tmp_path) -> PrivateRedis:
    """A Redis of this test's own to stop and start: the machine's serves other sessions too."""
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.close()


@pytest.fixture
def redis_broker(queue, redis, monkeypatch) -> PrivateRedis:
    """The test's queue, and the workers it starts, on the private `redis`, so the test may stop it.

    Ask for it before `worker`, so that the workers stop before their broker does.
    """
    url = f"{redis.url}/0"
    monkeypatch.setitem(globals(), "BROKER", url)  # what Worker.start hands the worker
    app.conf.broker_url = url  # `queue` puts the previous one back
    reset_connections()
    return redis


# Bursts of about 3,500 requests in flight on Lambda, whose default quota is 1,000.
SPIKY_HEAVY = {
    "name": "Spiky heavy agent",
    "requests_per_day": 300_000,
    "pattern": "spiky",
    "peak_to_average": 50,
    "request_duration_s": 20,
    "wait_fraction": 0.5,
    "trigger": "api",
}


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


# -- a real Celery worker on the test database, for the tests of background work ---------------

ROOT = Path(__file__).resolve().parents[2]
BROKER = "redis://127.0.0.1:6379/13"  # a database of its own, away from other users of Redis


def reset_connections() -> None:
    """Forget every broker connection, so the next message uses the current settings.

    Even an eager task acquires a producer (Celery checks the exchange types), and
    ``app.amqp`` caches its producer pool, bound to the broker of that moment;
    ``app.close()`` alone does not drop it.
    """
    _tasks_registered()
    app.close()
    app.amqp._producer_pool = None


def _tasks_registered() -> None:
    """Import every capability's tasks before ``app.close()``: closing also drops the app from
    Celery's active apps, and a tasks module imported after that (the services send by name and
    import them lazily) would never register its tasks with it."""
    import importlib

    from advisor.config.celery import TASK_PACKAGES

    for package in TASK_PACKAGES:
        importlib.import_module(f"{package}.tasks")


@pytest.fixture
def queue(settings):
    """Route this test's tasks through the real Redis, on a queue no one else uses."""
    name = f"test-{uuid.uuid4().hex[:8]}"
    saved = {
        k: app.conf[k]
        for k in ("broker_url", "task_always_eager", "task_default_queue", "broker_transport_options")
    }
    app.conf.update(
        broker_url=BROKER,
        task_always_eager=False,
        task_default_queue=name,
        broker_transport_options={"visibility_timeout": 5, "socket_connect_timeout": 2, "socket_timeout": 5},
    )
    reset_connections()
    settings.SIMULATION_STALE_AFTER_S = 2
    yield name
    app.conf.update(saved)
    reset_connections()


class Worker:
    """A `celery worker` process on the test database and the test queue."""

    def __init__(self, queue: str, log: Path, **env: str):
        self.queue, self.log, self.env = queue, log, env  # env: overrides, e.g. a DATABASE_URL via a proxy
        self.proc: subprocess.Popen | None = None

    def start(self) -> Worker:
        env = {
            **os.environ,
            "DEBUG": "1",
            "CELERY_BROKER_URL": BROKER,
            "CELERY_TASK_DEFAULT_QUEUE": self.queue,
            "CELERY_VISIBILITY_TIMEOUT": "5",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}",
            # No Chromium per test worker (advisor/reports/worker_hooks.py): none renders a report.
            "CHART_BROWSER_AT_WORKER_START": "0",
            **self.env,
        }
        self.out = self.log.open("a")
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/celery"),
                "-A",
                "advisor",
                "worker",
                "-Q",
                self.queue,
                "-c",
                "1",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while "ready." not in self.log.read_text():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("worker did not start:\n" + self.log.read_text()[-3000:])
            time.sleep(0.2)
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the worker and its pool processes, as an out-of-memory kill or a crash would."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        self.kill(signal.SIGTERM) if self.proc and self.proc.poll() is None else None
        if hasattr(self, "out"):
            self.out.close()


@pytest.fixture
def worker(queue, tmp_path):
    workers = []

    def start(**env: str) -> Worker:
        workers.append(Worker(queue, tmp_path / "worker.log", **env).start())
        return workers[-1]

    yield start
    for w in workers:
        try:
            w.stop()
        except (ProcessLookupError, subprocess.TimeoutExpired):
            w.kill()


def wait_for(run: SimulationRun, status: str, timeout: float = 120) -> SimulationRun:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        run.refresh_from_db()
        if run.status == status:
            return run
        if run.finished:
            break
        time.sleep(0.1)
    raise AssertionError(f"run {run.pk} is {run.status} ({run.chunks_done}/{run.chunks_total}): {run.error}")


@pytest.fixture
def shared_cache(settings, monkeypatch):
    """Progress travels through the cache: the worker and this test must share one, as in production."""
    url = "redis://127.0.0.1:6379/13"
    monkeypatch.setenv("CACHE_URL", url)  # the worker's environment is copied from ours
    settings.CACHES = {"default": cache_config(url)}
