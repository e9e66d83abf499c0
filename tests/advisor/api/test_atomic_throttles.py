"""Rate limits hold under parallel requests: with Redis as in production, never one more than the rate.

Each test counts in the machine's Redis (a database of its own, under a key prefix of its own,
deleted afterwards) with the clock of the throttles fixed in the middle of a window, so the
answer is exact: threads that all ask at once get exactly the rate's number of yeses.
"""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connections
from django.test import RequestFactory
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from advisor.config.settings import cache_config
from advisor.web import security

REDIS_URL = "redis://127.0.0.1:6379/14"
HOUR = 3600
MIDDLE_OF_AN_HOUR = 500_000 * HOUR + HOUR // 2
THREADS, ATTEMPTS = 32, 160


@pytest.fixture
def clock(monkeypatch):
    """The throttles' clock, fixed in the middle of an hour unless a test moves it."""
    now = SimpleNamespace(value=MIDDLE_OF_AN_HOUR)
    monkeypatch.setattr(SimpleRateThrottle, "timer", lambda self: now.value)
    return now


@pytest.fixture
def redis_cache(settings, clock):
    """Django's cache on the machine's Redis, as production configures it, under a fresh prefix."""
    settings.CACHES = {"default": {**cache_config(REDIS_URL), "KEY_PREFIX": f"atomic-{uuid.uuid4().hex}"}}
    cache.set("ping", 1)
    assert cache.get("ping") == 1, "this test needs Redis on 127.0.0.1:6379"
    yield cache
    cache.delete_pattern("*")


@pytest.fixture
def rates(monkeypatch):
    def set_rates(**scopes: str) -> None:
        monkeypatch.setattr(
            SimpleRateThrottle, "THROTTLE_RATES", {**SimpleRateThrottle.THROTTLE_RATES, **scopes}
        )

    return set_rates


def all_at_once(call, attempts: int = ATTEMPTS) -> list:
    """`call` from THREADS threads, released together by a barrier, `attempts` times in all."""
    barrier = threading.Barrier(THREADS)

    def worker(n: int) -> list:
        barrier.wait()
        try:
            return [call() for _ in range(n, attempts, THREADS)]
        finally:
            connections.close_all()  # each thread's own, or the test database cannot be dropped

    with ThreadPoolExecutor(THREADS) as pool:
        return [answer for answers in pool.map(worker, range(THREADS)) for answer in answers]


@pytest.mark.django_db(transaction=True)
def test_parallel_evaluate_calls_get_exactly_the_rate_and_the_rest_429_with_retry_after(
    redis_cache, rates, owner
):
    rates(evaluate="40/hour")

    def evaluate():
        client = APIClient()
        client.force_authenticate(owner)
        # An empty body is refused by the view, after the throttle counted it: fast, and enough.
        response = client.post("/api/v1/evaluate/", {}, format="json")
        return response.status_code, response.headers.get("Retry-After")

    answers = all_at_once(evaluate)
    assert sum(status != 429 for status, _ in answers) == 40
    assert all(0 < int(wait) <= 2 * HOUR for status, wait in answers if status == 429)


@pytest.mark.django_db(transaction=True)
def test_parallel_calls_to_the_general_rate_get_exactly_the_rate(redis_cache, rates, owner):
    rates(user="50/hour")

    def workloads():
        client = APIClient()
        client.force_authenticate(owner)
        return client.get("/api/v1/workloads/").status_code

    answers = all_at_once(workloads)
    assert answers.count(200) == 50 and answers.count(429) == ATTEMPTS - 50
    assert workloads() == 429  # the hour's 50 are spent


@pytest.mark.django_db(transaction=True)
def test_parallel_anonymous_calls_get_exactly_the_rate_per_address(redis_cache, rates):
    rates(anon="30/hour")

    def ask_for_a_token():
        response = APIClient().post("/api/v1/auth/token/", {}, format="json", REMOTE_ADDR="203.0.113.9")
        return response.status_code

    answers = all_at_once(ask_for_a_token)
    assert answers.count(400) == 30 and answers.count(429) == ATTEMPTS - 30


@pytest.mark.parametrize("scope", ["simulate", "import"])
def test_the_pages_buttons_share_the_scope_and_hold_it_exactly_in_parallel(redis_cache, rates, scope):
    rates(**{scope: "12/hour"})
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    request.user = SimpleNamespace(is_authenticated=True, pk=7)
    waits = all_at_once(lambda: security.throttle_wait(request, scope=scope))
    assert waits.count(None) == 12
    assert all(0 < wait <= 2 * HOUR for wait in waits if wait is not None)


def test_the_window_slides_so_a_burst_at_an_hours_edge_cannot_pass_twice_the_rate(redis_cache, rates, clock):
    rates(simulate="40/hour")
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    request.user = SimpleNamespace(is_authenticated=True, pk=8)
    ask = lambda: security.throttle_wait(request, scope="simulate")  # noqa: E731
    clock.value = MIDDLE_OF_AN_HOUR + HOUR // 2 - 1  # the last second of the hour
    answers = [ask() for _ in range(41)]
    assert answers.count(None) == 40
    # The next hour begins in 1 s, with the last one's 40 weighing 40 * (1 - t / 3600):
    # 39 after 90 s, when one more fits.
    assert answers[-1] == 1 + 90
    clock.value += 1 + 89
    assert ask() == 1  # not yet: Retry-After is honest to the second
    clock.value += 1
    assert ask() is None
    clock.value = MIDDLE_OF_AN_HOUR + HOUR // 2 + 3 * HOUR // 4  # three quarters in: 10 of the 40 weigh
    assert sum(ask() is None for _ in range(40)) == 40 - 10 - 1


def test_with_redis_unreachable_the_throttles_let_requests_through(settings, rates, clock):
    settings.CACHES = {"default": {**cache_config("redis://127.0.0.1:9/14"), "KEY_PREFIX": "unreachable"}}
    rates(simulate="1/hour")
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    request.user = SimpleNamespace(is_authenticated=True, pk=9)
    assert [security.throttle_wait(request, scope="simulate") for _ in range(3)] == [None, None, None]
