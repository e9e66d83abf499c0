"""``Idempotency-Key`` on POST: a retried request gets the first answer, never a duplicate.

The first request with a key claims it (a row, unique per user and key) before the view
runs, and stores the view's answer after. A retry with the same key and the same request
gets that answer back with ``Idempotent-Replayed: true``; the same key with a different
request is a 422; a retry while the first is still running is a 409. A server error
releases the key, so the client may try again. Keys are per user and kept for
``IDEMPOTENCY_KEY_DAYS`` days.
"""
from __future__ import annotations

import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from advisor.models import IdempotencyKey

HEADER = "Idempotency-Key"


class _Replay(Exception):
    def __init__(self, stored: IdempotencyKey):
        self.stored = stored


class KeyInUse(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "A request with this Idempotency-Key is still being processed; retry shortly."


class KeyReused(APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "This Idempotency-Key was used for a different request."


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=_value_text) if request.data else ""
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _value_text(value) -> str:
    # An uploaded file counts by its content: another file under the same name is another request.
    if hasattr(value, "chunks"):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return f"file:{digest.hexdigest()}"
    return str(value)


def _key(request) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > 255 or not key.isprintable():
        raise ValidationError({HEADER: ["Must be 1 to 255 printable characters, e.g. a UUID."]})
    return key


class IdempotentPostMixin:
    """For DRF views whose POST creates something: honour ``Idempotency-Key``."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication first: keys are per user
        self._idempotency = None
        if request.method != "POST" or (key := _key(request)) is None:
            return
        fingerprint = _fingerprint(request)
        try:
            with transaction.atomic():
                self._idempotency = IdempotencyKey.objects.create(user=request.user, key=key,
                                                                  fingerprint=fingerprint)
        except IntegrityError:
            stored = IdempotencyKey.objects.get(user=request.user, key=key)
            if stored.fingerprint != fingerprint:
                raise KeyReused()
            if stored.status_code is None:
                raise KeyInUse()
            raise _Replay(stored)

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            response = Response(exc.stored.response_body, status=exc.stored.status_code)
            response["Idempotent-Replayed"] = "true"
            if exc.stored.location:
                response["Location"] = exc.stored.location
            return response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        claimed = getattr(self, "_idempotency", None)
        if claimed is not None:
            self._idempotency = None
            if response.status_code >= 500:
                claimed.delete()  # nothing was promised: let the client retry
            else:
                claimed.status_code = response.status_code
                claimed.response_body = _storable(getattr(response, "data", None))
                claimed.location = response.get("Location", "")
                claimed.save(update_fields=["status_code", "response_body", "location"])
        return response


def _storable(data):
    """The answer as PostgreSQL's jsonb can keep it: no NUL character, which it refuses.

    Only an error can hold one (a 400 naming an unknown field sent with a NUL in its
    name: nothing stored can contain NUL), so the replay shows U+FFFD in its place.
    """
    if isinstance(data, str):
        return data.replace("\x00", "\ufffd")
    if isinstance(data, dict):
        return {_storable(str(key)): _storable(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_storable(item) for item in data]
    return data


def schema_parameters(view, method: str) -> list:
    """The Idempotency-Key header, for the OpenAPI description of the views that honour it."""
    from drf_spectacular.utils import OpenApiParameter

    if method != "POST" or not isinstance(view, IdempotentPostMixin):
        return []
    return [OpenApiParameter(
        HEADER, str, OpenApiParameter.HEADER, required=False,
        description="Any unique string (a UUID). A retry with the same key and body gets the first "
                    "answer back (header Idempotent-Replayed: true) instead of a duplicate; the same "
                    "key with another body is a 422, and a retry while the first runs a 409.")]
