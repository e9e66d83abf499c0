"""Idempotency-Key after a failure: a key whose request died is freed, and old keys expire.

A retry must never wait forever behind a request that will not answer (an unhandled
exception, a killed worker), nor replay an answer from long ago; and the table of keys
holds only the last ``IDEMPOTENCY_KEY_DAYS`` days.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from advisor.accounts import services as account_services
from advisor.api import idempotency
from advisor.config.celery import app as celery_app
from advisor.models import IdempotencyKey, Workload
from advisor.workloads import services

from ..private_services import gunicorn_start, process_group_stop

URL = "/api/v1/workloads/"
BODY = {"name": "Retried intake", "requests_per_day": 500}


def create(client, key: str, body: dict = BODY):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def age(key: str, **delta) -> None:
    """As if the key had been claimed that long ago."""
    IdempotencyKey.objects.filter(key=key).update(created_at=timezone.now() - timedelta(**delta))


@pytest.fixture
def client(owner) -> APIClient:
    client = APIClient(raise_request_exception=False)  # a 500 comes back as a 500, as to a client
    client.force_authenticate(owner)
    return client


@pytest.mark.django_db
def test_an_unhandled_exception_releases_the_key_and_the_retry_creates_the_workload(
    client, team, monkeypatch
):
    real_create = services.workload_create

    def fails_once(**kwargs):
        monkeypatch.setattr(services, "workload_create", real_create)
        raise RuntimeError("a bug the exception handler does not know")

    monkeypatch.setattr(services, "workload_create", fails_once)
    assert create(client, "k-500").status_code == 500
    assert not IdempotencyKey.objects.filter(key="k-500").exists()
    retry = create(client, "k-500")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert Workload.objects.filter(name="Retried intake").count() == 1


@pytest.mark.django_db
def test_a_429_at_the_team_s_cap_of_simulations_releases_the_key_for_a_retry_after_a_cancel(
    client, owner, workload, settings
):
    settings.SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM = 1
    url = f"/api/v1/workloads/{workload.pk}/simulations/"
    first = client.post(url, {"paths": 100, "seed": 1}, format="json")
    assert first.status_code == 202
    at_cap = client.post(url, {"paths": 100, "seed": 2}, format="json", HTTP_IDEMPOTENCY_KEY="k-cap")
    assert at_cap.status_code == 429
    client.post(f"{url}{first.json()['id']}/cancel/")
    retry = client.post(url, {"paths": 100, "seed": 2}, format="json", HTTP_IDEMPOTENCY_KEY="k-cap")
    assert retry.status_code == 202 and "Idempotent-Replayed" not in retry


def die_mid_request(client, monkeypatch, key: str, body: dict = BODY) -> None:
    """A request whose worker dies after claiming the key: gunicorn aborts a worker past its
    timeout with SystemExit, which no exception handler sees, as a SIGKILL would not be seen."""

    def worker_aborted(**kwargs):
        raise SystemExit(1)

    with monkeypatch.context() as patch:
        patch.setattr(services, "workload_create", worker_aborted)
        with pytest.raises(SystemExit):
            create(client, key, body)
    assert IdempotencyKey.objects.get(key=key).status_code is None


@pytest.mark.django_db
def test_a_key_still_pending_after_the_timeout_is_taken_over_by_the_retry(
    client, team, settings, monkeypatch
):
    settings.IDEMPOTENCY_PENDING_TIMEOUT_S = 60
    die_mid_request(client, monkeypatch, "k-dead")
    age("k-dead", seconds=30)
    assert create(client, "k-dead").status_code == 409  # may still be running: wait
    age("k-dead", seconds=61)
    retry = create(client, "k-dead")
    assert retry.status_code == 201 and "Idempotent-Replayed" not in retry
    assert create(client, "k-dead")["Idempotent-Replayed"] == "true"
    assert Workload.objects.filter(name="Retried intake").count() == 1


@pytest.mark.django_db
def test_a_dead_request_s_key_sent_with_another_body_is_still_a_422(client, team, settings, monkeypatch):
    settings.IDEMPOTENCY_PENDING_TIMEOUT_S = 60
    die_mid_request(client, monkeypatch, "k-other")
    age("k-other", seconds=61)
    assert create(client, "k-other", {**BODY, "name": "Another"}).status_code == 422
    assert not Workload.objects.exists()


@pytest.mark.django_db
def test_only_one_of_two_retries_takes_over_a_dead_request_s_key(owner, settings):
    from advisor.api.idempotency import _take_over

    dead = IdempotencyKey.objects.create(user=owner, key="k-race", fingerprint="f")
    age("k-race", seconds=settings.IDEMPOTENCY_PENDING_TIMEOUT_S + 1)
    first, second = _take_over(owner, "k-race", "f"), _take_over(owner, "k-race", "f")
    assert first is not None and first.pk == dead.pk and first.created_at > dead.created_at
    assert second is None


@pytest.mark.django_db
def test_an_expired_key_counts_as_new_whatever_it_answered(client, team, settings):
    settings.IDEMPOTENCY_KEY_DAYS = 1
    assert create(client, "k-old").status_code == 201
    age("k-old", hours=23)
    assert create(client, "k-old")["Idempotent-Replayed"] == "true"
    age("k-old", hours=25)
    again = create(client, "k-old", {**BODY, "name": "A day later"})
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Workload.objects.count() == 2


@pytest.mark.django_db
def test_the_purge_deletes_expired_keys_in_bounded_batches_and_keeps_the_others(owner, settings):
    settings.IDEMPOTENCY_KEY_DAYS = 1
    IdempotencyKey.objects.bulk_create(
        [IdempotencyKey(user=owner, key=f"old-{n}", fingerprint="f", status_code=201) for n in range(25)]
        + [IdempotencyKey(user=owner, key=f"new-{n}", fingerprint="f", status_code=201) for n in range(3)]
    )
    IdempotencyKey.objects.filter(key__startswith="old-").update(
        created_at=timezone.now() - timedelta(days=1, seconds=1)
    )
    with CaptureQueriesContext(connection) as queries:
        assert idempotency.idempotency_keys_purge(batch_size=10) == 25
    deletes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("DELETE")]
    assert len(deletes) == 3  # 10 + 10 + 5
    assert sorted(IdempotencyKey.objects.values_list("key", flat=True)) == ["new-0", "new-1", "new-2"]


@pytest.mark.django_db
def test_beat_purges_expired_keys_through_a_registered_task(owner, settings):
    from advisor.api.tasks import idempotency_keys_purge_task

    schedule = settings.CELERY_BEAT_SCHEDULE["purge-expired-idempotency-keys"]
    assert schedule["task"] == idempotency_keys_purge_task.name in celery_app.tasks
    IdempotencyKey.objects.create(user=owner, key="old", fingerprint="f", status_code=201)
    age("old", days=settings.IDEMPOTENCY_KEY_DAYS, seconds=1)
    assert idempotency_keys_purge_task.delay().get() == 1
    assert not IdempotencyKey.objects.exists()


# --- A worker killed mid-request, in the real app --------------------------------------------

PENDING_TIMEOUT_S = 3


class Gunicorn:
    """The app in gunicorn (one sync worker) on the test database, as production runs it."""

    def __init__(self, tmp: Path):
        self.log = tmp / "gunicorn.log"
        # gunicorn's own timeout above the test's wait: only the test kills the worker.
        self.proc, self.port = gunicorn_start(
            database=connection.settings_dict,
            workers=1,
            env={
                "DEBUG": "1",
                "CELERY_BROKER_URL": "",
                "CACHE_URL": "locmemcache://",
                "IDEMPOTENCY_PENDING_TIMEOUT_S": str(PENDING_TIMEOUT_S),
                "THROTTLE_USER": "100000/min",
            },
            args=["--timeout", "120", "--error-logfile", str(self.log), "--capture-output"],
        )

    def post(self, token: str, key: str) -> int | None:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(
                "POST",
                URL,
                body=json.dumps(BODY),
                headers={
                    "Authorization": f"Bearer {token}",
                    "Content-Type": "application/json",
                    "Accept": "application/json",
                    "Idempotency-Key": key,
                },
            )
            return conn.getresponse().status
        except OSError:
            return None  # the worker died under the request
        finally:
            conn.close()

    def wait_ready(self, token: str) -> None:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and self.proc.poll() is None:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", URL, headers={"Authorization": f"Bearer {token}"})
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer:\n" + self.log.read_text()[-3000:])

    def worker_pid(self) -> int:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        assert len(children) == 1, children
        return int(children[0])

    def stop(self) -> None:
        process_group_stop(self.proc)


@pytest.fixture
def gunicorn(transactional_db, tmp_path):
    assert connection.vendor == "postgresql", "this test needs DATABASE_URL pointing at PostgreSQL"
    server = Gunicorn(tmp_path)
    yield server
    server.stop()


def hold_workload_table():
    """A separate connection that locks the workloads table until rolled back: a create that
    reaches it waits there, mid-request, with its key claimed."""
    db = connection.settings_dict
    lock = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    lock.execute("LOCK TABLE advisor_workload IN ACCESS EXCLUSIVE MODE")
    return lock


def wait_for(check, what: str, timeout: float = 30):
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return found


def test_a_retry_succeeds_once_the_pending_timeout_passed_after_a_worker_was_killed_mid_request(
    gunicorn, owner, team
):
    _, token = account_services.api_token_create(user=owner, name="killed worker test")
    gunicorn.wait_ready(token)
    key = str(uuid.uuid4())
    lock = hold_workload_table()
    statuses = []
    first = threading.Thread(target=lambda: statuses.append(gunicorn.post(token, key)))
    first.start()
    try:
        claimed = wait_for(
            lambda: IdempotencyKey.objects.filter(key=key, status_code=None).first(),
            "the request never claimed its key",
        )
        wait_for(lambda: _waiting_on_a_lock(lock), "the request never reached the workloads table")
        os.kill(gunicorn.worker_pid(), signal.SIGKILL)
        first.join(timeout=30)
    finally:
        lock.rollback()
        lock.close()
    assert statuses == [None]  # the client saw the connection drop, no answer
    assert IdempotencyKey.objects.get(key=key).status_code is None  # the key stays claimed ...

    gunicorn.wait_ready(token)  # gunicorn started another worker
    time.sleep(
        max(
            0.0,
            (
                claimed.created_at + timedelta(seconds=PENDING_TIMEOUT_S + 0.5) - timezone.now()
            ).total_seconds(),
        )
    )
    assert gunicorn.post(token, key) == 201  # ... until the pending timeout, then the retry takes it
    assert gunicorn.post(token, key) == 201  # and a further retry gets that answer back
    assert Workload.objects.filter(name=BODY["name"]).count() == 1
    assert IdempotencyKey.objects.get(key=key).status_code == 201


def _waiting_on_a_lock(lock) -> bool:
    row = lock.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND datname = current_database()"
    ).fetchone()
    return row[0] >= 1
