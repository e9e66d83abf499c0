"""The app's own middleware: answers that no cache keeps, a 503 for a database that is down,
and API bodies over their route's limit refused unread.

A page whose database is down answers 503 with Retry-After, not a 500 traceback.
The API has the same rule in its exception handler (``advisor.api.errors``, with the words of ``advisor.web.errors``);
this covers the HTML pages. The page is rendered without the request: the
usual context (the signed-in user, messages) would ask the database again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control

from advisor.web.errors import DATABASE_ERRORS, DATABASE_RETRY_AFTER_S, log_database_unavailable
from advisor.web.limits import body_limit, body_too_large_message


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        log_database_unavailable(exception)
        response = HttpResponse(
            render_to_string("503.html", {"retry_after": DATABASE_RETRY_AFTER_S}), status=503
        )
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_S)
        return response


class PrivateNoStoreMiddleware:
    """Every page and API answer is ``Cache-Control: private, no-store``.

    They carry a team's workloads, costs and tokens: a shared proxy must not keep them for the
    next user, and a browser must not leave them on disk after sign-out. Static files do not
    come this far (WhiteNoise answers them first, with their own long cache headers).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        patch_cache_control(response, private=True, no_store=True)
        return response


class ApiBodyLimitMiddleware:
    """A body over its route's limit is refused from its Content-Length, before it is read.

    Under /api/ the answer is the API's JSON naming the limit, never Django's HTML 400:
    the same for the size Django itself checks while parsing a form (too many fields,
    a field too large), whichever part of the request reads the body first.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        size = _content_length(request)
        view_class = getattr(view_func, "cls", None)
        if size <= body_limit(view_class)[1]:
            return None
        return JsonResponse({"non_field_errors": [body_too_large_message(size, view_class)]}, status=400)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/") or type(exception) not in _DJANGO_BODY_LIMITS:
            return None
        # Django's own message names the setting; the number is added for the client.
        setting = _DJANGO_BODY_LIMITS[type(exception)]
        return JsonResponse(
            {"non_field_errors": [f"{exception} ({setting}: {getattr(settings, setting):,})"]}, status=400
        )


_DJANGO_BODY_LIMITS: dict[type[Exception], str] = {
    RequestDataTooBig: "DATA_UPLOAD_MAX_MEMORY_SIZE",
    TooManyFieldsSent: "DATA_UPLOAD_MAX_NUMBER_FIELDS",
    TooManyFilesSent: "DATA_UPLOAD_MAX_NUMBER_FILES",
}


def _content_length(request: HttpRequest) -> int:
    try:
        return max(0, int(request.META.get("CONTENT_LENGTH") or 0))
    except ValueError:
        return 0  # Django reads no body it cannot size either
