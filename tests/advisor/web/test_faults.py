"""PostgreSQL restarted while requests flow: the app answers 503 meanwhile and recovers by itself.

The real app runs in gunicorn (2 sync workers, persistent database connections with health
checks, as in production) on a PostgreSQL of this module's own, on a spare port: the machine's
PostgreSQL serves other suites and sessions, and is never stopped. Client threads keep calling
the API while the test stops that PostgreSQL, looks at the answers during the outage, and
starts it again.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import Client

from advisor.accounts import services as account_services
from advisor.models import Workload

from ..private_services import PrivatePostgres, gunicorn_start, process_group_stop

pytestmark = pytest.mark.django_db(transaction=True)
CLIENTS = 4  # more threads than workers, so both workers are always busy
RECOVERY_S = 5.0  # after PostgreSQL accepts connections again, every answer is a 200
PER_WORKER = 20  # ... for at least this many requests on each worker
OUTAGE_S = 2.5  # how long PostgreSQL stays down
DEADLINE_S = 120.0  # the whole exchange stops by itself after this long


DATABASE = "fault_test"  # on the module's own PostgreSQL


@contextmanager
def default_database_on(server: PrivatePostgres):
    """Django's default connection on `server`: the test's fixtures, and gunicorn (App), follow it."""
    saved = dict(connection.settings_dict)
    connections.close_all()
    connection.settings_dict.update(
        HOST="127.0.0.1", PORT=str(server.port), NAME=DATABASE, USER="postgres", PASSWORD=""
    )
    try:
        yield
    finally:
        connections.close_all()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture(scope="module")
def private_postgres(django_db_setup, django_db_blocker):
    """A migrated PostgreSQL of this module's own, for the test to stop: the machine's serves
    other sessions, so it is never stopped. Set up once per module (initdb and migrate)."""
    assert connection.vendor == "postgresql", "this test needs DATABASE_URL pointing at PostgreSQL"
    server = PrivatePostgres()
    try:
        server.start()
        server.create_database(DATABASE)
        with django_db_blocker.unblock(), default_database_on(server):
            call_command("migrate", verbosity=0)
            yield server
    finally:
        server.close()


@dataclass
class Answer:
    probe: str
    started: float
    finished: float
    status: int | None  # None: no HTTP answer at all
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


class App:
    """The app in gunicorn on the test database; every request carries an X-Probe id to find
    it again in the access log, which names the worker (pid) that answered it."""

    def __init__(self, tmp: Path):
        self.access_log, self.error_log = tmp / "access.log", tmp / "error.log"
        self.proc, self.port = gunicorn_start(
            database=connection.settings_dict,
            workers=2,
            env={
                "DEBUG": "1",
                "CONN_MAX_AGE": "60",
                "CELERY_BROKER_URL": "",
                "CACHE_URL": "locmemcache://",  # the fault is PostgreSQL's alone
                # Only the fault may turn a request down.
                "THROTTLE_USER": "100000/min",
                "THROTTLE_EVALUATE": "100000/min",
            },
            args=[
                "--access-logfile",
                str(self.access_log),
                "--error-logfile",
                str(self.error_log),
                "--access-logformat",
                "%(p)s %(s)s %({x-probe}i)s",
                "--capture-output",
            ],
        )

    def wait_ready(self, token: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            booted = self.error_log.exists() and self.error_log.read_text().count("Booting worker") >= 2
            if booted and self.call("GET", "/api/v1/workloads/", token=token, probe="ready").status == 200:
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                log = self.error_log.read_text() if self.error_log.exists() else ""
                raise RuntimeError("gunicorn did not start:\n" + log[-3000:])
            time.sleep(0.2)

    def call(
        self,
        method: str,
        path: str,
        *,
        probe: str,
        token: str | None = None,
        body: dict | None = None,
        cookie: str | None = None,
    ) -> Answer:
        headers = {"X-Probe": probe, "Accept": "application/json" if token else "text/html"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if cookie:
            headers["Cookie"] = f"sessionid={cookie}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        started = time.monotonic()
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        try:
            conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
            response = conn.getresponse()
            status, answer_headers, content = response.status, dict(response.getheaders()), response.read()
        except OSError as exc:
            status, answer_headers, content = None, {}, repr(exc).encode()
        finally:
            conn.close()
        return Answer(probe, started, time.monotonic(), status, answer_headers, content)

    def workers(self) -> dict[str, str]:
        """X-Probe id -> pid of the worker that answered it."""
        lines = (line.split() for line in self.access_log.read_text().splitlines())
        return {parts[2]: parts[0] for parts in lines if len(parts) == 3}

    def stop(self) -> None:
        process_group_stop(self.proc)


@pytest.fixture
def postgres(private_postgres) -> PrivatePostgres:
    """Whatever the test does to PostgreSQL, it is running again afterwards."""
    assert private_postgres.ready()
    yield private_postgres
    private_postgres.start()
    # The test's own connection died with the restart; the database teardown needs a live one.
    connections.close_all()


@pytest.fixture
def app(postgres, tmp_path):
    app = App(tmp_path)
    yield app
    app.stop()


class Traffic:
    """Client threads calling the API in a loop: the list, then an evaluation, and again."""

    def __init__(self, app: App, token: str, profile: dict):
        self.app, self.token, self.profile = app, token, profile
        self.answers: list[Answer] = []
        self.stopped = threading.Event()
        self.deadline = time.monotonic() + DEADLINE_S
        self.threads = [threading.Thread(target=self._run, args=(n,), daemon=True) for n in range(CLIENTS)]

    def _run(self, n: int) -> None:
        for seq in itertools.count():
            if self.stopped.is_set() or time.monotonic() > self.deadline:
                return
            probe = f"c{n}-{seq}"
            if seq % 2:
                body = {**self.profile, "requests_per_day": 1000 + seq}
                answer = self.app.call("POST", "/api/v1/evaluate/", probe=probe, token=self.token, body=body)
            else:
                answer = self.app.call("GET", "/api/v1/workloads/", probe=probe, token=self.token)
            self.answers.append(answer)

    def __enter__(self) -> Traffic:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopped.set()
        for thread in self.threads:
            thread.join(timeout=30)

    def since(self, moment: float) -> list[Answer]:
        return [a for a in list(self.answers) if a.started >= moment]

    def wait_for_successes(self, moment: float, app: App, count: int) -> None:
        """Until each worker answered `count` requests sent after `moment` (or the deadline)."""
        while time.monotonic() < self.deadline:
            time.sleep(0.5)
            probes = {a.probe for a in self.since(moment)}
            per_worker = defaultdict(int)
            for probe, pid in app.workers().items():
                per_worker[pid] += probe in probes
            if len(per_worker) >= 2 and min(per_worker.values()) >= count:
                return


def assert_clean_503(answer: Answer) -> None:
    assert answer.headers.get("Content-Type", "").startswith("application/json"), answer
    assert int(answer.headers["Retry-After"]) > 0
    body = answer.json()
    assert list(body) == ["non_field_errors"] and "unavailable" in body["non_field_errors"][0]


def assert_the_outage_answers_503(app: App, token: str, session: str) -> None:
    """While PostgreSQL is down: a clean 503 from the API and from a page, never a 500 traceback."""
    api = app.call("GET", "/api/v1/workloads/", probe="api-down", token=token)
    assert api.status == 503, api
    assert_clean_503(api)
    page = app.call("GET", "/workloads/", probe="page-down", cookie=session)
    assert page.status == 503 and page.headers["Content-Type"].startswith("text/html"), page
    assert b"Temporarily unavailable" in page.body and b"Traceback" not in page.body
    assert int(page.headers["Retry-After"]) > 0


def assert_every_worker_recovered(traffic: Traffic, app: App, stopping: float, ready: float) -> None:
    answers = list(traffic.answers)
    assert all(a.status == 200 for a in answers if a.finished < stopping), "errors before the outage"
    assert not [a for a in answers if a.status not in (200, 503)], "only 200 or a clean 503, ever"
    outage = [a for a in answers if a.status == 503]
    assert outage, "no client request saw the outage"
    for answer in outage:
        assert_clean_503(answer)
    late = [a for a in answers if a.status != 200 and a.started >= ready + RECOVERY_S]
    assert not late, f"{len(late)} failures more than {RECOVERY_S} s after PostgreSQL was back"
    per_worker = defaultdict(list)
    workers = app.workers()
    for answer in traffic.since(ready + RECOVERY_S):
        per_worker[workers.get(answer.probe)].append(answer.status)
    per_worker.pop(None, None)
    assert len(per_worker) == 2, f"answers after recovery came from workers {sorted(per_worker)}"
    assert all(len(statuses) >= PER_WORKER and set(statuses) == {200} for statuses in per_worker.values())


def test_the_app_answers_503_while_postgresql_restarts_and_recovers_with_no_error_or_loss(
    postgres, app, owner, workload, profile
):
    _, token = account_services.api_token_create(user=owner, name="fault test")
    page_client = Client()
    page_client.force_login(owner)
    session = page_client.cookies["sessionid"].value
    app.wait_ready(token)
    assert app.call("GET", "/workloads/", probe="page-before", cookie=session).status == 200

    with Traffic(app, token, profile) as traffic:
        time.sleep(1.5)
        stopping = time.monotonic()
        postgres.stop()
        try:
            assert_the_outage_answers_503(app, token, session)
            time.sleep(OUTAGE_S)
        finally:
            postgres.start()
        ready = time.monotonic()
        traffic.wait_for_successes(ready + RECOVERY_S, app, PER_WORKER)
    assert_every_worker_recovered(traffic, app, stopping, ready)

    # No data lost: the workload from before is there, and a new one can be created.
    before = app.call("GET", f"/api/v1/workloads/{workload.pk}/", probe="after-get", token=token)
    assert before.status == 200 and before.json()["name"] == workload.name
    created = app.call(
        "POST",
        "/api/v1/workloads/",
        probe="after-post",
        token=token,
        body={**profile, "name": "After the restart"},
    )
    assert created.status == 201, created
    connections.close_all()  # the test's own connection did not survive the restart
    assert Workload.objects.filter(pk__in=[workload.pk, created.json()["id"]]).count() == 2
    assert not re.search(r"Traceback|Internal Server Error", app.error_log.read_text())
