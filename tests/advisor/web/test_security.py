"""Sign-in locks, rate limits and roles: what an attacker or a busy client runs into."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.throttling import SimpleRateThrottle

from advisor.models import SimulationRun
from advisor.simulations.services import simulation_request

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
HOME, ELSEWHERE = "203.0.113.7", "198.51.100.9"


def sign_in(client, password: str, address: str = HOME):
    return client.post(reverse("login"), {"username": "owner", "password": password}, REMOTE_ADDR=address)


def lock_out(client) -> None:
    for attempt in range(1, 6):
        response = sign_in(client, "not-the-password")
        assert response.status_code == (429 if attempt == 5 else 200), attempt


@pytest.fixture
def rates(monkeypatch):
    """Tiny rates for one test, with fresh counters."""

    def set_rates(**scopes: str) -> None:
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **scopes}
        )

    cache.clear()
    yield set_rates
    cache.clear()


def test_five_wrong_passwords_lock_that_username_from_that_address(client, owner):
    lock_out(client)
    response = sign_in(client, "pw-owner")
    assert response.status_code == 429
    assert "Sign-in locked" in response.content.decode()
    assert int(response["Retry-After"]) == 15 * 60
    assert client.get(reverse("workload-list")).status_code == 302  # not signed in


def test_the_same_username_still_signs_in_from_another_address(client, owner):
    lock_out(client)
    assert sign_in(client, "pw-owner", address=ELSEWHERE).status_code == 302
    assert client.get(reverse("workload-list")).status_code == 200


def test_the_lockout_page_is_ours_and_says_when_to_come_back(client, owner):
    lock_out(client)
    html = sign_in(client, "pw-owner").content.decode()
    assert "15 minutes" in html and "Signing in from elsewhere is not affected" in html
    assert "Traceback" not in html


def test_a_lockout_expires_after_the_cool_off(client, owner):
    lock_out(client)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(client, "pw-owner").status_code == 302


def test_an_administrator_can_lift_a_lockout(client, owner):
    lock_out(client)
    axes_reset(username="owner")
    assert sign_in(client, "pw-owner").status_code == 302


def test_a_sign_in_logs_nothing_but_a_lockout_is_a_warning(client, owner, caplog):
    assert sign_in(client, "pw-owner").status_code == 302
    client.post(reverse("logout"))
    assert not [r for r in caplog.records if r.name.startswith("axes")]
    lock_out(client)
    assert any(
        r.name.startswith("axes") and r.levelno == logging.WARNING and "Locking out" in r.getMessage()
        for r in caplog.records
    )


def test_a_forwarded_for_header_is_ignored_without_a_trusted_proxy(client, owner):
    # Otherwise an attacker would claim a fresh address with every guess.
    for n in range(5):
        client.post(
            reverse("login"),
            {"username": "owner", "password": "wrong"},
            REMOTE_ADDR=HOME,
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert sign_in(client, "pw-owner").status_code == 429


def test_evaluate_beyond_its_rate_is_a_429_with_retry_after_and_the_error_format(api, owner, profile, rates):
    rates(evaluate="2/min")
    client = api(owner)
    for _ in range(2):
        assert client.post("/api/v1/evaluate/", profile, format="json").status_code == 200
    response = client.post("/api/v1/evaluate/", profile, format="json")
    assert response.status_code == 429
    # The window slides: a full minute still weighs on the next one, so 2/min may mean 90 s.
    assert 0 < int(response["Retry-After"]) <= 90
    errors = response.json()
    assert list(errors) == ["non_field_errors"] and "throttled" in errors["non_field_errors"][0]


def test_evaluate_has_its_own_rate_not_the_general_one(api, owner, profile, rates):
    rates(user="1/min", evaluate="5/min")
    client = api(owner)
    assert [client.post("/api/v1/evaluate/", profile, format="json").status_code for _ in range(3)] == [
        200,
        200,
        200,
    ]


def test_the_rate_is_counted_per_user(api, owner, outsider, profile, rates):
    rates(evaluate="1/min")
    assert api(owner).post("/api/v1/evaluate/", profile, format="json").status_code == 200
    assert api(owner).post("/api/v1/evaluate/", profile, format="json").status_code == 429
    assert api(outsider).post("/api/v1/evaluate/", profile, format="json").status_code == 200


def test_starting_simulations_through_the_api_is_limited_but_reading_them_is_not(api, owner, workload, rates):
    rates(simulate="1/min")
    client = api(owner)
    url = f"/api/v1/workloads/{workload.pk}/simulations/"
    assert client.post(url, {"paths": 100}, format="json").status_code == 202
    response = client.post(url, {"paths": 100}, format="json")
    assert response.status_code == 429 and "Retry-After" in response
    assert client.get(url).status_code == 200


def test_the_simulation_page_shares_the_limit_and_answers_with_a_429_page(
    api, owner, owner_client, workload, rates
):
    rates(simulate="1/min")
    assert (
        api(owner)
        .post(f"/api/v1/workloads/{workload.pk}/simulations/", {"paths": 100}, format="json")
        .status_code
        == 202
    )
    response = owner_client.post(reverse("simulation-create", args=[workload.pk]), {"paths": 100})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "Too many requests" in response.content.decode()
    assert SimulationRun.objects.count() == 1


def test_the_import_scope_has_a_rate_for_the_coming_endpoint(settings):
    assert settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]["import"]


def test_a_viewer_gets_403_on_every_write(api, viewer, viewer_client, owner, workload, profile):
    run = simulation_request(user=owner, workload=workload, paths=100)
    assessment = workload.assessments.first()
    w = f"/api/v1/workloads/{workload.pk}/"
    client = api(viewer)
    for method, url, body in [
        ("post", "/api/v1/workloads/", profile),
        ("put", w, profile),
        ("patch", w, {"wait_fraction": 0.1}),
        ("delete", w, None),
        ("post", f"{w}assessments/", None),
        ("post", f"{w}simulations/", {"paths": 100}),
        ("post", f"{w}simulations/{run.pk}/cancel/", None),
    ]:
        assert getattr(client, method)(url, body, format="json").status_code == 403, (method, url)
    for name, args in [
        ("workload-edit", [workload.pk]),
        ("workload-delete", [workload.pk]),
        ("assessment-create", [workload.pk]),
        ("simulation-create", [workload.pk]),
        ("simulation-cancel", [workload.pk, run.pk]),
        ("workload-create", []),
    ]:
        assert viewer_client.post(reverse(name, args=args), {"paths": 100}).status_code == 403, name
    assert viewer_client.get(reverse("team-audit", args=[workload.team_id])).status_code == 403
    assert assessment == workload.assessments.first()  # nothing was re-assessed


def test_a_malformed_rate_stops_the_start_rather_than_the_first_request():
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "DEBUG": "1", "THROTTLE_EVALUATE": "lots"},
    )
    assert result.returncode != 0 and "THROTTLE_EVALUATE" in result.stderr
