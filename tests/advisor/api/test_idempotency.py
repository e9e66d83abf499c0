"""Idempotency-Key: an intake tool that retries a POST never creates a duplicate."""

from __future__ import annotations

import pytest

from advisor.models import IdempotencyKey, Workload

pytestmark = pytest.mark.django_db

URL = "/api/v1/workloads/"


def create(client, key: str, name: str = "Retried intake"):
    return client.post(URL, {"name": name, "requests_per_day": 500}, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retried_create_returns_the_first_answer_and_creates_one_workload(api, owner, team):
    client = api(owner)
    first = create(client, "4f6d0c1e-retry")
    again = create(client, "4f6d0c1e-retry")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Workload.objects.filter(name="Retried intake").count() == 1


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(api, owner, team):
    client = api(owner)
    create(client, "k-1")
    response = create(client, "k-1", name="Something else")
    assert response.status_code == 422 and "different request" in response.json()["detail"]
    assert not Workload.objects.filter(name="Something else").exists()


def test_a_retry_while_the_first_is_still_running_is_a_409(api, owner, team):
    client = api(owner)
    create(client, "k-2")
    IdempotencyKey.objects.filter(key="k-2").update(status_code=None)  # as while the first still runs
    assert create(client, "k-2").status_code == 409
    assert Workload.objects.filter(name="Retried intake").count() == 1


def test_keys_belong_to_their_user(api, owner, outsider, team, other_team):
    create(api(owner), "shared-key")
    theirs = create(api(outsider), "shared-key")
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs
    assert Workload.objects.filter(name="Retried intake").count() == 2


def test_a_rejected_request_is_replayed_as_rejected(api, owner, team):
    client = api(owner)
    body = {"name": "Bad", "requests_per_day": -5}
    first = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    again = client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY="bad-1")
    assert first.status_code == again.status_code == 400 and again.json() == first.json()


def test_an_unusable_key_is_a_400_naming_the_header(api, owner, team):
    response = create(api(owner), "x" * 300)
    assert response.status_code == 400 and "Idempotency-Key" in response.json()


def test_without_a_key_every_post_creates(api, owner, team):
    client = api(owner)
    for n in range(2):
        client.post(URL, {"name": f"No key {n}", "requests_per_day": 5}, format="json")
    assert Workload.objects.filter(name__startswith="No key").count() == 2


def test_the_schema_documents_the_header_on_creating_posts(api, owner):
    schema = api(owner).get("/api/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "Idempotency-Key" in schema
