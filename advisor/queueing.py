"""Sending work to the Celery broker without failing the request when the broker is down.

A run or a report stays "queued" with a note saying why; beat (or the next request)
sends it again, and the note goes once a send succeeds.
"""
from __future__ import annotations

import logging
from typing import Callable

from django.db.models import QuerySet
from django.utils import timezone
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)
BROKER_ERRORS = (OperationalError, ConnectionError, OSError)


def enqueue_or_note(*, send: Callable[[], None], row: QuerySet, queued_status: str, note: str) -> bool:
    """Call ``send``; if the broker is unreachable, put ``note`` on ``row`` while it is still
    queued and return False. ``row`` is a one-row queryset of a model with status, note
    and updated_at."""
    try:
        send()
    except BROKER_ERRORS as exc:
        log.warning("%s queued while the broker is unreachable: %s", row.model.__name__, exc)
        row.filter(status=queued_status).update(note=note, updated_at=timezone.now())
        return False
    row.filter(note=note).update(note="")
    return True
