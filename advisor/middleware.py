"""A page whose database is down answers 503 with Retry-After, not a 500 traceback.

The API has the same rule in its exception handler (``advisor.api.errors``);
this covers the HTML pages. The page is rendered without the request: the
usual context (the signed-in user, messages) would ask the database again.
"""
from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

from advisor.api.errors import DATABASE_ERRORS, DATABASE_RETRY_AFTER_S, log_database_unavailable


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        log_database_unavailable(exception)
        response = HttpResponse(render_to_string("503.html", {"retry_after": DATABASE_RETRY_AFTER_S}),
                                status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
        return response
