"""Redis, Django's cache in production, stopped for real: every call answers, and throttles hold again after.

The cache is the one production builds from ``CACHE_URL`` (``advisor.config.settings.cache_config``),
on a Redis of the test's own (the ``redis`` fixture): the machine's Redis serves other sessions
and is never stopped. While Redis is down, throttle counters, import progress and drawn
charts are out of reach: the throttles let requests through (availability over rate limiting),
the dashboard draws its charts again, and each failed cache call is one warning in the log.
"""

from __future__ import annotations

import logging
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from advisor.accounts import services as account_services
from advisor.config.settings import cache_config
from advisor.models import PortfolioImport, Workload
from advisor.portfolio import imports

pytestmark = pytest.mark.django_db
BODY = {"name": "bot", "requests_per_day": 2000}
IMPORT_CSV = "name,requests_per_day\nImported while Redis was down,1500\n"


@pytest.fixture
def redis_cache(settings, redis, monkeypatch):
    """Django's cache on a real Redis as production has it, with fresh counters and tiny rates."""
    settings.CACHES = {
        "default": {**cache_config(f"{redis.url}/0"), "KEY_PREFIX": f"test-{uuid.uuid4().hex[:8]}"}
    }
    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    monkeypatch.setattr(
        SimpleRateThrottle,
        "THROTTLE_RATES",
        {**SimpleRateThrottle.THROTTLE_RATES, "evaluate": "2/min", "user": "2/min", "import": "1/min"},
    )
    return redis


def token_client(user) -> APIClient:
    """An API client with a real bearer token; a server error comes back as a 500, not an exception."""
    _, token = account_services.api_token_create(user=user, name="cache fault test")
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def browser(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def statuses(responses) -> list[int]:
    return [response.status_code for response in responses]


def assert_each_failure_is_one_warning(caplog) -> None:
    failures = [record for record in caplog.records if record.name == "django_redis.cache"]
    assert failures, "no cache failure was logged"
    for record in failures:
        assert record.levelno == logging.WARNING and record.exc_info is None
        assert "cache unavailable" in record.getMessage() and "Connection" in record.getMessage()


def test_with_redis_down_the_api_answers_beyond_its_rates_and_they_hold_again_once_it_is_back(
    redis_cache, owner, workload, caplog
):
    api = token_client(owner)
    assert statuses([api.post("/api/v1/evaluate/", BODY, format="json")]) == [200]
    redis_cache.stop()
    try:
        during = [api.post("/api/v1/evaluate/", BODY, format="json") for _ in range(4)]
        during += [api.get("/api/v1/workloads/") for _ in range(4)]
    finally:
        redis_cache.start()
    assert statuses(during) == [200] * 8, [r.content[:300] for r in during]
    assert during[-1].json()["results"][0]["name"] == workload.name
    assert_each_failure_is_one_warning(caplog)

    # Redis came back empty: counting starts again, and each rate holds.
    assert statuses(api.post("/api/v1/evaluate/", BODY, format="json") for _ in range(3)) == [200, 200, 429]
    assert statuses(api.get("/api/v1/workloads/") for _ in range(3)) == [200, 200, 429]


def test_with_redis_down_the_dashboard_draws_its_charts_again_and_imports_go_through_the_page(
    redis_cache, owner, team, workload, django_capture_on_commit_callbacks, caplog
):
    page = browser(owner)
    dashboard = f"/workloads/{workload.pk}/"
    cached = page.get(dashboard)
    assert cached.status_code == 200 and cached.context["charts"]
    running = PortfolioImport.objects.create(
        team=team,
        created_by=owner,
        file_format="csv",
        mode="all_or_nothing",
        status=PortfolioImport.Status.RUNNING,
        rows_total=1,
        profiles=[{"row": 2, "profile": {"name": "Still assessing", "requests_per_day": 10}}],
    )
    redis_cache.stop()
    try:
        drawn = page.get(dashboard)
        # The import page's throttle (advisor.web.security.throttled_page) lets both through.
        with django_capture_on_commit_callbacks(execute=True):
            uploads = [
                page.post(
                    f"/teams/{team.pk}/import/",
                    {"file": SimpleUploadedFile("p.csv", IMPORT_CSV.encode()), "mode": "all_or_nothing"},
                )
                for _ in range(2)
            ]
        progress = page.get(f"/teams/{team.pk}/imports/{running.pk}/progress/")
        rows_done = imports.import_rows_done(job=running)
    finally:
        redis_cache.start()
    assert drawn.status_code == 200 and drawn.context["charts"] == cached.context["charts"]
    assert statuses(uploads) == [302, 302]
    done = PortfolioImport.objects.exclude(pk=running.pk)
    assert [job.status for job in done] == ["done", "done"]
    assert Workload.objects.filter(team=team, name="Imported while Redis was down").count() == 1
    # A running import's progress lives only in the cache: it shows none rather than an error.
    assert progress.status_code == 200 and progress.context["rows_done"] == rows_done == 0
    assert_each_failure_is_one_warning(caplog)
