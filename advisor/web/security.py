"""Who is asking, and how often: the client address and the page-side rate limits.

The API's limits are DRF throttles (``advisor.web.throttling``); the HTML page
that starts a simulation or an import uses the same throttle, counters and rates, so a
person cannot get around the API's limit by clicking.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.throttling import BaseThrottle

from advisor.web.throttling import ScopedRateThrottle


def client_ip(request: HttpRequest) -> str:
    """The client's address, by DRF's rule (REST_FRAMEWORK["NUM_PROXIES"]).

    django-axes calls this too, so a sign-in lock and an API throttle count the
    same address.
    """
    # get_ident reads only META, which a Django request has as much as DRF's (the stubs want DRF's).
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def throttle_wait(request: HttpRequest, *, scope: str) -> int | None:
    """Seconds to wait if this request goes over the scope's rate, else None (and it counts)."""
    throttle = ScopedRateThrottle()
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return max(1, round(throttle.wait() or 1))


def throttled_page(request: HttpRequest, *, scope: str) -> HttpResponse | None:
    """The 429 page with Retry-After if this request goes over the scope's rate, else None."""
    if (wait := throttle_wait(request, scope=scope)) is None:
        return None
    response = render(request, "429.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def lockout_response(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes' answer to a locked-out sign-in: our page, 429, and when to come back."""
    from axes.helpers import get_client_username, get_cool_off

    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60)) if cool_off else None
    response = render(
        request,
        "registration/locked.html",
        {
            "username": get_client_username(request, credentials) or "",
            "minutes": minutes,
        },
        status=429,
    )
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
