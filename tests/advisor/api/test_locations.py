"""Every 201 (created) and 202 (accepted) of the API names its resource in an absolute ``Location``,
and an idempotent replay of that answer names the same one."""

from __future__ import annotations

import json

import pytest

from advisor.models import IdempotencyKey, PortfolioImport, Report, SimulationRun
from advisor.reports import tasks

pytestmark = pytest.mark.django_db(transaction=True)  # simulations, imports and renders start on commit

HOST = "http://testserver"


def post(client, url, body=None, key=None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(url, body, format="json", **extra)


def test_a_created_workload_is_named_in_location(api, owner, team):
    response = post(api(owner), "/api/v1/workloads/", {"name": "Located", "requests_per_day": 10})

    assert response.status_code == 201
    assert response["Location"] == f"{HOST}/api/v1/workloads/{response.json()['id']}/"


def test_a_created_assessment_is_named_in_location(api, owner, workload):
    response = post(api(owner), f"/api/v1/workloads/{workload.pk}/assessments/")

    assert response.status_code == 201
    assert (
        response["Location"] == f"{HOST}/api/v1/workloads/{workload.pk}/assessments/{response.json()['id']}/"
    )


def test_a_started_simulation_is_named_in_location(api, owner, workload):
    response = post(
        api(owner), f"/api/v1/workloads/{workload.pk}/simulations/", {"paths": 10, "seed": 1, "days": 1}
    )

    run = SimulationRun.objects.get()
    assert response.status_code == 202
    assert response["Location"] == f"{HOST}/api/v1/workloads/{workload.pk}/simulations/{run.pk}/"


def test_an_accepted_import_is_named_in_an_absolute_location(api, owner, team):
    body = {"mode": "valid_rows", "workloads": [{"name": "Imported", "requests_per_day": 5}]}
    response = post(api(owner), f"/api/v1/teams/{team.pk}/imports/", body)

    job = PortfolioImport.objects.get()
    assert response.status_code == 202
    assert response["Location"] == f"{HOST}/api/v1/teams/{team.pk}/imports/{job.pk}/"


def test_a_report_being_rendered_names_its_assessments_report_in_location(api, owner, workload, monkeypatch):
    # A broker nobody consumes yet: the render stays queued.
    monkeypatch.setattr(tasks.report_render_task, "apply_async", lambda **kwargs: None)
    client = api(owner)
    assessment = workload.assessments.get()

    posted = client.post(f"/api/v1/workloads/{workload.pk}/report.pdf")
    polled = client.get(f"/api/v1/workloads/{workload.pk}/report.pdf")

    assert Report.objects.get().status == Report.Status.QUEUED
    expected = f"{HOST}/api/v1/workloads/{workload.pk}/assessments/{assessment.pk}/report.pdf"
    assert posted.status_code == polled.status_code == 202
    assert posted["Location"] == polled["Location"] == expected


@pytest.mark.parametrize("kind", ["workload", "assessment", "simulation", "import"])
def test_an_idempotent_replay_names_the_same_location(api, owner, team, workload, kind):
    url, body = {
        "workload": ("/api/v1/workloads/", {"name": "Replayed", "requests_per_day": 10}),
        "assessment": (f"/api/v1/workloads/{workload.pk}/assessments/", None),
        "simulation": (f"/api/v1/workloads/{workload.pk}/simulations/", {"paths": 10, "seed": 1, "days": 1}),
        "import": (
            f"/api/v1/teams/{team.pk}/imports/",
            {"mode": "valid_rows", "workloads": [{"name": "Imported", "requests_per_day": 5}]},
        ),
    }[kind]
    client = api(owner)

    first = post(client, url, body, key=f"replay-{kind}")
    again = post(client, url, body, key=f"replay-{kind}")

    assert again["Idempotent-Replayed"] == "true" and again.status_code == first.status_code
    assert again["Location"] == first["Location"] and first["Location"].startswith(f"{HOST}/api/v1/")


def test_a_replay_stored_with_a_relative_location_answers_it_absolute(api, owner, team):
    client = api(owner)
    first = post(client, "/api/v1/workloads/", {"name": "Older answer", "requests_per_day": 10}, key="old-1")
    # Rows written before Locations were absolute, and the rows written now, keep only the path.
    stored = IdempotencyKey.objects.get(key="old-1")
    assert stored.location == f"/api/v1/workloads/{first.json()['id']}/"

    again = post(client, "/api/v1/workloads/", {"name": "Older answer", "requests_per_day": 10}, key="old-1")

    assert again["Location"] == first["Location"] == f"{HOST}{stored.location}"


def test_the_schema_documents_location_on_every_201_and_202(owner_client):
    schema = json.loads(
        owner_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    )

    answers = [
        (method, path, code, response)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for code, response in operation["responses"].items()
        if code in ("201", "202")
    ]
    # workloads, assessments, simulations, imports, the two reports' GET and POST, and a calibration saved
    assert len(answers) == 9
    for method, path, code, response in answers:
        assert "Location" in response.get("headers", {}), f"{method.upper()} {path} {code}"
