"""Shared fixtures: two teams, an owner, a viewer and an outsider, and a workload each.

Settings are read from the environment before this file is loaded, so run the
suite with DEBUG=1 (or a real SECRET_KEY and ALLOWED_HOSTS) and, for the
database tests, DATABASE_URL pointing at PostgreSQL.
"""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from advisor import services
from advisor.models import Membership, Team

SUPPORT_BOT = {
    "name": "Support ticket bot",
    "requests_per_day": 2000,
    "pattern": "business_hours",
    "trigger": "event",
    "request_duration_s": 4,
    "max_duration_s": 8,
    "wait_fraction": 0.85,
    "orchestration_steps": 3,
    "inference": "hosted_api",
    "hosted_model": "claude-haiku-4.5",
}


def _user(username: str, team: Team, role: str):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username)
    Membership.objects.create(user=user, team=team, role=role)
    return user


@pytest.fixture
def team(db) -> Team:
    return Team.objects.create(name="Alpha team", slug="alpha")


@pytest.fixture
def other_team(db) -> Team:
    return Team.objects.create(name="Other team", slug="other")


@pytest.fixture
def owner(team):
    return _user("owner", team, Membership.Role.OWNER)


@pytest.fixture
def viewer(team):
    return _user("viewer", team, Membership.Role.VIEWER)


@pytest.fixture
def outsider(other_team):
    return _user("outsider", other_team, Membership.Role.OWNER)


@pytest.fixture
def profile() -> dict:
    return dict(SUPPORT_BOT)


@pytest.fixture
def workload(owner, team, profile):
    return services.workload_create(user=owner, team=team, profile_data=profile)


@pytest.fixture
def other_workload(outsider, other_team, profile):
    return services.workload_create(user=outsider, team=other_team,
                                    profile_data={**profile, "name": "Their secret workload"})


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def viewer_client(client, viewer):
    client.force_login(viewer)
    return client


@pytest.fixture
def api():
    """An API client authenticated as the given user."""
    def make(user) -> APIClient:
        c = APIClient()
        c.force_authenticate(user)
        return c
    return make
