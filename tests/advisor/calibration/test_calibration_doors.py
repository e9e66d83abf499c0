"""Calibrating a workload from exported usage files, through the page and the API: declared
against measured, the measured profile's advice, and the next version only when asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from advisor.models import Assessment, ProfileVersion

pytestmark = pytest.mark.django_db

USAGE = Path(__file__).resolve().parents[2] / "fixtures" / "usage"


def upload(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (USAGE / name).read_bytes())


def stored(workload) -> tuple:
    workload.refresh_from_db()
    return workload.version, workload.profile, ProfileVersion.objects.count(), Assessment.objects.count()


def test_the_page_shows_declared_against_measured_and_stores_nothing(owner_client, workload):
    before = stored(workload)

    response = owner_client.post(
        f"/workloads/{workload.pk}/calibrate/", {"files": [upload("logs-insights-fields.csv")]}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Declared against measured" in page and "Requests per day" in page
    assert "Advice for the measured profile" in page
    assert "Save the measured profile as version 2" in page
    assert stored(workload) == before


def test_saving_the_measured_profile_changes_only_the_measured_fields(owner_client, workload):
    given = dict(workload.profile)
    page = owner_client.post(
        f"/workloads/{workload.pk}/calibrate/", {"files": [upload("logs-insights-fields.csv")]}
    )
    form = page.context["save_form"]
    changes = json.loads(form.initial["changes"])

    response = owner_client.post(
        f"/workloads/{workload.pk}/calibrate/save/", {"version": 1, "changes": form.initial["changes"]}
    )

    assert response.status_code == 302 and response["Location"] == f"/workloads/{workload.pk}/"
    workload.refresh_from_db()
    assert workload.version == 2 and workload.assessments.count() == 2
    assert workload.profile == {**given, **changes}
    assert "requests_per_day" in changes


def test_a_calibration_made_before_another_edit_is_not_saved_over_it(owner_client, owner, workload):
    page = owner_client.post(
        f"/workloads/{workload.pk}/calibrate/", {"files": [upload("logs-insights-fields.csv")]}
    )
    owner_client.post(
        f"/workloads/{workload.pk}/calibrate/save/",
        {"version": 1, "changes": page.context["save_form"].initial["changes"]},
    )
    before = stored(workload)

    response = owner_client.post(
        f"/workloads/{workload.pk}/calibrate/save/",
        {"version": 1, "changes": page.context["save_form"].initial["changes"]},
        follow=True,
    )

    assert "The profile changed since it was calibrated (version 1, now 2)" in response.content.decode()
    assert stored(workload) == before


def test_a_malformed_file_is_named_with_its_row_and_column_and_nothing_is_lost(owner_client, workload):
    before = stored(workload)

    response = owner_client.post(
        f"/workloads/{workload.pk}/calibrate/", {"files": [upload("bad-duration.csv")]}
    )

    assert response.status_code == 400
    errors = response.context["form"].errors["files"]
    assert "bad-duration.csv, row" in errors[0] and "column @duration" in errors[0]
    assert stored(workload) == before


def test_a_viewer_may_compare_but_not_save(viewer_client, workload):
    page = viewer_client.post(
        f"/workloads/{workload.pk}/calibrate/", {"files": [upload("logs-insights-fields.csv")]}
    )
    assert page.status_code == 200 and "Save the measured profile" not in page.content.decode()

    response = viewer_client.post(
        f"/workloads/{workload.pk}/calibrate/save/", {"version": 1, "changes": '{"requests_per_day": 5}'}
    )

    assert response.status_code == 403
    workload.refresh_from_db()
    assert workload.version == 1


def test_the_page_of_another_teams_workload_is_not_found(client, outsider, workload):
    client.force_login(outsider)

    assert client.get(f"/workloads/{workload.pk}/calibrate/").status_code == 404
    assert (
        client.post(
            f"/workloads/{workload.pk}/calibrate/", {"files": [upload("cost-explorer.csv")]}
        ).status_code
        == 404
    )


def test_the_api_answers_the_measured_profile_changes_and_advice(api, owner, workload):
    before = stored(workload)

    response = api(owner).post(
        f"/api/v1/workloads/{workload.pk}/calibrate/",
        {"files": [upload("lambda-metrics.csv"), upload("bedrock-metrics.csv"), upload("cost-explorer.csv")]},
        format="multipart",
    )

    assert response.status_code == 200, response.content
    body = response.json()
    changed = {change["field"] for change in body["changes"]}
    assert {"requests_per_day", "current_monthly_cost"} <= changed
    assert body["profile"]["requests_per_day"] == next(
        c["measured"] for c in body["changes"] if c["field"] == "requests_per_day"
    )
    assert body["advice"]["profile"] == body["profile"]
    assert {layer["layer"] for layer in body["comparison"]["layers"]} == {"brain", "memory", "nerves"}
    assert body["declared_version"] == 1 and body["saved_version"] is None
    assert stored(workload) == before


def test_the_api_saves_the_measured_profile_as_the_next_version_when_asked(api, owner, workload):
    response = api(owner).post(
        f"/api/v1/workloads/{workload.pk}/calibrate/",
        {"files": [upload("lambda-metrics.csv")], "save": "true"},
        format="multipart",
    )

    assert response.status_code == 201, response.content
    assert response["Location"].endswith(f"/api/v1/workloads/{workload.pk}/")
    workload.refresh_from_db()
    assert response.json()["saved_version"] == workload.version == 2


@pytest.mark.parametrize(
    "data,field,words",
    [
        ({"files": ["bad-unrelated.csv"]}, "files", "bad-unrelated.csv"),
        ({"files": ["bad-truncated.json"]}, "files", "bad-truncated.json"),
        ({}, "files", "Attach one or more exported files"),
        ({"files": ["cost-explorer.csv"], "sav": "true"}, "sav", "Unknown field"),
        ({"files": ["cost-explorer.csv"], "save": "perhaps"}, "save", "valid boolean"),
    ],
)
def test_the_api_refuses_bad_input_with_400_naming_it(api, owner, workload, data, field, words):
    before = stored(workload)
    body = {key: [upload(name) for name in value] if key == "files" else value for key, value in data.items()}

    response = api(owner).post(f"/api/v1/workloads/{workload.pk}/calibrate/", body, format="multipart")

    assert response.status_code == 400
    assert words in json.dumps(response.json()[field])
    assert stored(workload) == before


def test_the_api_gives_the_file_row_and_column_of_a_malformed_export_as_data(api, owner, workload):
    response = api(owner).post(
        f"/api/v1/workloads/{workload.pk}/calibrate/",
        {"files": [upload("bad-duration.csv")]},
        format="multipart",
    )

    error = response.json()["export_error"]
    assert error["file"] == "bad-duration.csv" and error["column"] == "@duration" and error["row"] > 1


def test_a_viewer_cannot_save_through_the_api_and_an_outsider_gets_404(api, viewer, outsider, workload):
    files = {"files": [upload("lambda-metrics.csv")], "save": "true"}
    assert (
        api(viewer).post(f"/api/v1/workloads/{workload.pk}/calibrate/", files, format="multipart").status_code
        == 403
    )
    files = {"files": [upload("lambda-metrics.csv")]}
    assert (
        api(outsider)
        .post(f"/api/v1/workloads/{workload.pk}/calibrate/", files, format="multipart")
        .status_code
        == 404
    )
    workload.refresh_from_db()
    assert workload.version == 1


def test_a_retried_save_with_the_same_idempotency_key_makes_one_version(api, owner, workload):
    client = api(owner)

    answers = [
        client.post(
            f"/api/v1/workloads/{workload.pk}/calibrate/",
            {"files": [upload("lambda-metrics.csv")], "save": "true"},
            format="multipart",
            HTTP_IDEMPOTENCY_KEY="calibrate-once",
        )
        for _ in range(2)
    ]

    assert [a.status_code for a in answers] == [201, 201]
    assert answers[1]["Idempotent-Replayed"] == "true"
    workload.refresh_from_db()
    assert workload.version == 2
