"""``Idempotency-Key`` on POST: a retried request gets the first answer, never a duplicate.

The first request with a key claims it (a row, unique per user and key) before the view
runs, and stores the view's answer after. A retry with the same key and the same request
gets that answer back with ``Idempotent-Replayed: true``; the same key with a different
request is a 422; a retry while the first is still running is a 409. A server error,
answered or raised, and a 429 release the key, so the client may try again. A request that died
without a word (its worker killed) leaves its key claimed: the first retry after
``IDEMPOTENCY_PENDING_TIMEOUT_S`` takes it over. Keys are per user and kept for
``IDEMPOTENCY_KEY_DAYS`` days; after that the same key counts as new.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import timedelta

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response

from advisor.api.responses import location_path
from advisor.models import (
    IdempotencyKey,
)

HEADER = "Idempotency-Key"


logger = logging.getLogger(__name__)


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
        self._idempotency = _claim(request.user, key, _fingerprint(request))

    def handle_exception(self, exc):
        if isinstance(exc, _Replay):
            response = Response(exc.stored.response_body, status=exc.stored.status_code)
            response["Idempotent-Replayed"] = "true"
            if exc.stored.location:
                response["Location"] = self.request.build_absolute_uri(exc.stored.location)
            return response
        try:
            return super().handle_exception(exc)
        except Exception:
            # Unhandled: DRF re-raises it for Django's 500, and finalize_response never runs.
            self._release()
            raise

    def _release(self) -> None:
        claimed, self._idempotency = getattr(self, "_idempotency", None), None
        if claimed is None:
            return
        try:
            _mine(claimed).delete()  # nothing was promised: let the client retry
        except DatabaseError as exc:
            # The database went with the request; the pending timeout frees the key instead.
            logger.warning("Idempotency-Key not released: %s", exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        claimed = getattr(self, "_idempotency", None)
        if claimed is not None and _promises_nothing(response.status_code):
            self._release()
        elif claimed is not None:
            self._idempotency = None
            _mine(claimed).update(
                status_code=response.status_code,
                response_body=_storable(getattr(response, "data", None)),
                location=location_path(response.get("Location", "")),
            )
        return response


def _promises_nothing(status_code: int) -> bool:
    """A server error, or a 429 "try again later" (a team at its cap of simulations in flight):
    nothing was done, so a retry with the same key must be tried afresh, not answered the same."""
    return status_code >= 500 or status_code == status.HTTP_429_TOO_MANY_REQUESTS


def _claim(user, key: str, fingerprint: str) -> IdempotencyKey:
    """This request's claim on the key, or the exception that answers it instead."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
    except IntegrityError:
        pass
    if (taken := _take_over(user, key, fingerprint)) is not None:
        return taken
    stored = IdempotencyKey.objects.filter(user=user, key=key).first()
    if stored is None or stored.status_code is None and stored.fingerprint == fingerprint:
        raise KeyInUse()  # running, or released an instant ago: either way, retry shortly
    if stored.fingerprint != fingerprint:
        raise KeyReused()
    raise _Replay(stored)


def _take_over(user, key: str, fingerprint: str) -> IdempotencyKey | None:
    """Claim a key that counts as new again: expired, or left claimed by a request that died.

    Conditional UPDATEs that renew ``created_at``, so of two retries racing for it one wins.
    """
    now = timezone.now()
    renew = {
        "fingerprint": fingerprint,
        "status_code": None,
        "response_body": None,
        "location": "",
        "created_at": now,
    }
    abandoned = IdempotencyKey.objects.filter(
        status_code__isnull=True,
        fingerprint=fingerprint,
        created_at__lt=now - timedelta(seconds=settings.IDEMPOTENCY_PENDING_TIMEOUT_S),
    )
    taken = idempotency_keys_expired().filter(user=user, key=key).update(**renew) or abandoned.filter(
        user=user, key=key
    ).update(**renew)
    return IdempotencyKey.objects.get(user=user, key=key) if taken else None


def _mine(claimed: IdempotencyKey):
    # The row as this request claimed it: if a retry took it over meanwhile, it is the retry's now.
    return IdempotencyKey.objects.filter(
        pk=claimed.pk, created_at=claimed.created_at, status_code__isnull=True
    )


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
    return [
        OpenApiParameter(
            HEADER,
            str,
            OpenApiParameter.HEADER,
            required=False,
            description="Any unique string (a UUID). A retry with the same key and body gets the first "
            "answer back (header Idempotent-Replayed: true) instead of a duplicate; the same "
            "key with another body is a 422, and a retry while the first runs a 409 (a "
            "first request that never answered frees its key after "
            "IDEMPOTENCY_PENDING_TIMEOUT_S). Keys expire after IDEMPOTENCY_KEY_DAYS.",
        )
    ]


def idempotency_keys_expired() -> QuerySet[IdempotencyKey]:
    """Keys older than ``IDEMPOTENCY_KEY_DAYS``: a request with one counts as new; beat deletes them."""
    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_KEY_DAYS)
    return IdempotencyKey.objects.filter(created_at__lt=cutoff)


def idempotency_keys_purge(*, batch_size: int = 1000) -> int:
    """Delete expired Idempotency-Key rows; returns how many.

    One short statement per batch, so the purge never holds many locks for long; each batch
    deletes only rows still expired, since a retry may have just taken one over as new.
    """
    deleted = 0
    while batch := list(idempotency_keys_expired().values_list("pk", flat=True)[:batch_size]):
        deleted += idempotency_keys_expired().filter(pk__in=batch).delete()[0]
    return deleted
