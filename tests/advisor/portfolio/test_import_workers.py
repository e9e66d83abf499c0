"""Portfolio imports on real Celery workers over the real Redis, started by these tests.

No eager mode here: the workers are separate processes reading the test database, so
these tests commit their data (transactional) and wait for the workers. An import is
cut into chunks (IMPORT_CHUNK_ROWS, read here where the file is taken) that the workers
assess in parallel into staging; the last chunk sends the one publish step.
"""

from __future__ import annotations

import signal
import time

import pytest

from advisor.models import Assessment, AuditEvent, ImportChunk, ImportRow, PortfolioImport, Workload
from advisor.portfolio import imports

pytestmark = pytest.mark.django_db(transaction=True)


def import_file(rows: int) -> str:
    # Distinct volumes, so no row is answered from the engine's caches.
    return "name,requests_per_day,wait_fraction\n" + "".join(
        f"Imported {i},{1000 + 37 * i},0.{i % 9 + 1}\n" for i in range(rows)
    )


def start_import(owner, team, rows: int) -> PortfolioImport:
    return imports.portfolio_import_start(
        user=owner,
        team=team,
        content=import_file(rows),
        file_format="csv",
        mode="all_or_nothing",
        filename="big.csv",
    )


def poll_import(job: PortfolioImport, timeout: float = 180) -> list[tuple[str, int, int]]:
    """Every (status, rows done, workloads visible) seen until the import finishes."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        seen.append(
            (job.status, imports.import_rows_done(job=job), Workload.objects.filter(team=job.team).count())
        )
        if job.finished:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"import {job.pk} is still {job.status} after {timeout} s")


def wait_until(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def assert_stored_once(team, rows: int) -> None:
    """Each row became exactly one workload, one version-1 assessment and one audit event."""
    assert Workload.objects.filter(team=team).count() == rows
    assert set(Workload.objects.filter(team=team).values_list("name", flat=True)) == {
        f"Imported {i}" for i in range(rows)
    }
    assert Assessment.objects.filter(workload__team=team).count() == rows
    assert AuditEvent.objects.filter(team=team, action="workload.create").count() == rows


def test_two_workers_share_an_imports_chunks_and_it_is_stored_at_once(worker, owner, team, settings):
    settings.IMPORT_CHUNK_ROWS = 50
    worker()
    worker()
    job = start_import(owner, team, rows=400)
    assert job.chunks.count() == 8
    seen = poll_import(job)
    assert seen[-1] == ("done", 400, 400)
    partial = [(done, visible) for status, done, visible in seen if status == "running" and 0 < done < 400]
    assert partial, "no progress was seen between 0 and 400 rows"
    assert all(visible == 0 for _, visible in partial)  # nothing shows until the whole file is stored
    job.refresh_from_db()
    assert (job.created_count, job.rows_done, job.attempts) == (400, 400, 1)  # published once
    assert_stored_once(team, 400)
    # The staging is gone once published.
    assert not ImportRow.objects.filter(portfolio_import=job).exists()
    assert not ImportChunk.objects.filter(portfolio_import=job).exists()


def test_a_worker_killed_mid_chunk_leads_to_every_row_stored_exactly_once(worker, owner, team, settings):
    settings.IMPORT_CHUNK_ROWS = 50
    settings.IMPORT_STALE_AFTER_S = 2  # beat's bound, here where beat's job runs
    first = worker()
    job = start_import(owner, team, rows=600)
    running = ImportChunk.objects.filter(
        portfolio_import=job, status=ImportChunk.Status.RUNNING, index__gte=2
    )
    wait_until(running.exists, "no chunk was seen running")
    killed = running.get().index
    first.kill(signal.SIGKILL)
    job.refresh_from_db()
    assert 0 < job.rows_done < 600 and job.status == PortfolioImport.Status.RUNNING
    assert not Workload.objects.filter(team=team).exists()  # staged, not stored
    assert ImportChunk.objects.get(portfolio_import=job, index=killed).status == ImportChunk.Status.RUNNING

    worker()
    # Beat's job, run here on its schedule: the killed chunk went stale, so it is sent again.
    # Redis also hands the killed worker's unacknowledged message over: two deliveries, one staging.
    time.sleep(2.5)
    assert imports.portfolio_imports_requeue_stale() >= 1
    seen = poll_import(job)
    assert seen[-1] == ("done", 600, 600)
    job.refresh_from_db()
    assert (job.created_count, job.rows_done, job.attempts) == (600, 600, 1)
    assert_stored_once(team, 600)


def test_a_cancelled_import_stops_its_chunks_and_stores_nothing(worker, owner, team, settings):
    settings.IMPORT_CHUNK_ROWS = 50
    worker()
    job = start_import(owner, team, rows=1500)
    wait_until(lambda: PortfolioImport.objects.get(pk=job.pk).rows_done > 0, "no chunk was staged")
    job = imports.portfolio_import_cancel(user=owner, job=job)
    assert job.status == PortfolioImport.Status.CANCELLED and job.note == "Cancelled."
    done_when_cancelled = job.rows_done
    time.sleep(3)  # the chunk being assessed ends; the queued ones find the import cancelled
    job.refresh_from_db()
    assert job.status == PortfolioImport.Status.CANCELLED and job.rows_done == done_when_cancelled
    assert not Workload.objects.filter(team=team).exists()
    assert not ImportRow.objects.filter(portfolio_import=job).exists()
    assert not ImportChunk.objects.filter(portfolio_import=job).exists()
    assert AuditEvent.objects.filter(team=team, action="portfolio.import_cancel").count() == 1


def test_a_worker_killed_while_publishing_stores_nothing_and_the_next_publishes_once(
    worker, owner, team, settings
):
    import psycopg
    from django.db import connection

    from advisor.workloads import services

    settings.IMPORT_CHUNK_ROWS = 500
    held = services.workload_create(
        user=owner, team=team, profile_data={"name": "Imported 0", "requests_per_day": 1}
    )
    # Another transaction holds the workload the first row updates: publishing waits on its row
    # lock, inside its one transaction, while its heartbeat beats. Killed there, for certain.
    blocker = psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{connection.settings_dict['NAME']}")
    blocker.execute("SELECT 1 FROM advisor_workload WHERE id = %s FOR UPDATE", [held.pk])
    try:
        first = worker(IMPORT_HEARTBEAT_S="1")  # the redelivery watches 2.5 beats before taking over
        job = start_import(owner, team, rows=1500)
        publishing = PortfolioImport.objects.filter(pk=job.pk, attempts=1, rows_done=1500)
        wait_until(publishing.exists, "the import was never seen publishing", timeout=120)
        time.sleep(0.5)  # at the lock
        first.kill(signal.SIGKILL)
    finally:
        blocker.rollback()
        blocker.close()
    job.refresh_from_db()
    assert job.status == PortfolioImport.Status.RUNNING
    assert Workload.objects.filter(team=team).count() == 1  # its transaction died with it
    assert ImportRow.objects.filter(portfolio_import=job).count() == 1500  # the staging is intact

    worker(IMPORT_HEARTBEAT_S="1")  # Redis hands the unacknowledged publish message over
    seen = poll_import(job)
    assert seen[-1] == ("done", 1500, 1500)
    job.refresh_from_db()
    assert (job.created_count, job.updated_count, job.attempts) == (1499, 1, 2)
    assert Workload.objects.filter(team=team).count() == 1500
    assert Assessment.objects.filter(workload__team=team).count() == 1501  # the held one had its own
    assert AuditEvent.objects.filter(team=team, action="workload.create").count() == 1500
    held.refresh_from_db()
    assert held.version == 2
