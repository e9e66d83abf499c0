"""One error shape for every client mistake: ``{field: [messages]}``.

DRF answers a malformed body with ``{"detail": ...}``; clients of this API get
the same field-keyed shape as for validation errors, under ``non_field_errors``.
"""
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc, context):
    response = drf_exception_handler(exc, context)
    # A throttled client also gets the wait in words; Retry-After carries it for machines.
    if response is not None and isinstance(exc, (exceptions.ParseError,
                                                 exceptions.UnsupportedMediaType,
                                                 exceptions.Throttled)):
        response.data = {"non_field_errors": [str(exc.detail)]}
    return response
