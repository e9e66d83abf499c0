"""API tokens: created in the UI, stored as a digest, shown once, revocable; 401 without one."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from django.urls import reverse

from advisor.accounts import services as account_services
from advisor.models import ApiToken

pytestmark = pytest.mark.django_db

WORKLOADS = "/api/v1/workloads/"
PAGE = reverse("api-tokens")


def _bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _create_in_ui(client, name: str = "intake-bot") -> str:
    response = client.post(PAGE, {"name": name})
    assert response.status_code == 200
    return re.search(r'value="(pa_[^"]+)"', response.content.decode()).group(1)


def test_a_token_created_in_the_ui_authenticates_api_calls(owner_client, client, workload):
    token = _create_in_ui(owner_client)
    client.logout()
    response = client.get(WORKLOADS, **_bearer(token))
    assert response.status_code == 200 and response.json()["count"] == 1


def test_the_database_holds_only_the_digest_never_the_token(owner_client):
    token = _create_in_ui(owner_client)
    row = ApiToken.objects.values().get()
    assert all(token not in str(value) for value in row.values())
    assert row["prefix"] == token[3:11] and len(row["digest"]) == 64


def test_the_token_is_shown_once_and_never_on_a_later_visit(owner_client):
    token = _create_in_ui(owner_client)
    page = owner_client.get(PAGE).content.decode()
    assert token not in page
    assert f"pa_{token[3:11]}" in page and "intake-bot" in page


def test_the_page_warns_that_the_token_cannot_be_shown_again_and_is_not_cached(owner_client):
    response = owner_client.post(PAGE, {"name": "intake-bot"})
    assert "cannot be shown again" in response.content.decode()
    assert "no-store" in response["Cache-Control"]


def test_a_token_without_a_name_is_not_created(owner_client):
    response = owner_client.post(PAGE, {"name": "  "})
    assert response.status_code == 400 and not ApiToken.objects.exists()


def test_a_revoked_token_gets_401_with_a_clear_message(owner_client, client, owner):
    api_token, token = account_services.api_token_create(user=owner, name="intake-bot")
    owner_client.post(reverse("api-token-revoke", args=[api_token.pk]))
    client.logout()
    response = client.get(WORKLOADS, **_bearer(token))
    assert response.status_code == 401 and "revoked" in response.json()["detail"]
    assert ApiToken.objects.get().revoked_at is not None


def test_revoking_asks_for_confirmation_first(owner_client, owner):
    api_token, _ = account_services.api_token_create(user=owner, name="intake-bot")
    page = owner_client.get(reverse("api-token-revoke", args=[api_token.pk])).content.decode()
    assert "cannot be undone" in page
    assert ApiToken.objects.get().revoked_at is None


def test_another_user_can_neither_revoke_my_token_nor_see_it(client, owner, outsider):
    api_token, token = account_services.api_token_create(user=owner, name="owners-private-bot")
    client.force_login(outsider)
    assert client.post(reverse("api-token-revoke", args=[api_token.pk])).status_code == 404
    assert client.get(reverse("api-token-revoke", args=[api_token.pk])).status_code == 404
    page = client.get(PAGE).content.decode()
    assert "owners-private-bot" not in page and api_token.prefix not in page
    assert ApiToken.objects.get().revoked_at is None


def test_anonymous_api_calls_get_401_with_a_bearer_challenge(client):
    response = client.get(WORKLOADS)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer not-a-token",
        "Token pa_short",
        "Bearer pa_" + "x" * 5000,
        "Bearer pa_\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9",
        "Basic dXNlcjpwYXNz",
        "garbage",
    ],
)
def test_a_malformed_authorization_header_gets_401_not_500(client, header):
    response = client.get(WORKLOADS, HTTP_AUTHORIZATION=header)
    assert response.status_code == 401


def test_the_token_endpoint_returns_a_working_token(client, owner, workload):
    response = client.post(
        "/api/v1/auth/token/", {"username": "owner", "password": "pw-owner"}, content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token"].startswith("pa_") and body["prefix"] == body["token"][3:11]
    assert client.get(WORKLOADS, **_bearer(body["token"])).json()["count"] == 1


def test_the_token_endpoint_refuses_a_wrong_password_and_creates_nothing(client, owner):
    response = client.post(
        "/api/v1/auth/token/", {"username": "owner", "password": "wrong"}, content_type="application/json"
    )
    assert response.status_code == 400 and "non_field_errors" in response.json()
    assert not ApiToken.objects.exists()


def test_the_token_list_page_needs_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_last_used_is_recorded_at_most_once_a_minute(client, owner):
    api_token, token = account_services.api_token_create(user=owner, name="intake-bot")
    client.get(WORKLOADS, **_bearer(token))
    first = ApiToken.objects.get().last_used_at
    client.get(WORKLOADS, **_bearer(token))
    assert first is not None and ApiToken.objects.get().last_used_at == first
    ApiToken.objects.update(last_used_at=first - timedelta(minutes=2))
    client.get(WORKLOADS, **_bearer(token))
    assert ApiToken.objects.get().last_used_at > first - timedelta(seconds=1)


def test_the_schema_documents_the_bearer_scheme_and_the_token_endpoint(client, owner):
    client.force_login(owner)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    schema = json.loads(response.content)
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        **schema["components"]["securitySchemes"]["bearerAuth"],
        "type": "http",
        "scheme": "bearer",
    }
    assert {"bearerAuth": []} in schema["paths"][WORKLOADS]["get"]["security"]
    token_op = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "TokenIssued" in json.dumps(token_op["responses"]["200"])
