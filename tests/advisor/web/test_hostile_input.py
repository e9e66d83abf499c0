"""Hostile request bodies: each is a fast, small JSON 400 naming what is wrong, and stores nothing.

The bodies are the production probe's (issue 14): 600,000 unknown keys in 11 MB, a lone
surrogate written as a JSON escape, 100,000 nested brackets, a body over its route's
limit; and the misspelt or mistyped options of the small request serializers.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import time
import tracemalloc
import uuid

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from advisor.models import IdempotencyKey, PortfolioImport, SimulationRun, Workload
from advisor.workloads import services

pytestmark = pytest.mark.django_db

SMALL_ANSWER = 8 * 1024
SURROGATE = '{"name": "a\\ud800b", "requests_per_day": 5}'  # the escape text, as a client sends it
PROFILE_WRITES = [
    ("POST", "/api/v1/evaluate/"),
    ("POST", "/api/v1/workloads/"),
    ("PUT", "{detail}"),
    ("PATCH", "{detail}"),
]


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()  # the import scope allows 10 a minute, and these tests import more
    yield
    cache.clear()


@functools.cache
def many_keys(count: int) -> bytes:
    """A profile padded with ``count`` unknown keys, as the probe sent."""
    return json.dumps(
        {"name": "x", "requests_per_day": 5, **{f"unknown_field_{i:07d}": 1 for i in range(count)}}
    ).encode()


def url_of(template: str, workload) -> str:
    return template.format(detail=f"/api/v1/workloads/{workload.pk}/")


def counts() -> tuple[int, ...]:
    return Workload.objects.count(), PortfolioImport.objects.count(), SimulationRun.objects.count()


def send(client, method: str, url: str, body: bytes | str, **headers):
    return client.generic(method, url, body, content_type="application/json", **headers)


# -- item 1: 600,000 unknown keys --------------------------------------------------------------


@pytest.mark.parametrize("method,url", PROFILE_WRITES)
def test_a_body_of_600000_unknown_keys_is_a_small_400_naming_the_limit_that_leaves_no_memory_behind(
    api, owner, workload, method, url, monkeypatch
):
    # pytest keeps every log record, and Django's "Bad Request" record holds the request.
    monkeypatch.setattr(logging.getLogger("django.request"), "disabled", True)
    body = many_keys(600_000)
    assert len(body) > 11_000_000  # the probe's body, under Django's 20 MB limit
    client = api(owner)
    before = counts()
    send(client, method, url_of(url, workload), b"{}")  # the first request imports the views and plotly
    gc.collect()
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        started = time.monotonic()
        response = send(client, method, url_of(url, workload), body)
        elapsed = time.monotonic() - started
        status, content_type, content = response.status_code, response["Content-Type"], response.content
        del response  # the test client keeps the request with it; a server would not
        gc.collect()
        left_behind = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()

    assert status == 400
    assert content_type == "application/json"
    assert len(content) < SMALL_ANSWER, f"{len(content):,} bytes"
    [message] = json.loads(content)["non_field_errors"]
    assert "API_MAX_BODY_BYTES" in message and "65,536" in message
    assert left_behind < 1_000_000, f"{left_behind:,} bytes left behind"
    assert elapsed < 2, f"{elapsed:.1f} s"  # 20 ms here; the probe's took 10-19 s
    assert counts() == before


@pytest.mark.parametrize("method,url", PROFILE_WRITES)
def test_thousands_of_unknown_keys_under_the_limit_are_named_ten_at_a_time_with_the_total(
    api, owner, workload, method, url
):
    body = many_keys(2_000)
    assert len(body) < 64 * 1024
    response = send(api(owner), method, url_of(url, workload), body)

    assert response.status_code == 400
    assert len(response.content) < SMALL_ANSWER
    errors = response.json()
    assert sum(name.startswith("unknown_field_") for name in errors) == 10
    assert "2,000 unknown fields in all" in " ".join(errors["non_field_errors"])
    workload.refresh_from_db()
    assert workload.version == 1


def test_an_idempotent_request_with_thousands_of_unknown_keys_stores_only_a_small_answer(api, owner, team):
    key = str(uuid.uuid4())
    response = send(api(owner), "POST", "/api/v1/workloads/", many_keys(2_000), HTTP_IDEMPOTENCY_KEY=key)

    assert response.status_code == 400
    stored = IdempotencyKey.objects.get(key=key)
    assert len(json.dumps(stored.response_body)) < SMALL_ANSWER


def test_an_absurdly_long_unknown_field_name_is_echoed_cut_short(api, owner):
    response = send(
        api(owner),
        "POST",
        "/api/v1/evaluate/",
        json.dumps({"name": "x", "requests_per_day": 5, "k" * 50_000: 1}),
    )

    assert response.status_code == 400
    [name] = [name for name in response.json() if name.startswith("k")]
    assert len(name) <= 101


# -- item 7c: a body over its route's limit ------------------------------------------------------

ROUTES = [
    "/api/v1/evaluate/",
    "/api/v1/workloads/",
    "/api/v1/workloads/{workload}/simulations/",
    "/api/v1/workloads/{workload}/assessments/",
    "/api/v1/auth/token/",
]


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=4096, API_MAX_BODY_BYTES=4096)
@pytest.mark.parametrize("url", ROUTES)
def test_a_body_over_the_limit_is_json_naming_the_setting_and_bytes_on_every_api_route(
    api, owner, workload, url
):
    body = json.dumps({"name": "x" * 5000, "requests_per_day": 5})
    before = counts()
    response = send(api(owner), "POST", url.format(workload=workload.pk), body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    [message] = response.json()["non_field_errors"]
    assert "API_MAX_BODY_BYTES" in message and "4,096 bytes" in message
    assert counts() == before


def test_an_import_body_over_twenty_megabytes_is_json_naming_the_import_limit(api, owner, team):
    body = b'{"mode": "valid_rows", "workloads": [' + b'{"name": "x"},' * 1_600_000 + b"{}]}"
    limit = 20 * 1024 * 1024 + 64 * 1024  # the file, and room for the form around it
    assert len(body) > limit
    response = send(api(owner), "POST", f"/api/v1/teams/{team.pk}/imports/", body)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    [message] = response.json()["non_field_errors"]
    assert "IMPORT_MAX_BYTES + API_MAX_BODY_BYTES" in message and f"{limit:,} bytes" in message
    assert not PortfolioImport.objects.exists()


def test_an_import_body_under_its_limit_but_over_the_profile_limit_is_taken(api, owner, team):
    rows = [{"name": f"workload {i:04d}", "requests_per_day": 5} for i in range(2_000)]
    body = json.dumps({"mode": "all_or_nothing", "workloads": rows})
    assert len(body) > 64 * 1024
    response = send(api(owner), "POST", f"/api/v1/teams/{team.pk}/imports/", body)

    assert response.status_code == 202, response.content[:500]


def test_a_multipart_upload_over_djangos_field_count_is_json_naming_the_setting(api, owner, team):
    fields = {f"field{i}": "x" for i in range(1_001)}
    response = api(owner).post(
        f"/api/v1/teams/{team.pk}/imports/",
        {
            **fields,
            "mode": "valid_rows",
            "file": SimpleUploadedFile("p.csv", b"name,requests_per_day\nA,1\n"),
        },
        format="multipart",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in response.json()["non_field_errors"][0]
    assert not PortfolioImport.objects.exists()


# -- item 4: lone surrogates and deep nesting ----------------------------------------------------


@pytest.mark.parametrize("method,url", PROFILE_WRITES)
def test_a_lone_surrogate_is_a_400_naming_the_field_and_stores_nothing(api, owner, workload, method, url):
    before = counts()
    response = send(api(owner), method, url_of(url, workload), SURROGATE)

    assert response.status_code == 400, response.content
    assert "lone surrogate (\\ud800)" in response.json()["name"][0]
    assert counts() == before
    workload.refresh_from_db()
    assert workload.version == 1


def test_a_lone_surrogate_in_a_field_name_is_a_400_about_the_body(api, owner):
    response = send(
        api(owner), "POST", "/api/v1/evaluate/", '{"name": "x", "requests_per_day": 5, "a\\udc00": 1}'
    )

    assert response.status_code == 400
    assert "lone surrogate (\\udc00)" in response.json()["non_field_errors"][0]


def test_a_surrogate_pair_is_a_character_and_is_stored(api, owner, team):
    response = send(
        api(owner), "POST", "/api/v1/workloads/", '{"name": "bot \\ud83e\\udd16", "requests_per_day": 5}'
    )

    assert response.status_code == 201, response.content
    assert Workload.objects.get().name == "bot \N{ROBOT FACE}"


def test_a_lone_surrogate_in_an_imported_json_body_names_the_row_and_field(api, owner, team):
    body = (
        '{"mode": "valid_rows", "workloads": [{"name": "ok", "requests_per_day": 5}, '
        '{"name": "a\\ud800b", "requests_per_day": 5}]}'
    )
    response = send(api(owner), "POST", f"/api/v1/teams/{team.pk}/imports/", body)

    assert response.status_code == 400, response.content
    assert "lone surrogate" in response.json()["workloads[1].name"][0]
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("file_format", ["json", "csv"])
def test_a_lone_surrogate_in_an_uploaded_json_file_names_the_row_and_field(api, owner, team, file_format):
    content = b'[{"name": "ok", "requests_per_day": 5}, {"name": "a\\ud800b", "requests_per_day": 5}]'
    response = api(owner).post(
        f"/api/v1/teams/{team.pk}/imports/",
        {
            "mode": "valid_rows",
            "file_format": "json",
            "file": SimpleUploadedFile(f"p.{file_format}", content),
        },
        format="multipart",
    )

    assert response.status_code == 400, response.content
    [message] = response.json()["file"]
    assert message.startswith("rows[2].name: ") and "lone surrogate" in message
    assert counts() == (0, 0, 0)


def test_a_lone_surrogate_in_a_file_on_the_import_page_is_a_form_error(owner_client, team):
    content = b'{"workloads": [{"name": "a\\ud800b", "requests_per_day": 5}]}'
    response = owner_client.post(
        f"/teams/{team.pk}/import/", {"mode": "all_or_nothing", "file": SimpleUploadedFile("p.json", content)}
    )

    assert response.status_code == 400
    assert "rows[1].name" in response.content.decode()
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("depth", [100_000, 20_000, 900])
@pytest.mark.parametrize("method,url", PROFILE_WRITES)
def test_deeply_nested_brackets_are_a_400_about_the_body(api, owner, workload, method, url, depth):
    body = '{"name": "x", "requests_per_day": 5, "memory_mb": ' + "[" * depth + "]" * depth + "}"
    before = counts()
    response = send(api(owner), method, url_of(url, workload), body, HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))

    assert response.status_code == 400
    [message] = response.json()["non_field_errors"]
    assert ("nested more than" in message) if len(body) <= 64 * 1024 else ("API_MAX_BODY_BYTES" in message)
    assert counts() == before


@pytest.mark.parametrize("depth", [100_000, 900])
def test_deeply_nested_brackets_in_an_import_are_a_400_and_store_nothing(api, owner, team, depth):
    nested = "[" * depth + "]" * depth
    body = '{"mode": "valid_rows", "workloads": ' + nested + "}"
    response = send(api(owner), "POST", f"/api/v1/teams/{team.pk}/imports/", body)
    assert response.status_code == 400
    assert "nested more than" in response.json()["non_field_errors"][0]

    response = api(owner).post(
        f"/api/v1/teams/{team.pk}/imports/",
        {"mode": "valid_rows", "file": SimpleUploadedFile("p.json", nested.encode())},
        format="multipart",
    )
    assert response.status_code == 400
    assert "nested more than" in response.json()["file"][0]
    assert counts() == (0, 0, 0)


# -- item 7d: strict small serializers ------------------------------------------------------------


@pytest.mark.parametrize(
    "body,field",
    [
        ({"paths": "100"}, "paths"),
        ({"paths": True}, "paths"),
        ({"days": "3"}, "days"),
        ({"seed": "7"}, "seed"),
        ({"path": 100}, "path"),
        ({"paths": 100, "dyas": 3}, "dyas"),
    ],
)
def test_a_simulation_request_takes_json_numbers_and_names_unknown_fields(api, owner, workload, body, field):
    response = api(owner).post(f"/api/v1/workloads/{workload.pk}/simulations/", body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not SimulationRun.objects.exists()


def test_a_token_request_names_an_unknown_field(client, owner):
    response = client.post(
        "/api/v1/auth/token/",
        {"username": "owner", "password": "pw-owner", "nmae": "ci"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"nmae": ["Unknown field."]}
    assert not owner.api_tokens.exists()


@pytest.mark.parametrize("multipart", [False, True])
def test_an_import_names_a_misspelt_option(api, owner, team, multipart):
    if multipart:
        data = {
            "mode": "valid_rows",
            "fileformat": "csv",
            "file": SimpleUploadedFile("p.csv", b"name,requests_per_day\nA,1\n"),
        }
    else:
        data = {
            "mode": "valid_rows",
            "workload": [{"name": "A", "requests_per_day": 1}],
            "workloads": [{"name": "B", "requests_per_day": 1}],
        }
    response = api(owner).post(
        f"/api/v1/teams/{team.pk}/imports/", data, format="multipart" if multipart else "json"
    )

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"fileformat" if multipart else "workload"}
    assert counts() == (0, 0, 0)


def test_the_api_still_reads_numbers_too_large_for_a_double_as_a_field_error(api, owner):
    response = send(
        api(owner), "POST", "/api/v1/evaluate/", '{"name": "x", "requests_per_day": 5, "memory_mb": 1e400}'
    )

    assert response.status_code == 400
    assert set(response.json()) == {"memory_mb"}


def test_a_profile_with_every_field_fits_the_body_limit_many_times_over(api, owner, profile):
    full = services.profile_evaluate(profile_data=profile, wait_sweep=False)["profile"]
    assert len(json.dumps(full)) * 10 < 64 * 1024
