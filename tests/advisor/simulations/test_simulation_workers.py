"""Simulation runs on a real Celery worker over the real Redis, started by these tests.

No eager mode here: the worker is a separate process reading the test database,
so these tests commit their data (transactional) and wait for the worker.
"""

from __future__ import annotations

import signal
import time

import pytest

from advisor.models import SimulationChunk, SimulationRun
from advisor.simulations import services as simulations
from advisor.workloads import services
from placement import parse_profile, simulation
from placement.pricing import catalog_by_version

from ..conftest import reset_connections, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


def in_process(run: SimulationRun) -> dict:
    return simulation.simulate(
        parse_profile(run.profile),
        catalog_by_version(run.catalog_version),
        paths=run.paths,
        seed=run.seed,
        days=run.days,
    ).to_dict()


def test_a_run_completes_on_a_worker_and_matches_the_engine_exactly(worker, owner, workload):
    worker()
    run = simulations.simulation_request(user=owner, workload=workload, paths=300, seed=11)
    run = wait_for(run, SimulationRun.Status.SUCCEEDED)
    assert run.chunks_done == 3 and run.progress == 1.0
    assert list(run.chunks.values_list("attempts", flat=True)) == [1, 1, 1]
    assert run.result == in_process(run)


def test_a_worker_killed_mid_chunk_leads_to_exactly_one_correct_result(worker, owner, workload):
    first = worker()
    run = simulations.simulation_request(user=owner, workload=workload, paths=2000, seed=5)
    deadline = time.monotonic() + 60
    while not SimulationChunk.objects.filter(
        run=run, status=SimulationChunk.Status.RUNNING, index__gte=2
    ).exists():
        assert time.monotonic() < deadline, "no chunk was seen running"
        time.sleep(0.005)
    killed = SimulationChunk.objects.get(run=run, status=SimulationChunk.Status.RUNNING).index
    first.kill(signal.SIGKILL)
    worker()
    # Beat's job, run here on its schedule: the killed chunk went stale, so it is sent again.
    time.sleep(2.5)
    simulations.simulation_requeue_stale()
    run = wait_for(run, SimulationRun.Status.SUCCEEDED, timeout=180)
    chunks = {c.index: c for c in run.chunks.all()}
    assert all(c.status == SimulationChunk.Status.DONE for c in chunks.values())
    assert chunks[killed].attempts >= 2
    assert run.chunks_done == run.chunks_total == 20
    assert run.result == in_process(run)


def test_with_redis_down_a_run_waits_queued_and_finishes_once_it_is_back(
    redis_broker, worker, owner, workload, owner_client, profile
):
    redis = redis_broker  # a broker of this test's own: stopping it leaves the machine's Redis alone
    redis.stop()
    try:
        run = simulations.simulation_request(user=owner, workload=workload, paths=200, seed=3)
        run.refresh_from_db()
        assert run.status == SimulationRun.Status.QUEUED and "unreachable" in run.note
        # Everything else keeps working while the broker is down.
        assert owner_client.get(f"/workloads/{workload.pk}/").status_code == 200
        page = owner_client.get(f"/workloads/{workload.pk}/simulations/{run.pk}/")
        assert page.status_code == 200 and "starts by itself" in page.content.decode()
        services.workload_update(
            user=owner, workload=workload, profile_data={**profile, "requests_per_day": 3000}
        )
    finally:
        redis.start()
    reset_connections()
    worker()
    assert simulations.simulation_requeue_stale() == 2
    run = wait_for(run, SimulationRun.Status.SUCCEEDED)
    assert run.note == "" and run.result == in_process(run)


def test_a_cancelled_run_stops_and_keeps_its_state(worker, owner, workload):
    run = simulations.simulation_request(user=owner, workload=workload, paths=5000, seed=9)
    simulations.simulation_cancel(user=owner, run=run)
    worker()
    time.sleep(3)
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.CANCELLED and run.result is None
    assert not run.chunks.filter(status=SimulationChunk.Status.DONE).exists()


# Portfolio imports on workers (chunks, a killed worker, cancel): tests/advisor/portfolio/test_import_workers.py
