"""Shared fixtures: two teams, an owner, a viewer and an outsider, and a workload each.

Settings are read from the environment before this file is loaded, so run the
suite with DEBUG=1 (or a real SECRET_KEY and ALLOWED_HOSTS) and, for the
database tests, DATABASE_URL pointing at PostgreSQL.

Each run creates its own test database, ``test_<name>_<pid>``, and drops it at the
end, so two suites on one machine (two clones, two CI jobs) never share or drop
each other's. With ``--reuse-db`` the name stays ``test_<name>``, which is what
reusing asks for.

Nor may a run stop the machine's PostgreSQL or Redis: the run fails if either was
restarted while it ran (``shared_servers_left_alone``).
"""

from __future__ import annotations

import os

import psycopg
import pytest
import redis
from django.contrib.auth import get_user_model
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from advisor.models import Membership, Team
from advisor.workloads import services

# Every property test draws the same examples on every run: a suite that can fail at
# random blocks every submission. (The fuzz tests pin their own seed on top.)
hypothesis_settings.register_profile("deterministic", derandomize=True, database=None)
hypothesis_settings.load_profile("deterministic")

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


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request, django_db_modify_db_settings_parallel_suffix) -> None:
    """Name this run's test database after its process, after xdist's suffix if any."""
    if request.config.getvalue("reuse_db"):
        return
    from django.conf import settings

    for db in settings.DATABASES.values():
        test = db.setdefault("TEST", {})
        name = test.get("NAME")
        if not name:
            if db["ENGINE"] == "django.db.backends.sqlite3":
                continue  # an in-memory database: nothing to share
            name = f"test_{db['NAME']}"
        if name != ":memory:":
            test["NAME"] = f"{name}_{os.getpid()}"


SHARED_REDIS = {"host": "127.0.0.1", "port": 6379}  # the machine's, as scripts/ensure-services.sh runs it


def _postgres_started(db: dict) -> str | None:
    """When the server behind Django's default database started; None if it does not answer."""
    if db["ENGINE"] != "django.db.backends.postgresql":
        return None
    try:
        # The maintenance database, as Django's test setup uses: the test database comes and goes.
        with psycopg.connect(
            host=db.get("HOST") or None,
            port=str(db.get("PORT") or "") or None,
            user=db.get("USER") or None,
            password=db.get("PASSWORD") or None,
            dbname="postgres",
            connect_timeout=5,
        ) as conn:
            return str(conn.execute("SELECT pg_postmaster_start_time()").fetchone()[0])
    except psycopg.OperationalError:
        return None


def _redis_run_id() -> str | None:
    """Redis draws a new run_id at each start; None if it does not answer."""
    try:
        return redis.Redis(**SHARED_REDIS, socket_timeout=5).info("server")["run_id"]
    except redis.ConnectionError:
        return None


@pytest.fixture(scope="session", autouse=True)
def shared_servers_left_alone():
    """The machine's PostgreSQL and Redis serve other suites and sessions too: no test may stop or
    restart them (a fault test breaks a server of its own, tests/advisor/private_services.py).
    The run fails if either was restarted, or stopped, while it ran."""
    from django.conf import settings

    db = dict(settings.DATABASES["default"])  # before any test points it elsewhere
    before = {"PostgreSQL": _postgres_started(db), "Redis": _redis_run_id()}
    yield
    after = {"PostgreSQL": _postgres_started(db), "Redis": _redis_run_id()}
    restarted = [
        f"{name} (started {before[name]}, now {after[name] or 'not answering'})"
        for name in before
        if before[name] is not None and after[name] != before[name]
    ]
    if restarted:
        pytest.fail("the suite restarted the machine's " + ", ".join(restarted), pytrace=False)


@pytest.fixture(scope="session", autouse=True)
def background_work_runs_in_the_request():
    """Without a broker, background work runs inside the request that sends it ("eager"), so a
    test sees its outcome as soon as the call returns; the app's default runs it beside the
    request, in a thread (tests/advisor/test_jobs.py tests that mode on purpose)."""
    from django.conf import settings

    saved, settings.BACKGROUND_IN_PROCESS = settings.BACKGROUND_IN_PROCESS, "eager"
    yield
    settings.BACKGROUND_IN_PROCESS = saved


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
    return services.workload_create(
        user=outsider, team=other_team, profile_data={**profile, "name": "Their secret workload"}
    )


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
