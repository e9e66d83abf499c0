"""Team data is never kept by a cache, and a refused request logs one line, not a traceback."""

from __future__ import annotations

import io
import logging

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def team_data_urls(workload) -> list[str]:
    team_id = workload.team_id
    return [
        reverse("workload-list"),
        reverse("workload-detail", args=[workload.pk]),
        reverse("team-portfolio", args=[team_id]),
        reverse("team-portfolio-csv", args=[team_id]),
        reverse("team-portfolio-json", args=[team_id]),
        f"/teams/{team_id}/workloads.csv",
        f"/teams/{team_id}/workloads.json",
    ]


def test_every_page_and_export_of_team_data_tells_caches_not_to_store_it(owner_client, workload):
    for url in team_data_urls(workload):
        response = owner_client.get(url)
        assert response.status_code == 200, url
        directives = {d.strip() for d in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, (url, response["Cache-Control"])


def test_the_api_tells_caches_not_to_store_its_answers(api, owner, workload):
    client = api(owner)
    for url in ("/api/v1/workloads/", f"/api/v1/workloads/{workload.pk}/"):
        response = client.get(url)
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_static_files_keep_their_own_cache_headers(client):
    response = client.get("/static/advisor/advisor.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


@pytest.fixture
def console():
    """What the app's console handler writes, as an operator reading the log sees it."""
    handler = next(h for h in logging.getLogger().handlers if h.name == "console")
    buffer = io.StringIO()
    saved = handler.setStream(buffer)
    yield buffer
    handler.setStream(saved)


def test_a_refused_write_logs_one_line_with_the_reason_and_no_traceback(viewer_client, workload, console):
    response = viewer_client.post(reverse("workload-delete", args=[workload.pk]))
    assert response.status_code == 403
    logged = console.getvalue()
    assert "Forbidden (Permission denied)" in logged
    assert "Traceback" not in logged
    assert len([line for line in logged.splitlines() if "Forbidden" in line]) == 1


def test_a_server_error_still_logs_its_traceback(console):
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error: %s",
        ("/x",),
        exc_info=(ValueError, ValueError("boom"), None),
    )
    record.status_code = 500
    logging.getLogger("django.request").handle(record)
    assert "Traceback" in console.getvalue() or "ValueError: boom" in console.getvalue()
