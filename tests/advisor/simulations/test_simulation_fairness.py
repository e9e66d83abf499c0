"""One team cannot starve the others: a cap on runs in flight per team, and runs taking turns.

Each run keeps a small window of chunks in the broker and each finished chunk sends the
next, so a newcomer's first chunk waits behind a few chunks per run, not thousands.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import redis as redis_client
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from advisor.config.celery import app
from advisor.models import SimulationChunk, SimulationRun
from advisor.simulations import services as simulations

from ..conftest import wait_for

pytestmark = pytest.mark.django_db(transaction=True)  # runs are enqueued on commit; threads commit


@pytest.fixture
def held(monkeypatch):
    """Runs stay queued: nothing is sent, as while every worker is busy elsewhere."""
    monkeypatch.setattr(simulations, "simulation_enqueue", lambda **kwargs: True)


@pytest.fixture
def broker_queue(queue):
    """The test's queue on the real Redis, emptied afterwards (no worker reads it here)."""
    client = redis_client.Redis.from_url(app.conf.broker_url)
    yield lambda: client.llen(queue)
    client.delete(queue)


def statuses(run: SimulationRun) -> dict[str, int]:
    return {s: run.chunks.filter(status=s).count() for s in SimulationChunk.Status.values}


# -- the cap on runs in flight per team --------------------------------------------------------


def test_the_api_refuses_a_run_beyond_the_teams_cap_with_429_and_says_how_to_free_a_slot(
    api, owner, workload, outsider, other_workload, settings, held
):
    settings.SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM = 2
    url = f"/api/v1/workloads/{workload.pk}/simulations/"
    first, second = (api(owner).post(url, {"paths": 100}, format="json") for _ in range(2))
    assert first.status_code == second.status_code == 202

    refused = api(owner).post(url, {"paths": 100}, format="json")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    messages = refused.json()["non_field_errors"]
    assert "2 simulation runs queued or running" in messages[0] and "(2)" in messages[0]
    assert "cancel one" in messages[0]
    cancel = f"/api/v1/workloads/{workload.pk}/simulations/{first.json()['id']}/cancel/"
    assert any(cancel in m for m in messages[1:])
    assert SimulationRun.objects.filter(workload=workload).count() == 2

    # Another team is not held back by this one, and a cancel frees a slot.
    assert (
        api(outsider)
        .post(f"/api/v1/workloads/{other_workload.pk}/simulations/", {"paths": 100}, format="json")
        .status_code
        == 202
    )
    assert api(owner).post(cancel).status_code == 200
    assert api(owner).post(url, {"paths": 100}, format="json").status_code == 202


def test_the_page_shows_why_no_run_started_and_a_cancel_button_for_each_run_in_flight(
    owner_client, owner, workload, settings, held
):
    settings.SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM = 1
    run = simulations.simulation_request(user=owner, workload=workload, paths=5000, seed=1)

    response = owner_client.post(reverse("simulation-create", args=[workload.pk]), {"paths": 100, "seed": 2})
    html = response.content.decode()
    assert response.status_code == 429 and response["Retry-After"]
    assert "No new simulation started" in html and "the most a team may have at once (1)" in html
    assert f'action="{reverse("simulation-cancel", args=[workload.pk, run.pk])}"' in html
    assert SimulationRun.objects.count() == 1


def test_two_requests_at_once_cannot_both_take_the_last_slot(owner, workload, settings, held, monkeypatch):
    settings.SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM = 1
    chunk_count = simulations.simulation.chunk_count

    def slow_chunk_count(paths: int) -> int:
        time.sleep(0.5)  # between counting the team's runs and creating this one: the race window
        return chunk_count(paths)

    monkeypatch.setattr(simulations.simulation, "chunk_count", slow_chunk_count)
    start, outcomes = threading.Barrier(2), []

    def request() -> None:
        start.wait()
        try:
            simulations.simulation_request(user=owner, workload=workload, paths=100, seed=1)
            outcomes.append("started")
        except simulations.SimulationLimitError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["refused", "started"]
    assert SimulationRun.objects.count() == 1


# -- the window of chunks in the broker --------------------------------------------------------


def test_the_queue_holds_a_few_chunks_per_run_not_every_chunk(owner, workload, broker_queue, settings):
    settings.SIMULATION_CHUNKS_QUEUED_PER_RUN = 2
    runs = [
        simulations.simulation_request(user=owner, workload=workload, paths=3000, seed=s) for s in (1, 2, 3)
    ]
    assert broker_queue() == 6  # 3 runs x 2, where every one of their 90 chunks used to be
    for run in runs:
        assert statuses(run) == {"pending": 28, "queued": 2, "running": 0, "done": 0}


def test_a_finished_chunk_sends_the_next_chunk_of_its_run(owner, workload, broker_queue, settings):
    settings.SIMULATION_CHUNKS_QUEUED_PER_RUN = 2
    run = simulations.simulation_request(user=owner, workload=workload, paths=500, seed=4, days=3)
    simulations.simulation_chunk_compute(run_id=run.pk, chunk=0)  # as a worker would, with chunk 0's message
    assert statuses(run) == {"pending": 2, "queued": 2, "running": 0, "done": 1}
    assert set(run.chunks.filter(status="queued").values_list("index", flat=True)) == {1, 2}
    assert broker_queue() == 3  # chunk 0's message, not taken off by this test, and 1 and 2


def test_beat_refills_a_window_whose_message_was_lost_and_resends_stale_chunks(
    owner, workload, broker_queue, settings
):
    run = simulations.simulation_request(user=owner, workload=workload, paths=1000, seed=4)
    # A worker stored chunk 0 and died before sending the next; chunk 1's message was lost.
    run.chunks.filter(index=0).update(status=SimulationChunk.Status.DONE)
    run.chunks.filter(index=1).update(
        updated_at=timezone.now() - timedelta(seconds=settings.SIMULATION_STALE_AFTER_S + 1)
    )
    before = broker_queue()
    assert simulations.simulation_requeue_stale() == 2  # chunk 1 again, and chunk 2 to fill the window
    assert statuses(run) == {"pending": 7, "queued": 2, "running": 0, "done": 1}
    assert broker_queue() == before + 2


def test_without_a_broker_every_chunk_of_a_big_run_runs_in_process(owner, workload):
    run = simulations.simulation_request(user=owner, workload=workload, paths=700, seed=8, days=2)
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.SUCCEEDED and run.chunks_done == 7


# -- with a real worker -----------------------------------------------------------------------


def test_a_small_run_of_another_team_finishes_while_a_teams_big_runs_have_done_little(
    worker, owner, workload, outsider, other_workload, settings
):
    settings.SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM = 3
    worker()
    big = [
        simulations.simulation_request(user=owner, workload=workload, paths=3000, seed=s) for s in range(3)
    ]
    total = sum(run.chunks_total for run in big)
    wait_for(big[0], SimulationRun.Status.RUNNING)
    small = simulations.simulation_request(user=outsider, workload=other_workload, paths=100, seed=1)

    small = wait_for(small, SimulationRun.Status.SUCCEEDED, timeout=600)
    done = sum(SimulationRun.objects.get(pk=run.pk).chunks_done for run in big)
    print(
        f"\nthe 100-path run waited {(small.finished_at - small.created_at).total_seconds():.1f} s; "
        f"the big runs had done {done} of {total} chunks"
    )
    assert done < total / 4
    for run in big:
        simulations.simulation_cancel(user=owner, run=run)
