"""Simulation runs through the pages, the API and the CLI, with tasks run in-process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from advisor.models import SimulationRun
from advisor.simulations import services as simulations

pytestmark = pytest.mark.django_db(transaction=True)  # runs are enqueued on commit
ROOT = Path(__file__).resolve().parents[3]


def test_a_member_simulates_from_the_page_and_sees_the_bands_and_the_sweep(owner_client, workload):
    response = owner_client.post(reverse("simulation-create", args=[workload.pk]), {"paths": 200, "seed": 1})
    run = SimulationRun.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/simulations/{run.pk}/")
    assert run.status == SimulationRun.Status.SUCCEEDED and run.sweep is not None
    html = owner_client.get(response["Location"]).content.decode()
    assert "Monthly cost under simulated traffic" in html and "Cost against volume" in html
    assert "this workload" in html


def test_the_same_seed_gives_the_same_numbers(owner, workload):
    first = simulations.simulation_request(user=owner, workload=workload, paths=200, seed=77)
    second = simulations.simulation_request(user=owner, workload=workload, paths=200, seed=77)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.result == second.result and first.sweep == second.sweep


def test_progress_polling_refreshes_the_page_once_the_run_has_finished(owner_client, owner, workload):
    run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=2)
    url = reverse("simulation-progress", args=[workload.pk, run.pk])
    assert owner_client.get(url, HTTP_HX_REQUEST="true")["HX-Refresh"] == "true"
    SimulationRun.objects.filter(pk=run.pk).update(status=SimulationRun.Status.RUNNING, chunks_done=0)
    partial = owner_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in partial and "0 of 1 chunks" in partial


def test_a_cancelled_run_is_never_computed(owner, workload, monkeypatch):
    enqueue = simulations.simulation_enqueue
    monkeypatch.setattr(simulations, "simulation_enqueue", lambda **kwargs: True)  # still in the queue
    run = simulations.simulation_request(user=owner, workload=workload, paths=300, seed=2)
    simulations.simulation_cancel(user=owner, run=run)
    for chunk in range(run.chunks_total):  # the messages arrive after the cancel
        simulations.simulation_chunk_compute(run_id=run.pk, chunk=chunk)
    assert enqueue(run_id=run.pk) is True
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.CANCELLED and run.result is None
    assert run.chunks.filter(attempts__gt=0).count() == 0


def test_the_api_starts_and_reports_a_run(api, owner, workload):
    response = api(owner).post(
        f"/api/v1/workloads/{workload.pk}/simulations/", {"paths": 100, "seed": 5}, format="json"
    )
    assert response.status_code == 202
    run = api(owner).get(f"/api/v1/workloads/{workload.pk}/simulations/{response.json()['id']}/").json()
    assert run["status"] == "succeeded" and run["progress"] == 1.0 and run["seed"] == 5
    assert run["result"]["placements"]["nerves"]["lambda"]["cost"]["p50"] > 0


@pytest.mark.parametrize(
    "body,field",
    [({"paths": 0}, "paths"), ({"paths": "many"}, "paths"), ({"seed": -1}, "seed"), ({"days": 400}, "days")],
)
def test_bad_run_parameters_are_a_400_naming_the_field(api, owner, workload, body, field):
    response = api(owner).post(f"/api/v1/workloads/{workload.pk}/simulations/", body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert SimulationRun.objects.count() == 0


def test_a_viewer_cannot_start_or_cancel_a_run(api, viewer, owner, workload, viewer_client):
    assert (
        api(viewer).post(f"/api/v1/workloads/{workload.pk}/simulations/", {}, format="json").status_code
        == 403
    )
    assert (
        viewer_client.post(reverse("simulation-create", args=[workload.pk]), {"paths": 100}).status_code
        == 403
    )
    run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=1)
    assert (
        api(viewer).post(f"/api/v1/workloads/{workload.pk}/simulations/{run.pk}/cancel/").status_code == 403
    )
    assert viewer_client.get(reverse("simulation-detail", args=[workload.pk, run.pk])).status_code == 200


def test_another_teams_runs_are_404_everywhere(api, owner, outsider, other_workload, owner_client):
    run = simulations.simulation_request(user=outsider, workload=other_workload, paths=100, seed=1)
    w, r = other_workload.pk, run.pk
    for method, url in [
        ("post", reverse("simulation-create", args=[w])),
        ("get", reverse("simulation-detail", args=[w, r])),
        ("get", reverse("simulation-progress", args=[w, r])),
        ("post", reverse("simulation-cancel", args=[w, r])),
    ]:
        assert getattr(owner_client, method)(url).status_code == 404, url
    client = api(owner)
    for method, url in [
        ("get", f"/api/v1/workloads/{w}/simulations/"),
        ("post", f"/api/v1/workloads/{w}/simulations/"),
        ("get", f"/api/v1/workloads/{w}/simulations/{r}/"),
        ("post", f"/api/v1/workloads/{w}/simulations/{r}/cancel/"),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    run.refresh_from_db()
    assert run.status == SimulationRun.Status.SUCCEEDED


def test_advise_simulate_adds_a_simulation_object(tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"name": "bot", "requests_per_day": 2000}))
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "advise",
            str(profile),
            "--simulate",
            "--paths",
            "200",
            "--seed",
            "3",
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stderr
    sim = json.loads(result.stdout)["simulation"]
    assert (
        sim["paths"] == 200 and sim["seed"] == 3 and sim["placements"]["nerves"]["lambda"]["cost"]["p50"] > 0
    )


def test_advise_refuses_a_bad_path_count_with_exit_2(tmp_path):
    profile = tmp_path / "p.json"
    profile.write_text(json.dumps({"name": "bot", "requests_per_day": 2000}))
    result = subprocess.run(
        [sys.executable, "manage.py", "advise", str(profile), "--simulate", "--paths", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"DEBUG": "1", "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2 and "paths" in result.stderr and "Traceback" not in result.stderr


def test_the_api_shows_what_a_throttling_run_found_with_its_numbers(api, owner, throttling):
    workload, run = throttling
    body = api(owner).get(f"/api/v1/workloads/{workload.pk}/simulations/{run.pk}/").json()

    lam = body["result"]["placements"]["nerves"]["lambda"]
    share, count = lam["throttled_share"]["p50"], lam["throttled_requests"]["p50"]
    first = body["findings"][0]
    assert (first["kind"], first["severity"], first["layer"], first["placement"]) == (
        "throttling",
        "warning",
        "nerves",
        "lambda",
    )
    assert first["text"].startswith(
        f"The simulation throttled {share:.1%} of the requests to AWS Lambda (Nerves) "
        "at Lambda's default quota of 1,000 concurrent executions: "
        f"{count:,.0f} of {body['result']['requests']['p50']:,.0f} requests"
    )
    assert first["values"]["throttled_share"] == share
    listed = api(owner).get(f"/api/v1/workloads/{workload.pk}/simulations/").json()["results"]
    assert listed[0]["findings"] == body["findings"]


def test_a_run_still_in_the_queue_has_no_findings_yet(api, owner, workload, monkeypatch):
    monkeypatch.setattr(simulations, "simulation_enqueue", lambda **kwargs: True)
    run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=2)
    body = api(owner).get(f"/api/v1/workloads/{workload.pk}/simulations/{run.pk}/").json()
    assert body["status"] == "queued" and body["findings"] == []
