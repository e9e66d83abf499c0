"""Errors both doors answer alike: a database that is down (503 + Retry-After, not a 500), and a
URL that matches no route (JSON under /api/, the HTML page elsewhere)."""

import logging

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views.defaults import page_not_found

logger = logging.getLogger(__name__)

DATABASE_ERRORS = (OperationalError, InterfaceError)
# Long enough for PostgreSQL to restart; the next request's health check reconnects.
DATABASE_RETRY_AFTER_S = 5
DATABASE_UNAVAILABLE = "The database is unavailable for the moment; try again in a few seconds."


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
