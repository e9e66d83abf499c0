"""A locked sign-in stays locked through the API: ``POST /api/v1/auth/token/`` answers as the page does."""

from __future__ import annotations

import pytest
from django.urls import reverse

from advisor.models import ApiToken

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/auth/token/"
HOME, ELSEWHERE = "203.0.113.7", "198.51.100.9"


def ask_for_token(client, password: str, address: str = HOME):
    return client.post(
        TOKEN_URL,
        {"username": "owner", "password": password},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def test_a_locked_account_asking_for_a_token_gets_a_429_with_retry_after_and_says_why(client, owner):
    wrong = [ask_for_token(client, "not-the-password").status_code for _ in range(5)]
    response = ask_for_token(client, "pw-owner")
    assert wrong == [400, 400, 400, 400, 429]
    assert response.status_code == 429 and response["Content-Type"] == "application/json"
    assert int(response["Retry-After"]) == 15 * 60
    errors = response.json()
    assert list(errors) == ["non_field_errors"] and "locked" in errors["non_field_errors"][0]
    assert not ApiToken.objects.exists()


def test_a_lock_from_the_sign_in_page_also_refuses_a_token(client, owner):
    for _ in range(5):
        client.post(reverse("login"), {"username": "owner", "password": "wrong"}, REMOTE_ADDR=HOME)
    response = ask_for_token(client, "pw-owner")
    assert response.status_code == 429 and "Retry-After" in response
    assert not ApiToken.objects.exists()


def test_the_lock_holds_only_that_address_and_a_wrong_password_alone_stays_a_400(client, owner):
    assert ask_for_token(client, "not-the-password").status_code == 400
    for _ in range(4):
        ask_for_token(client, "not-the-password")
    assert ask_for_token(client, "pw-owner", address=ELSEWHERE).status_code == 200
