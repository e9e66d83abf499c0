"""The one lifecycle of background work (advisor.jobs): one attempt limit for every kind, a reason
code with its words in one place, Celery's send-on-commit keeping the broker-down behaviour, and
in-process work run beside the request so it answers at once and its progress page is seen."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from celery.app.task import Task
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerOperationalError

from advisor import jobs
from advisor.models import JobReason, PortfolioImport, Report, SimulationChunk, SimulationRun
from advisor.portfolio import imports
from advisor.reports import services as reports
from advisor.simulations import services as simulations

ROOT = Path(__file__).resolve().parents[2]
FAKE_PDF = b"%PDF-1.7 fake"


@pytest.fixture
def gate(monkeypatch):
    """Holds the report render and every simulation chunk until the test opens it."""
    gate = threading.Event()
    simulate_chunk = simulations.simulation.simulate_chunk

    def held_chunk(*args, **kwargs):
        assert gate.wait(60), "the test never opened the gate"
        return simulate_chunk(*args, **kwargs)

    def held_build(**kwargs):
        assert gate.wait(60), "the test never opened the gate"
        return reports.RenderedReport(pdf=FAKE_PDF, figures_seconds=0.0, pdf_seconds=0.0, warm_browser=False)

    monkeypatch.setattr(simulations.simulation, "simulate_chunk", held_chunk)
    monkeypatch.setattr(simulations, "_enqueue_sweep", lambda run_id: None)
    monkeypatch.setattr(reports, "report_build", held_build)
    yield gate
    gate.set()  # never leave the background thread waiting
    jobs.wait_beside(timeout=60)


@pytest.fixture
def beside(settings):
    """The app's default without a broker: work runs in a thread beside the request."""
    settings.BACKGROUND_IN_PROCESS = "thread"
    return settings


# -- in-process work beside the request ---------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_simulation_api_answers_202_at_once_and_the_run_then_finishes(
    beside, gate, api, owner, workload
):
    response = api(owner).post(
        f"/api/v1/workloads/{workload.pk}/simulations/", {"paths": 200, "seed": 5}, format="json"
    )

    assert response.status_code == 202 and response.json()["status"] in ("queued", "running")
    run = SimulationRun.objects.get(pk=response.json()["id"])
    assert not run.finished  # the request did not wait for the work
    gate.set()
    jobs.wait_beside(timeout=60)
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.SUCCEEDED and run.chunks_done == run.chunks_total == 2


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_simulate_a_month_shows_its_progress_page_while_the_run_works(
    beside, gate, owner_client, workload
):
    response = owner_client.post(
        reverse("simulation-create", args=[workload.pk]), {"paths": 200, "seed": 5}, follow=True
    )

    page = response.content.decode()
    assert response.status_code == 200 and 'id="sim-progress"' in page and "hx-get" in page  # it polls
    gate.set()
    jobs.wait_beside(timeout=60)
    assert SimulationRun.objects.get().status == SimulationRun.Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_download_pdf_shows_preparing_at_once_then_serves_the_pdf(
    beside, gate, owner_client, workload
):
    url = reverse("workload-report", args=[workload.pk])

    waiting = owner_client.post(url, follow=True)

    assert (
        waiting["Content-Type"].startswith("text/html")
        and "Preparing your report" in waiting.content.decode()
    )
    gate.set()
    jobs.wait_beside(timeout=60)
    done = owner_client.get(url)
    assert done["Content-Type"] == "application/pdf" and done.content == FAKE_PDF


@pytest.mark.django_db(transaction=True)
def test_a_report_asked_for_before_the_sweep_landed_stays_on_its_way_and_includes_the_sweep(
    beside, gate, owner_client, owner, workload, monkeypatch
):
    monkeypatch.setattr(simulations, "_enqueue_sweep", lambda run_id: None)  # the sweep lands later
    run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=3, days=3)
    url = reverse("workload-report", args=[workload.pk])
    gate.set()
    jobs.wait_beside(timeout=60)
    gate.clear()
    jobs._executor().submit(gate.wait, 60)  # the sweep, running: the render waits behind it, queued

    owner_client.post(url)
    SimulationRun.objects.filter(pk=run.pk).update(sweep={"rates": []})  # the sweep lands meanwhile
    waiting = owner_client.get(url).content.decode()

    assert "Preparing your report" in waiting and "Prepare PDF report" not in waiting
    gate.set()
    jobs.wait_beside(timeout=60)
    report = Report.objects.get()
    assert report.status == Report.Status.READY and report.with_sweep  # what it rendered, and current
    assert owner_client.get(url)["Content-Type"] == "application/pdf"


def test_the_page_waiting_for_a_report_shows_no_template_comment(owner_client, workload):
    assessment = workload.assessments.get()
    Report.objects.create(assessment=assessment)  # queued: a worker has not taken it yet
    page = owner_client.get(reverse("assessment-report", args=[workload.pk, assessment.pk])).content.decode()
    assert "Preparing your report" in page and "{#" not in page and "#}" not in page


@pytest.mark.django_db(transaction=True)
def test_work_beside_the_request_closes_its_database_connection_when_done(beside, gate, owner, workload):
    from django.db import connections

    seen = []
    simulations.simulation_request(user=owner, workload=workload, paths=100, seed=3, days=3)
    gate.set()
    jobs.wait_beside(timeout=60)
    jobs._executor().submit(lambda: seen.append(connections["default"].connection)).result(timeout=10)
    assert seen == [None]  # the thread holds no connection (nor a lock on SQLite) between jobs


# -- one attempt limit, one reason code ----------------------------------------------------------------


def test_one_attempt_limit_fails_a_render_an_import_and_a_chunk_alike(settings, owner, team, workload):
    settings.JOB_MAX_ATTEMPTS = 2
    report = Report.objects.create(assessment=workload.assessments.get(), attempts=2)
    job = PortfolioImport.objects.create(
        team=team,
        created_by=owner,
        file_format="json",
        rows_total=1,
        mode=PortfolioImport.Mode.VALID_ROWS,
        status=PortfolioImport.Status.QUEUED,
        attempts=2,
        profiles=[{"row": 1, "profile": {"name": "x"}}],
    )
    run = SimulationRun.objects.create(
        workload=workload,
        profile=workload.profile,
        profile_version=1,
        seed=1,
        paths=100,
        engine_version="test",
        catalog_version="test",
        chunks_total=1,
    )
    SimulationChunk.objects.create(run=run, index=0, status=SimulationChunk.Status.QUEUED, attempts=2)

    reports.report_compute(report_id=report.pk)
    imports.portfolio_import_run(import_id=job.pk)
    simulations.simulation_chunk_compute(run_id=run.pk, chunk=0)

    for row in (report, job, run):
        row.refresh_from_db()
        assert row.status == "failed" and row.reason == JobReason.ATTEMPTS_EXHAUSTED, row
    assert report.error == "Rendering was attempted 2 times without finishing."
    assert job.error == "The import was attempted 2 times without finishing."
    assert run.error == "Chunk 0 was attempted 2 times without finishing."


def test_a_chunk_taken_counts_its_attempt_on_the_run_too(owner, workload, monkeypatch):
    monkeypatch.setattr(simulations, "simulation_enqueue", lambda **kwargs: True)  # still in the queue
    run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=2, days=3)
    SimulationChunk.objects.filter(run=run).update(attempts=1, status=SimulationChunk.Status.QUEUED)
    monkeypatch.setattr(simulations, "_enqueue_sweep", lambda run_id: None)

    simulations.simulation_chunk_compute(run_id=run.pk, chunk=0)

    run.refresh_from_db()
    assert run.status == SimulationRun.Status.SUCCEEDED and run.attempts == 2 and run.reason == ""


@pytest.fixture
def broker_down(monkeypatch):
    """Every send meets a broker that does not answer, as kombu reports it."""

    def refuse(self, *args, **kwargs):
        raise BrokerOperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(Task, "apply_async", refuse)
    return monkeypatch


def test_a_render_sent_while_the_broker_is_down_says_so_by_code_and_in_the_words_of_one_place(
    broker_down, owner, workload, api, django_capture_on_commit_callbacks
):
    assessment = workload.assessments.get()
    with django_capture_on_commit_callbacks(execute=True):  # Celery's apply_async_on_commit
        reports.report_request(assessment=assessment, user=owner)

    report = Report.objects.get()
    assert report.status == Report.Status.QUEUED and report.reason == JobReason.BROKER_UNREACHABLE
    assert (
        report.note
        == jobs.reason_words(JobReason.BROKER_UNREACHABLE, noun="report")
        == (
            "Queued: the task queue is unreachable right now. The report starts by itself when it is back; "
            "nothing is lost."
        )
    )
    body = api(owner).get(f"/api/v1/workloads/{workload.pk}/assessments/{assessment.pk}/report.pdf").json()
    assert body["reason"] == "broker_unreachable" and body["retry_notice"] == ""

    broker_down.undo()
    sent = []
    broker_down.setattr(
        Task,
        "apply_async",
        lambda self, args=None, kwargs=None, **options: sent.append((kwargs, options)) or "sent",
    )
    assert reports.reports_requeue_stale() == 1 and sent == [({"report_id": report.pk}, {"retry": False})]
    report.refresh_from_db()
    assert report.reason == "" and report.note == ""  # the next send that got through cleared it


def test_a_simulation_and_an_import_sent_while_the_broker_is_down_say_so_by_code(
    broker_down, owner, team, workload, api, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=2, days=3)
        job = imports.portfolio_import_start(
            user=owner,
            team=team,
            content='[{"name": "a", "requests_per_day": 1}]',
            file_format="json",
            mode=PortfolioImport.Mode.VALID_ROWS,
        )

    body = api(owner).get(f"/api/v1/workloads/{workload.pk}/simulations/{run.pk}/").json()
    assert body["status"] == "queued" and body["reason"] == "broker_unreachable"
    assert body["note"].startswith(
        "Queued: the task queue is unreachable right now. The run starts by itself"
    )
    body = api(owner).get(f"/api/v1/teams/{team.pk}/imports/{job.pk}/").json()
    assert body["reason"] == "broker_unreachable" and "The import starts by itself" in body["note"]


def test_a_cancelled_run_says_cancelled_by_code_and_in_words(owner, workload, monkeypatch, api):
    monkeypatch.setattr(simulations, "simulation_enqueue", lambda **kwargs: True)
    run = simulations.simulation_cancel(
        user=owner, run=simulations.simulation_request(user=owner, workload=workload, paths=100, seed=2)
    )

    body = api(owner).get(f"/api/v1/workloads/{workload.pk}/simulations/{run.pk}/").json()
    assert (body["status"], body["reason"], body["note"]) == ("cancelled", "cancelled", "Cancelled.")


def test_a_rejected_import_gives_invalid_input_as_its_reason(owner, team):
    job = imports.portfolio_import_start(
        user=owner,
        team=team,
        content='[{"name": "a"}]',
        file_format="json",
        mode=PortfolioImport.Mode.ALL_OR_NOTHING,
    )
    assert job.status == PortfolioImport.Status.REJECTED and job.reason == JobReason.INVALID_INPUT


def test_a_stale_running_import_is_queued_again_so_the_next_tick_leaves_it_alone(
    owner, team, settings, monkeypatch
):
    old = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_S + 5)
    job = PortfolioImport.objects.create(
        team=team,
        created_by=owner,
        file_format="json",
        rows_total=1,
        mode=PortfolioImport.Mode.VALID_ROWS,
        status=PortfolioImport.Status.RUNNING,
        attempts=1,
        started_at=old,
        heartbeat_at=old,
    )
    sent = []
    monkeypatch.setattr(imports, "portfolio_import_enqueue", lambda import_id: sent.append(import_id) or True)

    assert imports.portfolio_imports_requeue_stale() == 1
    assert imports.portfolio_imports_requeue_stale() == 0  # queued and touched: its message waits
    job.refresh_from_db()
    assert sent == [job.pk] and job.status == PortfolioImport.Status.QUEUED


# -- settings --------------------------------------------------------------------------------------------


def _settings(**env: str) -> subprocess.CompletedProcess:
    code = (
        "from django.conf import settings; print(settings.JOB_MAX_ATTEMPTS, settings.BACKGROUND_IN_PROCESS)"
    )
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={
            "PATH": "/usr/bin:/bin",
            "DEBUG": "1",
            "DJANGO_SETTINGS_MODULE": "advisor.config.settings",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_job_max_attempts_defaults_to_3_and_background_work_to_a_thread():
    assert _settings().stdout.split() == ["3", "thread"]


def test_simulation_max_attempts_is_still_read_as_the_deprecated_name_of_job_max_attempts():
    assert _settings(SIMULATION_MAX_ATTEMPTS="5").stdout.split()[0] == "5"
    assert _settings(SIMULATION_MAX_ATTEMPTS="5", JOB_MAX_ATTEMPTS="4").stdout.split()[0] == "4"


@pytest.mark.parametrize(
    "env,message",
    [
        ({"JOB_MAX_ATTEMPTS": "three"}, "JOB_MAX_ATTEMPTS"),
        ({"JOB_MAX_ATTEMPTS": "0"}, "JOB_MAX_ATTEMPTS must be at least 1"),
        ({"BACKGROUND_IN_PROCESS": "fork"}, "must be thread or eager"),
    ],
)
def test_a_malformed_job_setting_stops_the_start(env, message):
    result = _settings(**env)
    assert result.returncode != 0 and message in result.stderr, result.stderr[-500:]


# -- the migration: old rows keep reading ----------------------------------------------------------------

BEFORE_REASONS = ("advisor", "0012_workload_unique_name_per_team")
AFTER_REASONS = ("advisor", "0013_background_job_reason")


@pytest.fixture
def before_reasons(transactional_db):
    """The database as it was when runs, reports and imports had a ``note`` sentence."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    MigrationExecutor(connection).migrate([BEFORE_REASONS])
    yield MigrationExecutor(connection).loader.project_state([BEFORE_REASONS]).apps
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_upgrading_turns_old_note_sentences_and_failures_into_reason_codes(before_reasons):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    apps = before_reasons
    team = apps.get_model("advisor", "Team").objects.create(name="A", slug="a")
    workload = apps.get_model("advisor", "Workload").objects.create(
        team=team, name="w", profile={}, version=1
    )
    runs = apps.get_model("advisor", "SimulationRun").objects
    common = {
        "workload": workload,
        "profile": {},
        "profile_version": 1,
        "seed": 1,
        "paths": 100,
        "engine_version": "e",
        "catalog_version": "c",
        "chunks_total": 1,
    }
    broker = runs.create(
        **common,
        status="queued",
        note="Queued: the task queue is unreachable right now. "
        "The run starts by itself when it is back; nothing is lost.",
    ).pk
    cancelled = runs.create(**common, status="cancelled", note="Cancelled.").pk
    exhausted = runs.create(
        **common, status="failed", error="Chunk 3 was attempted 3 times without finishing."
    ).pk
    crashed = runs.create(**common, status="failed", error="Chunk 0 failed: boom").pk
    imports_ = apps.get_model("advisor", "PortfolioImport").objects
    rejected = imports_.create(
        team=team, file_format="csv", mode="all_or_nothing", status="rejected", rows_total=1
    ).pk
    waiting = imports_.create(
        team=team,
        file_format="csv",
        mode="valid_rows",
        status="queued",
        rows_total=1,
        note="The task queue is unreachable; the import starts once it is back.",
    ).pk

    executor = MigrationExecutor(connection)
    executor.migrate([AFTER_REASONS])
    apps = executor.loader.project_state([AFTER_REASONS]).apps

    reasons = dict(apps.get_model("advisor", "SimulationRun").objects.values_list("pk", "reason"))
    assert reasons == {
        broker: "broker_unreachable",
        cancelled: "cancelled",
        exhausted: "attempts_exhausted",
        crashed: "error",
    }
    reasons = dict(apps.get_model("advisor", "PortfolioImport").objects.values_list("pk", "reason"))
    assert reasons == {rejected: "invalid_input", waiting: "broker_unreachable"}
    run = SimulationRun.objects.get(pk=exhausted)  # and the model reads the old row as before
    assert run.error == "Chunk 3 was attempted 3 times without finishing." and run.note == ""
    assert SimulationRun.objects.get(pk=broker).note.startswith("Queued: the task queue is unreachable")
