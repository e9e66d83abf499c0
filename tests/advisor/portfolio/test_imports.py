"""Portfolio import and export, through the API and the pages, in-process (no broker).

The worker path (a real Celery worker, progress seen while it runs) is in
test_import_workers.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from advisor import jobs
from advisor.advice_record import stamped
from advisor.models import (
    Assessment,
    AuditEvent,
    ImportChunk,
    ImportRow,
    PortfolioImport,
    ProfileVersion,
    Workload,
)
from advisor.portfolio import imports
from advisor.workloads import services
from placement.profile_file import MAX_ROWS

pytestmark = pytest.mark.django_db

GOOD_CSV = (
    "name,requests_per_day,pattern,wait_fraction,streaming,latency_slo_ms,hosted_model\n"
    "Support bot,2000,business_hours,0.85,true,null,claude-haiku-4.5\n"
    "Nightly summariser,40,batch,,false,,\n"
)
ONE_BAD_ROW_CSV = GOOD_CSV + "Broken,-5,hourly,1.5,maybe,,\n"


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_authenticate(owner)
    return client


@pytest.fixture(autouse=True)
def committed(django_capture_on_commit_callbacks, monkeypatch):
    """Run the import task as a commit would (the test's transaction never commits)."""

    def request_and_commit(self, **request):
        with django_capture_on_commit_callbacks(execute=True):
            return real_request(self, **request)

    real_request = Client.request  # APIClient's requests end here too
    monkeypatch.setattr(Client, "request", request_and_commit)


def upload(api: APIClient, team, content: str, *, mode: str | None, name: str = "portfolio.csv", **headers):
    data = {"file": SimpleUploadedFile(name, content.encode())}
    if mode is not None:
        data["mode"] = mode
    return api.post(f"/api/v1/teams/{team.pk}/imports/", data, format="multipart", **headers)


def names(team) -> set[str]:
    return set(Workload.objects.filter(team=team).values_list("name", flat=True))


# -- the choice is the user's ----------------------------------------------------------


def test_an_import_without_a_mode_is_refused_naming_the_field(api, team):
    response = upload(api, team, GOOD_CSV, mode=None)
    assert response.status_code == 400
    assert "mode" in response.json()
    assert not Workload.objects.filter(team=team).exists()


def test_all_or_nothing_stores_nothing_when_one_row_is_invalid(api, team, workload):
    before = names(team)
    response = upload(api, team, ONE_BAD_ROW_CSV, mode="all_or_nothing")
    assert response.status_code == 400
    body = response.json()
    assert "Nothing was stored" in body["non_field_errors"][0]
    assert {(e["row"], e["field"]) for e in body["rows"]} == {
        (4, "requests_per_day"),
        (4, "pattern"),
        (4, "wait_fraction"),
        (4, "streaming"),
    }
    assert names(team) == before
    job = PortfolioImport.objects.get(pk=body["import_id"])
    assert job.status == PortfolioImport.Status.REJECTED and job.profiles == []


def test_valid_rows_mode_stores_the_valid_rows_and_reports_the_others(api, team):
    response = upload(api, team, ONE_BAD_ROW_CSV, mode="valid_rows")
    assert response.status_code == 202
    job = api.get(response["Location"]).json()
    assert job["status"] == "done"
    assert (job["rows_total"], job["rows_valid"], job["created_count"], job["skipped_count"]) == (3, 2, 2, 1)
    assert {e["row"] for e in job["errors"]} == {4}
    assert names(team) == {"Support bot", "Nightly summariser"}


def test_no_valid_row_at_all_is_rejected_whatever_the_mode(api, team):
    response = upload(api, team, "name,requests_per_day\nA,-1\n", mode="valid_rows")
    assert response.status_code == 400
    assert response.json()["rows"][0] == {
        "row": 2,
        "field": "requests_per_day",
        "message": "Must be at least 0 requests/day.",
    }


# -- what is stored ------------------------------------------------------------------------


def test_imported_workloads_are_assessed_versioned_and_audited(api, team, owner):
    upload(api, team, GOOD_CSV, mode="all_or_nothing")
    bot = Workload.objects.get(team=team, name="Support bot")
    assert bot.profile == {
        "name": "Support bot",
        "requests_per_day": 2000,
        "pattern": "business_hours",
        "wait_fraction": 0.85,
        "streaming": True,
        "latency_slo_ms": None,
        "hosted_model": "claude-haiku-4.5",
    }
    assert bot.created_by == owner and bot.version == 1
    assert ProfileVersion.objects.filter(workload=bot, version=1).exists()
    assessment = Assessment.objects.get(workload=bot)
    assert assessment.result["layers"]["nerves"]["placement"]
    assert assessment.result == stamped(
        json.loads(json.dumps(services.profile_evaluate(profile_data=bot.profile)))
    )
    actions = AuditEvent.objects.filter(team=team).values_list("action", flat=True)
    assert sorted(actions) == ["portfolio.import", "workload.create", "workload.create"]


def test_a_row_named_like_a_workload_updates_it_as_a_new_version(api, team, workload):
    content = f"name,requests_per_day\n{workload.name},9000\n"
    job = api.get(upload(api, team, content, mode="all_or_nothing")["Location"]).json()
    assert (job["created_count"], job["updated_count"]) == (0, 1)
    workload.refresh_from_db()
    assert workload.version == 2 and workload.profile == {"name": workload.name, "requests_per_day": 9000}
    assert workload.assessments.count() == 2  # the old assessment stays
    event = AuditEvent.objects.get(action="workload.update", target_id=str(workload.pk))
    assert event.details["changes"]["requests_per_day"] == {"from": 2000, "to": 9000}


def test_an_unchanged_row_leaves_its_workload_alone(api, team, workload):
    content = json.dumps([workload.profile])
    response = upload(api, team, content, mode="all_or_nothing", name="same.json")
    job = api.get(response["Location"]).json()
    assert (job["created_count"], job["updated_count"], job["unchanged_count"]) == (0, 0, 1)
    workload.refresh_from_db()
    assert workload.version == 1


def test_a_row_naming_a_workload_in_another_case_is_a_row_error_not_a_second_workload(api, team, workload):
    # "support ticket bot" would be a second workload nobody could tell from "Support ticket bot".
    response = upload(
        api, team, "name,requests_per_day\nsupport ticket bot,5\nNew one,5\n", mode="valid_rows"
    )
    job = api.get(response["Location"]).json()
    assert [(e["row"], e["field"]) for e in job["errors"]] == [(2, "name")]
    assert "“Support ticket bot”" in job["errors"][0]["message"]
    assert names(team) == {"Support ticket bot", "New one"}
    workload.refresh_from_db()
    assert workload.version == 1


def test_two_rows_of_one_file_whose_names_differ_only_in_case_are_a_row_error(api, team):
    response = upload(api, team, "name,requests_per_day\nBot,5\nBOT,6\n", mode="all_or_nothing")
    assert response.status_code == 400
    [error] = response.json()["rows"]
    assert (error["row"], error["field"]) == (3, "name") and "“Bot”" in error["message"]


def test_a_failure_part_way_stores_nothing_and_says_so(api, team, monkeypatch):
    rows = "".join(f"Workload {i},{100 + i}\n" for i in range(250))
    real_build, built = services.assessment_build, []

    def failing_build(**kwargs):
        built.append(1)
        if len(built) == 180:  # in the second batch, after the first was written
            raise RuntimeError("disk full")
        return real_build(**kwargs)

    monkeypatch.setattr(imports, "assessment_build", failing_build)
    response = upload(api, team, "name,requests_per_day\n" + rows, mode="all_or_nothing")
    job = api.get(response["Location"]).json()
    assert job["status"] == "failed" and "disk full" in job["error"]
    assert not Workload.objects.filter(team=team).exists()
    assert not AuditEvent.objects.filter(action="workload.create").exists()


def test_a_finished_import_is_not_run_twice(api, team):
    response = upload(api, team, GOOD_CSV, mode="all_or_nothing")
    job_id = response.json()["id"]
    imports.portfolio_import_run(import_id=job_id)  # a redelivered task
    assert Workload.objects.filter(team=team).count() == 2


# -- the file ----------------------------------------------------------------------------


def test_a_json_body_imports_like_a_file(api, team):
    response = api.post(
        f"/api/v1/teams/{team.pk}/imports/",
        {
            "mode": "all_or_nothing",
            "workloads": [{"name": "From a tool", "requests_per_day": 10, "trigger": "queue"}],
        },
        format="json",
    )
    assert response.status_code == 202, response.json()
    assert names(team) == {"From a tool"}


def test_an_unreadable_file_is_a_400_naming_the_file(api, team):
    for content, expected in (
        ("", "empty"),
        ("nom,requests_per_day\nA,1\n", "Unknown column"),
        ("name,name\nA,B\n", "named twice"),
    ):
        response = upload(api, team, content, mode="valid_rows")
        assert response.status_code == 400
        assert expected in response.json()["file"][0]
    response = upload(api, team, "{not json", mode="valid_rows", name="p.json")
    assert "not valid JSON" in response.json()["file"][0]
    response = upload(api, team, "a,b", mode="valid_rows", name="p.xlsx")
    assert "file_format" in response.json()
    assert not PortfolioImport.objects.exists()


def test_ten_thousand_rows_are_accepted_and_one_more_is_refused(api, team):
    header = "name,requests_per_day,wait_fraction\n"
    too_many = header + "".join(f"W{i},{i},2\n" for i in range(MAX_ROWS + 1))
    response = upload(api, team, too_many, mode="all_or_nothing")
    assert response.status_code == 400 and "at most 10,000" in response.json()["file"][0]
    # 10,000 rows, each with an error in the same field: all are checked and reported
    # (all-or-nothing, so nothing is assessed and the test stays quick).
    response = upload(
        api, team, header + "".join(f"W{i},{i},2\n" for i in range(MAX_ROWS)), mode="all_or_nothing"
    )
    assert response.status_code == 400
    rows = response.json()["rows"]
    assert len(rows) == MAX_ROWS and rows[-1] == {
        "row": MAX_ROWS + 1,
        "field": "wait_fraction",
        "message": "Must be at most 1.",
    }


# -- export and round trip -----------------------------------------------------------------


@pytest.mark.parametrize("file_format", ["csv", "json"])
def test_an_export_imports_back_to_the_same_profiles(api, team, other_team, outsider, owner, file_format):
    for profile in (
        {"name": "Plain", "requests_per_day": 1},
        {
            "name": 'Every kind, with "quotes", commas',
            "requests_per_day": 123.5,
            "latency_slo_ms": None,
            "gpu_required": False,
            "quantization_bits": 8,
            "max_duration_s": 3.5,
            "wait_fraction": 0.1,
            "vector_count": 10**9,
            "hosted_model": "claude-haiku-4.5",
            "horizon_months": 12,
        },
    ):
        services.workload_create(user=owner, team=team, profile_data=profile)
    exported = api.get(f"/api/v1/teams/{team.pk}/workloads.{file_format}")
    assert exported.status_code == 200
    assert exported["Content-Disposition"] == f'attachment; filename="alpha-workloads.{file_format}"'

    theirs = APIClient()
    theirs.force_authenticate(outsider)
    response = upload(
        theirs, other_team, exported.content.decode(), mode="all_or_nothing", name=f"alpha.{file_format}"
    )
    assert response.status_code == 202, response.json()
    ours = {w.name: w.profile for w in Workload.objects.filter(team=team)}
    copied = {w.name: w.profile for w in Workload.objects.filter(team=other_team)}
    assert copied == ours
    # The same file into the same team again changes nothing.
    again = api.get(
        upload(api, team, exported.content.decode(), mode="all_or_nothing", name=f"alpha.{file_format}")[
            "Location"
        ]
    ).json()
    assert (again["created_count"], again["updated_count"], again["unchanged_count"]) == (0, 0, 2)


# -- who may -----------------------------------------------------------------------------


def test_a_viewer_may_export_but_not_import(team, viewer, workload):
    client = APIClient()
    client.force_authenticate(viewer)
    assert upload(client, team, GOOD_CSV, mode="valid_rows").status_code == 403
    assert client.get(f"/api/v1/teams/{team.pk}/workloads.csv").status_code == 200
    assert not PortfolioImport.objects.exists()


def test_another_teams_imports_and_exports_are_404(api, other_team, outsider):
    theirs = APIClient()
    theirs.force_authenticate(outsider)
    job_url = upload(theirs, other_team, GOOD_CSV, mode="valid_rows")["Location"]
    assert api.get(job_url).status_code == 404
    assert upload(api, other_team, GOOD_CSV, mode="valid_rows").status_code == 404
    assert api.get(f"/api/v1/teams/{other_team.pk}/workloads.json").status_code == 404


def test_a_retried_upload_with_the_same_key_imports_once(api, team):
    first = upload(api, team, GOOD_CSV, mode="all_or_nothing", HTTP_IDEMPOTENCY_KEY="upload-1")
    retry = upload(api, team, GOOD_CSV, mode="all_or_nothing", HTTP_IDEMPOTENCY_KEY="upload-1")
    assert retry["Idempotent-Replayed"] == "true" and retry.json()["id"] == first.json()["id"]
    assert PortfolioImport.objects.count() == 1
    other_file = upload(
        api, team, GOOD_CSV.replace("2000", "3000"), mode="all_or_nothing", HTTP_IDEMPOTENCY_KEY="upload-1"
    )
    assert other_file.status_code == 422


def test_imports_are_throttled_per_user_in_the_api_and_the_page(api, owner_client, team, monkeypatch):
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, "import": "2/min"}
    )
    cache.clear()
    codes = [
        upload(api, team, "name,requests_per_day\nA,-1\n", mode="valid_rows").status_code for _ in range(2)
    ]
    page = owner_client.post(
        f"/teams/{team.pk}/import/",
        {"file": SimpleUploadedFile("p.csv", GOOD_CSV.encode()), "mode": "valid_rows"},
    )
    assert codes + [page.status_code] == [400, 400, 429]
    assert int(page["Retry-After"]) > 0
    assert not Workload.objects.filter(team=team).exists()
    cache.clear()


# -- the pages ---------------------------------------------------------------------------


def test_the_import_page_asks_for_the_choice_without_making_it(owner_client, team):
    page = owner_client.get(f"/teams/{team.pk}/import/").content.decode()
    assert 'value="all_or_nothing"' in page and 'value="valid_rows"' in page
    assert not re.search(r"<input[^>]*\bchecked", page)
    response = owner_client.post(
        f"/teams/{team.pk}/import/", {"file": SimpleUploadedFile("p.csv", GOOD_CSV.encode())}
    )
    assert response.status_code == 400
    assert "Choose what happens when some rows are invalid." in response.content.decode()


def test_the_page_imports_and_shows_the_outcome_and_every_row_error(owner_client, team):
    response = owner_client.post(
        f"/teams/{team.pk}/import/",
        {"file": SimpleUploadedFile("p.csv", ONE_BAD_ROW_CSV.encode()), "mode": "valid_rows"},
        follow=True,
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Done" in page and "Skipped, invalid" in page and "1 row with errors, skipped" in page
    job = PortfolioImport.objects.get()
    errors = owner_client.get(f"/teams/{team.pk}/imports/{job.pk}/errors.csv")
    rows = list(csv.reader(io.StringIO(errors.content.decode())))
    assert rows[0] == ["row", "field", "message"] and {r[0] for r in rows[1:]} == {"4"}
    assert len(rows) == 5


def test_the_page_says_nothing_was_stored_when_a_file_is_rejected(owner_client, team):
    response = owner_client.post(
        f"/teams/{team.pk}/import/",
        {"file": SimpleUploadedFile("p.csv", ONE_BAD_ROW_CSV.encode()), "mode": "all_or_nothing"},
        follow=True,
    )
    page = response.content.decode()
    assert "Nothing was stored" in page and "Must be at least 0 requests/day." in page
    assert not Workload.objects.filter(team=team).exists()


def test_a_viewer_gets_403_on_the_import_page(client, viewer, team):
    client.force_login(viewer)
    assert client.get(f"/teams/{team.pk}/import/").status_code == 403


def test_progress_shows_rows_assessed_while_an_import_runs(owner_client, team, owner):
    job = PortfolioImport.objects.create(
        team=team,
        created_by=owner,
        file_format="csv",
        mode="all_or_nothing",
        status=PortfolioImport.Status.RUNNING,
        rows_total=300,
        rows_done=200,  # what the chunks staged so far
    )
    partial = owner_client.get(f"/teams/{team.pk}/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert "200 of 300 valid rows assessed (67%)" in partial.content.decode()
    job.status = PortfolioImport.Status.DONE
    job.save()
    finished = owner_client.get(f"/teams/{team.pk}/imports/{job.pk}/progress/", HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(api, team, settings):
    settings.IMPORT_MAX_BYTES = 100
    response = upload(api, team, GOOD_CSV + "x" * 100, mode="valid_rows")
    assert response.status_code == 400
    assert response.json()["file"] == [
        "The file is 283\xa0bytes; at most 100\xa0bytes can be imported at once."
    ]


def test_an_intake_tool_finds_its_team_ids_and_roles(api, team, other_team, viewer):
    assert api.get("/api/v1/teams/").json() == [
        {"id": team.pk, "slug": "alpha", "name": "Alpha team", "role": "owner"}
    ]


def test_an_export_ignores_what_the_client_accepts_and_its_errors_stay_json(api, team, other_team):
    response = api.get(f"/api/v1/teams/{team.pk}/workloads.csv", HTTP_ACCEPT="text/csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    missing = api.get(f"/api/v1/teams/{other_team.pk}/workloads.csv?format=csv", HTTP_ACCEPT="text/csv")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"


def test_a_field_name_with_a_nul_character_is_reported_not_a_server_error(api, team):
    response = api.post(
        f"/api/v1/teams/{team.pk}/imports/",
        {"mode": "all_or_nothing", "workloads": [{"name": "x", "requests_per_day": 1, "bad\x00key": 1}]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["rows"][0]["field"] == "bad\ufffdkey"


# -- chunks, staging, cancel (in-process; on real workers: test_import_workers.py) ----------------

MANY_CSV = "name,requests_per_day\n" + "".join(f"Workload {i},{100 + i}\n" for i in range(7))


def start(owner, team, content: str = MANY_CSV, mode: str = "all_or_nothing") -> PortfolioImport:
    return imports.portfolio_import_start(
        user=owner, team=team, content=content, file_format="csv", mode=mode
    )


def test_an_import_in_chunks_run_one_after_another_in_process_stores_every_row_once(
    owner, team, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_CHUNK_ROWS = 3
    with django_capture_on_commit_callbacks(execute=True):
        job = start(owner, team)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count) == ("done", 7, 7)
    assert names(team) == {f"Workload {i}" for i in range(7)}
    assert Assessment.objects.filter(workload__team=team).count() == 7
    assert not ImportChunk.objects.exists() and not ImportRow.objects.exists()


def test_a_chunk_delivered_twice_is_staged_once_and_publishing_waits_for_every_chunk(
    owner, team, settings, monkeypatch
):
    settings.IMPORT_CHUNK_ROWS = 3
    monkeypatch.setattr(imports, "send_on_commit", lambda *args, **kwargs: None)  # the broker holds them
    job = start(owner, team)
    assert list(job.chunks.values_list("index", flat=True)) == [0, 1, 2]
    imports.portfolio_import_chunk_run(import_id=job.pk, chunk=0)
    imports.portfolio_import_chunk_run(import_id=job.pk, chunk=0)  # a duplicate message
    job.refresh_from_db()
    assert (job.status, job.rows_done, ImportRow.objects.count()) == ("running", 3, 3)

    imports.portfolio_import_run(import_id=job.pk)  # too early: chunks 1 and 2 wait
    job.refresh_from_db()
    assert job.status == "running" and job.attempts == 0 and not names(team)

    for chunk in (1, 2):
        imports.portfolio_import_chunk_run(import_id=job.pk, chunk=chunk)
    imports.portfolio_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count, job.attempts) == ("done", 7, 7, 1)
    assert Workload.objects.filter(team=team).count() == 7


def test_a_row_the_engine_cannot_assess_fails_the_import_names_the_row_and_clears_staging(
    owner, team, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.IMPORT_CHUNK_ROWS = 3
    real_build = services.assessment_build

    def failing_build(*, workload, **kwargs):
        if workload.name == "Workload 4":
            raise RuntimeError("no price for this")
        return real_build(workload=workload, **kwargs)

    monkeypatch.setattr(imports, "assessment_build", failing_build)
    with django_capture_on_commit_callbacks(execute=True):
        job = start(owner, team)
    job.refresh_from_db()
    assert job.status == "failed" and job.reason == "error"
    assert job.error == "Row 6: RuntimeError: no price for this"  # the header is row 1
    assert not names(team)
    assert not ImportChunk.objects.exists() and not ImportRow.objects.exists()


def test_beat_sends_again_the_chunks_that_went_silent_and_only_those(owner, team, settings, monkeypatch):
    settings.IMPORT_CHUNK_ROWS = 3
    monkeypatch.setattr(imports, "send_on_commit", lambda *args, **kwargs: None)
    job = start(owner, team)
    imports.portfolio_import_chunk_run(import_id=job.pk, chunk=0)
    old = timezone.now() - timedelta(seconds=settings.IMPORT_STALE_AFTER_S + 5)
    ImportChunk.objects.filter(portfolio_import=job, index=1).update(
        status=ImportChunk.Status.RUNNING, attempts=1, updated_at=old
    )  # its worker died
    sent = []
    monkeypatch.setattr(imports, "send", lambda name, **kwargs: sent.append((name, kwargs)) or True)

    assert imports.portfolio_imports_requeue_stale() == 1
    assert sent == [(imports.CHUNK_TASK, {"import_id": job.pk, "chunk": 1})]
    assert imports.portfolio_imports_requeue_stale() == 0  # touched: its message waits

    PortfolioImport.objects.filter(pk=job.pk).update(reason="broker_unreachable")
    sent.clear()
    assert imports.portfolio_imports_requeue_stale() == 2  # every chunk not staged, at once
    assert sorted(kwargs["chunk"] for _, kwargs in sent) == [1, 2]


def test_cancel_through_the_api_stops_the_import_and_stores_nothing(api, team, owner, settings, monkeypatch):
    settings.IMPORT_CHUNK_ROWS = 3
    monkeypatch.setattr(imports, "send_on_commit", lambda *args, **kwargs: None)
    job = start(owner, team)
    imports.portfolio_import_chunk_run(import_id=job.pk, chunk=0)

    response = api.post(f"/api/v1/teams/{team.pk}/imports/{job.pk}/cancel/")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["reason"], body["note"]) == ("cancelled", "cancelled", "Cancelled.")
    for chunk in (1, 2):  # messages still in the queue
        imports.portfolio_import_chunk_run(import_id=job.pk, chunk=chunk)
    imports.portfolio_import_run(import_id=job.pk)
    job.refresh_from_db()
    assert job.status == "cancelled" and not names(team)
    assert not ImportChunk.objects.exists() and not ImportRow.objects.exists()
    # A finished import stays as it was.
    again = api.post(f"/api/v1/teams/{team.pk}/imports/{job.pk}/cancel/").json()
    assert again["status"] == "cancelled" and again["finished_at"] == body["finished_at"]


def test_a_done_import_is_not_cancelled(api, team):
    response = upload(api, team, GOOD_CSV, mode="all_or_nothing")
    body = api.post(f"{response['Location']}cancel/").json()
    assert body["status"] == "done" and names(team) == {"Support bot", "Nightly summariser"}


def test_only_the_team_may_cancel_and_a_viewer_may_not(
    team, other_team, viewer, outsider, owner, monkeypatch
):
    monkeypatch.setattr(imports, "send_on_commit", lambda *args, **kwargs: None)
    job = start(owner, team)
    url = f"/api/v1/teams/{team.pk}/imports/{job.pk}/cancel/"
    for user, code in ((outsider, 404), (viewer, 403)):
        client = APIClient()
        client.force_authenticate(user)
        assert client.post(url).status_code == code
    theirs = APIClient()
    theirs.force_authenticate(outsider)  # their own team's URL with our import's id
    assert theirs.post(f"/api/v1/teams/{other_team.pk}/imports/{job.pk}/cancel/").status_code == 404
    job.refresh_from_db()
    assert job.status == "queued" and job.chunks.count() == 1


def test_the_progress_partial_offers_cancel_and_the_page_says_cancelled(
    owner_client, team, owner, monkeypatch
):
    monkeypatch.setattr(imports, "send_on_commit", lambda *args, **kwargs: None)
    job = start(owner, team)
    partial = owner_client.get(f"/teams/{team.pk}/imports/{job.pk}/progress/").content.decode()
    assert f'action="/teams/{team.pk}/imports/{job.pk}/cancel/"' in partial
    response = owner_client.post(f"/teams/{team.pk}/imports/{job.pk}/cancel/", follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "Cancelled: nothing stored" in page
    assert "nothing was stored" in page and "/cancel/" not in page
    assert owner_client.get(f"/teams/{team.pk}/imports/{job.pk}/cancel/").status_code == 405


def test_a_viewer_sees_progress_without_a_cancel_button(client, viewer, team, owner, monkeypatch):
    monkeypatch.setattr(imports, "send_on_commit", lambda *args, **kwargs: None)
    job = start(owner, team)
    client.force_login(viewer)
    partial = client.get(f"/teams/{team.pk}/imports/{job.pk}/progress/").content.decode()
    assert "0 of 7 valid rows assessed" in partial and "/cancel/" not in partial


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_chunks_run_beside_the_request_one_after_another(owner, team, settings):
    settings.BACKGROUND_IN_PROCESS, settings.IMPORT_CHUNK_ROWS = "thread", 3
    job = start(owner, team)  # committed: its chunks go to the thread beside the request
    for _ in range(4):  # three chunks, then the publish step each one's commit sent
        jobs.wait_beside(timeout=120)
    job.refresh_from_db()
    assert (job.status, job.rows_done, job.created_count, job.attempts) == ("done", 7, 7, 1)
    assert names(team) == {f"Workload {i}" for i in range(7)}


def test_beat_clears_the_staging_a_worker_left_when_it_died_right_after_publishing(owner, team, monkeypatch):
    monkeypatch.setattr(imports, "send_on_commit", lambda *args, **kwargs: None)
    job = start(owner, team)
    imports.portfolio_import_chunk_run(import_id=job.pk, chunk=0)
    monkeypatch.setattr(imports, "_staging_clear", lambda import_id: None)  # the worker died there
    imports.portfolio_import_run(import_id=job.pk)
    assert PortfolioImport.objects.get(pk=job.pk).status == "done" and ImportRow.objects.count() == 7
    monkeypatch.undo()

    assert imports.portfolio_imports_requeue_stale() == 0
    assert not ImportRow.objects.exists() and not ImportChunk.objects.exists()
    assert Workload.objects.filter(team=team).count() == 7
