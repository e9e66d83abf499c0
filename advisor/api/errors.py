"""One error shape for every client mistake: ``{field: [messages]}``.

DRF answers a malformed body with ``{"detail": ...}``; clients of this API get
the same field-keyed shape as for validation errors, under ``non_field_errors``.
A database that is down (restarting, failing over) is not a bug in the request:
it answers 503 with Retry-After in the same shape, not a 500.
"""

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.urls import Resolver404, resolve
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from advisor.web.errors import (
    DATABASE_ERRORS,
    DATABASE_RETRY_AFTER_S,
    DATABASE_UNAVAILABLE,
    log_database_unavailable,
)


def exception_handler(exc, context):
    if isinstance(exc, DATABASE_ERRORS):
        log_database_unavailable(exc)
        return Response(
            {"non_field_errors": [DATABASE_UNAVAILABLE]},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)},
        )
    response = drf_exception_handler(exc, context)
    # A throttled client also gets the wait in words; Retry-After carries it for machines.
    if response is not None and isinstance(
        exc, (exceptions.ParseError, exceptions.UnsupportedMediaType, exceptions.Throttled)
    ):
        response.data = {"non_field_errors": [str(exc.detail)]}
    return response


ROUTE_NOT_FOUND = "api-not-found"


@csrf_exempt  # it changes nothing; a POST to a wrong URL is a 404, not a CSRF failure
def route_not_found(request: HttpRequest) -> HttpResponse:
    """The last route under /api/: a URL no API route matches is a JSON 404, DEBUG or not.

    ``handler404`` answers JSON as well, but only with DEBUG off: with DEBUG on (``make run``)
    Django shows its technical 404 page instead of calling it. This route matching every
    /api/ URL, APPEND_SLASH no longer sees a miss, so a GET that lacks only its trailing
    slash is redirected here, as before; any other method is told the URL to use.
    """
    slashed = _slashed_route(request)
    if slashed is not None and request.method in ("GET", "HEAD"):
        return HttpResponsePermanentRedirect(slashed)
    detail = (
        "Not found." if slashed is None else (f"Not found. Did you mean {slashed} (with the trailing slash)?")
    )
    return JsonResponse({"detail": detail}, status=status.HTTP_404_NOT_FOUND)


def _slashed_route(request: HttpRequest) -> str | None:
    """The URL with a trailing slash added, when that names a route of the API."""
    if not settings.APPEND_SLASH or request.path_info.endswith("/"):
        return None
    try:
        match = resolve(request.path_info + "/", getattr(request, "urlconf", None))
    except Resolver404:
        return None
    return None if match.url_name == ROUTE_NOT_FOUND else request.get_full_path(force_append_slash=True)
