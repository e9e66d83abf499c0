"""One error shape for every client mistake: ``{field: [messages]}``.

DRF answers a malformed body with ``{"detail": ...}``; clients of this API get
the same field-keyed shape as for validation errors, under ``non_field_errors``.
A database that is down (restarting, failing over) is not a bug in the request:
it answers 503 with Retry-After in the same shape, not a 500.
"""
import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views.defaults import page_not_found
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Long enough for PostgreSQL to restart; the next request's health check reconnects.
DATABASE_RETRY_AFTER_S = 5
DATABASE_UNAVAILABLE = "The database is unavailable for the moment; try again in a few seconds."


def exception_handler(exc, context):
    if isinstance(exc, DATABASE_ERRORS):
        log_database_unavailable(exc)
        return Response({"non_field_errors": [DATABASE_UNAVAILABLE]},
                        status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": str(DATABASE_RETRY_AFTER_S)})
    response = drf_exception_handler(exc, context)
    # A throttled client also gets the wait in words; Retry-After carries it for machines.
    if response is not None and isinstance(exc, (exceptions.ParseError,
                                                 exceptions.UnsupportedMediaType,
                                                 exceptions.Throttled)):
        response.data = {"non_field_errors": [str(exc.detail)]}
    return response


def log_database_unavailable(exc: Exception) -> None:
    # psycopg's message runs on over several lines of hints; its first line says what failed.
    logger.warning("database unavailable: %s", (str(exc).strip().splitlines() or [repr(exc)])[0])


def not_found(request, exception):
    """``handler404``: a URL under /api/ that matches no route (``/workloads/abc/``) is JSON too.

    API clients parse every error as JSON; the rest of the site keeps its HTML page.
    """
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)
