"""Background work across database and broker trouble: transient database errors are retried with
backoff (not acknowledged as done), an import's heartbeat lets beat find a lost one in minutes, and
pages and the API say when work is waiting to be retried instead of showing "running"."""

from __future__ import annotations

import re
import socket
import threading
import time
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import InterfaceError, OperationalError
from django.urls import reverse
from django.utils import timezone

from advisor.config.celery import app as celery_app
from advisor.models import PortfolioImport, Report, SimulationChunk, SimulationRun, Workload
from advisor.portfolio import imports
from advisor.reports import services as reports
from advisor.simulations import services as simulations
from advisor.simulations import tasks as simulation_tasks

from .conftest import wait_for

NOTICE = re.compile(
    r"Waiting to be retried: no worker has reported since (\d\d:\d\d) UTC \(a worker stopped, "
    r"or the database or broker was unavailable\)\. It is sent again automatically by about "
    r"(\d\d:\d\d) UTC\."
)


class CuttablePostgres:
    """A TCP proxy to the machine's PostgreSQL for one worker: ``cut`` drops its connections and
    refuses new ones, as a database restart does, without touching the shared server."""

    def __init__(self, target=("127.0.0.1", 5432)):
        self.target, self.open, self.lock, self.sockets = target, threading.Event(), threading.Lock(), []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.open.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return  # closed
            if not self.open.is_set():
                client.close()  # the database is "down": the connection dies at once
                continue
            upstream = socket.create_connection(self.target)
            with self.lock:
                self.sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def cut(self) -> None:
        self.open.clear()
        with self.lock:
            for s in self.sockets:
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                s.close()
            self.sockets.clear()

    def restore(self) -> None:
        self.open.set()

    def close(self) -> None:
        self.cut()
        self.server.close()


@pytest.fixture
def postgres_proxy():
    proxy = CuttablePostgres()
    yield proxy
    proxy.close()


def _import(team, owner, **fields) -> PortfolioImport:
    return PortfolioImport.objects.create(
        team=team,
        created_by=owner,
        file_format="json",
        mode=PortfolioImport.Mode.VALID_ROWS,
        rows_total=1,
        profiles=[{"row": 1, "profile": {"name": "imported", "requests_per_day": 100}}],
        **{"status": PortfolioImport.Status.RUNNING, "attempts": 1, **fields},
    )


# -- every task retries transient database errors ------------------------------------------------


def test_every_task_retries_transient_database_errors_with_exponential_backoff():
    found = [t for name, t in celery_app.tasks.items() if name.startswith("advisor.")]
    assert len(found) >= 9
    for task in found:
        assert {OperationalError, InterfaceError} <= set(task.autoretry_for), task.name
        assert task.retry_backoff == django_settings.TASK_RETRY_BACKOFF_S, task.name
        assert task.retry_backoff_max == django_settings.TASK_RETRY_BACKOFF_MAX_S, task.name
        assert task.max_retries == django_settings.TASK_MAX_RETRIES, task.name


@pytest.mark.django_db(transaction=True)
def test_a_chunk_whose_worker_loses_the_database_is_retried_and_the_run_completes(
    owner, workload, queue, worker, postgres_proxy, django_db_blocker
):
    from django.db import connection

    w = worker(
        DATABASE_URL=postgres_proxy.url(connection.settings_dict["NAME"]),
        TASK_RETRY_BACKOFF_S="1",
        TASK_RETRY_BACKOFF_MAX_S="2",
        TASK_MAX_RETRIES="30",
    )
    postgres_proxy.cut()  # PostgreSQL "restarts" for the worker only
    run = simulations.simulation_request(user=owner, workload=workload, paths=200, seed=5, days=3)

    deadline = time.monotonic() + 60
    while w.log.read_text().count("Retry in") < 2:  # it took the chunks, met the error, and kept them
        assert time.monotonic() < deadline, w.log.read_text()[-3000:]
        time.sleep(0.2)
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.QUEUED and run.chunks_done == 0
    postgres_proxy.restore()

    run = wait_for(run, SimulationRun.Status.SUCCEEDED, timeout=90)
    assert run.chunks_done == run.chunks_total == 2
    # The outage hit before any chunk was claimed, so each chunk spent exactly one attempt.
    assert sorted(run.chunks.values_list("attempts", flat=True)) == [1, 1]


def test_a_retried_chunk_does_not_spend_another_attempt(owner, workload, monkeypatch):
    run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=5, days=3)
    store, calls = simulations._chunk_store, []

    def flaky_store(**kwargs):
        calls.append(kwargs["chunk"])
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        store(**kwargs)

    monkeypatch.setattr(simulations, "_chunk_store", flaky_store)
    monkeypatch.setattr(simulations, "_enqueue_sweep", lambda run_id: None)
    # throw=False: as on a worker, where the retry is sent rather than raised to a caller.
    simulation_tasks.simulation_chunk_task.apply(kwargs={"run_id": run.pk, "chunk": 0}, throw=False)

    chunk = SimulationChunk.objects.get(run=run, index=0)
    assert calls == [0, 0] and chunk.status == SimulationChunk.Status.DONE and chunk.attempts == 1
    assert SimulationRun.objects.get(pk=run.pk).status == SimulationRun.Status.SUCCEEDED


def test_a_database_error_during_an_import_is_raised_for_a_retry_not_marked_failed(team, owner, monkeypatch):
    job = _import(team, owner, status=PortfolioImport.Status.QUEUED, attempts=0)

    def cut(job):
        raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(imports, "_store_rows", cut)
    with pytest.raises(OperationalError):
        imports.portfolio_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == PortfolioImport.Status.RUNNING and job.error == "" and job.attempts == 1
    assert not Workload.objects.filter(name="imported").exists()

    monkeypatch.undo()
    imports.portfolio_import_run(import_id=job.pk, retried=True)  # Celery's retry, moments later
    job.refresh_from_db()
    assert job.status == PortfolioImport.Status.DONE and job.attempts == 1 and job.created_count == 1


def test_a_database_error_during_a_render_is_raised_for_a_retry_not_marked_failed(workload, monkeypatch):
    report = Report.objects.create(assessment=workload.assessments.get())

    def cut(**kwargs):
        raise InterfaceError("connection already closed")

    monkeypatch.setattr(reports, "report_build", cut)
    with pytest.raises(InterfaceError):
        reports.report_compute(report_id=report.pk)
    report.refresh_from_db()
    assert report.status == Report.Status.RUNNING and report.error == ""


# -- the import's heartbeat and beat's stale rule --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_running_import_beats_its_heartbeat_while_its_rows_are_still_uncommitted(
    team, owner, settings, monkeypatch
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # as on a worker, where the heartbeat matters
    settings.IMPORT_HEARTBEAT_S = 0.05
    job = _import(team, owner, status=PortfolioImport.Status.QUEUED, attempts=0)
    seen = []

    def slow_store(job):
        started = PortfolioImport.objects.get(pk=job.pk).heartbeat_at
        time.sleep(0.5)  # storing rows, inside the import's one transaction
        seen.append((started, PortfolioImport.objects.get(pk=job.pk).heartbeat_at))
        return {"created_count": 0, "updated_count": 0, "unchanged_count": 0}

    monkeypatch.setattr(imports, "_store_rows", slow_store)
    imports.portfolio_import_run(import_id=job.pk)

    ((started, later),) = seen
    assert later > started  # committed by the heartbeat's own connection, seen mid-transaction
    assert PortfolioImport.objects.get(pk=job.pk).status == PortfolioImport.Status.DONE


def test_beat_sends_again_an_import_whose_heartbeat_went_silent_and_only_that_one(team, owner, monkeypatch):
    now = timezone.now()
    stale = django_settings.IMPORT_STALE_AFTER_S
    silent = _import(
        team,
        owner,
        started_at=now - timedelta(seconds=stale + 30),
        heartbeat_at=now - timedelta(seconds=stale + 5),
    )
    beating = _import(
        team, owner, started_at=now - timedelta(seconds=stale + 30), heartbeat_at=now - timedelta(seconds=5)
    )
    sent = []
    monkeypatch.setattr(imports, "portfolio_import_enqueue", lambda import_id: sent.append(import_id) or True)

    assert imports.portfolio_imports_requeue_stale() == 1
    assert sent == [silent.pk] and beating.pk not in sent
    assert stale <= 180  # minutes, not the 31-minute hard limit


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_message_leaves_the_import_to_the_worker_whose_heartbeat_moves(
    team, owner, settings, monkeypatch
):
    settings.CELERY_TASK_ALWAYS_EAGER, settings.IMPORT_HEARTBEAT_S = False, 0.1
    job = _import(team, owner, started_at=timezone.now(), heartbeat_at=timezone.now())
    monkeypatch.setattr(imports, "_store_rows", lambda job: pytest.fail("stored twice"))

    with imports._heartbeat(job.pk, 1):  # the first worker, alive and storing
        imports.portfolio_import_run(import_id=job.pk)  # the duplicate

    job.refresh_from_db()
    assert job.status == PortfolioImport.Status.RUNNING and job.attempts == 1


def test_a_message_redelivered_after_its_worker_died_takes_the_import_over_at_once(team, owner, settings):
    settings.IMPORT_HEARTBEAT_S = 0.1
    job = _import(team, owner, started_at=timezone.now(), heartbeat_at=timezone.now())  # then killed

    started = time.monotonic()
    imports.portfolio_import_run(import_id=job.pk)

    job.refresh_from_db()
    assert job.status == PortfolioImport.Status.DONE and job.attempts == 2 and job.created_count == 1
    assert time.monotonic() - started < 5  # 2.5 heartbeats of watching, not IMPORT_STALE_AFTER_S


def test_a_silent_import_out_of_attempts_is_marked_failed_not_left_running(team, owner):
    old = timezone.now() - timedelta(seconds=django_settings.IMPORT_STALE_AFTER_S + 5)
    job = _import(team, owner, attempts=django_settings.JOB_MAX_ATTEMPTS, started_at=old, heartbeat_at=old)

    imports.portfolio_import_run(import_id=job.pk)

    job.refresh_from_db()
    assert job.status == PortfolioImport.Status.FAILED and "3 times" in job.error


# -- "waiting to be retried" on the pages and in the API ---------------------------------------------


def _notice(text: str) -> tuple[str, str]:
    match = NOTICE.search(" ".join(text.split()))
    assert match, text[-2000:]
    return match.groups()


def test_an_import_whose_worker_went_silent_says_it_waits_to_be_retried_on_the_page_and_in_the_api(
    team, owner, owner_client, api
):
    last = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=3)
    job = _import(team, owner, started_at=last, heartbeat_at=last)

    page = owner_client.get(reverse("team-import-detail", args=[team.pk, job.pk])).content.decode()
    polled = owner_client.get(reverse("team-import-progress", args=[team.pk, job.pk])).content.decode()
    body = api(owner).get(f"/api/v1/teams/{team.pk}/imports/{job.pk}/").json()

    since, resend_by = _notice(page)
    assert since == timezone.localtime(last).strftime("%H:%M")
    assert _notice(polled) == _notice(body["retry_notice"]) == (since, resend_by)
    assert resend_by >= timezone.localtime(timezone.now()).strftime("%H:%M")


def test_an_import_whose_worker_beats_says_nothing_of_retries(team, owner, owner_client, api):
    job = _import(team, owner, started_at=timezone.now(), heartbeat_at=timezone.now())
    page = owner_client.get(reverse("team-import-detail", args=[team.pk, job.pk])).content.decode()
    assert "Waiting to be retried" not in page
    assert api(owner).get(f"/api/v1/teams/{team.pk}/imports/{job.pk}/").json()["retry_notice"] == ""


def test_a_simulation_nobody_works_on_says_it_waits_to_be_retried_on_the_page_and_in_the_api(
    owner, workload, owner_client, api
):
    run = simulations.simulation_request(user=owner, workload=workload, paths=200, seed=5, days=3)
    old = timezone.now() - timedelta(seconds=django_settings.SIMULATION_STALE_AFTER_S + 60)
    SimulationRun.objects.filter(pk=run.pk).update(status=SimulationRun.Status.RUNNING, updated_at=old)
    run.chunks.update(status=SimulationChunk.Status.RUNNING, updated_at=old)

    page = owner_client.get(reverse("simulation-progress", args=[workload.pk, run.pk])).content.decode()
    body = api(owner).get(f"/api/v1/workloads/{workload.pk}/simulations/{run.pk}/").json()

    assert _notice(page) == _notice(body["retry_notice"])
    assert _notice(page)[0] == timezone.localtime(old).strftime("%H:%M")
    run.chunks.filter(index=0).update(updated_at=timezone.now())  # a worker reports again
    assert (
        api(owner).get(f"/api/v1/workloads/{workload.pk}/simulations/{run.pk}/").json()["retry_notice"] == ""
    )


def test_a_render_nobody_works_on_says_it_waits_to_be_retried_and_beat_sends_it_again(
    owner, workload, owner_client, api, monkeypatch
):
    assessment = workload.assessments.get()
    old = timezone.now() - timedelta(seconds=django_settings.REPORT_STALE_AFTER_S + 10)
    report = Report.objects.create(
        assessment=assessment, status=Report.Status.RUNNING, attempts=1, started_at=old
    )
    url = reverse("assessment-report", args=[workload.pk, assessment.pk])

    page = owner_client.get(url).content.decode()
    body = api(owner).get(f"/api/v1/workloads/{workload.pk}/assessments/{assessment.pk}/report.pdf").json()
    assert _notice(page) == _notice(body["retry_notice"]) and body["status"] == "running"

    sent = []
    monkeypatch.setattr(reports, "report_enqueue", lambda report_id: sent.append(report_id) or True)
    assert reports.reports_requeue_stale() == 1 and sent == [report.pk]
    assert Report.objects.get(pk=report.pk).status == Report.Status.QUEUED
    assert reports.reports_requeue_stale() == 0  # not again at the next tick
    assert "requeue-stale-reports" in django_settings.CELERY_BEAT_SCHEDULE
