"""The largest request body each route takes, checked by the middleware before a byte is read
and by the API's parsers: the setting that bounds it, in words, and the bound in bytes."""

from __future__ import annotations

from django.conf import settings

DEFAULT_BODY_SETTING = "API_MAX_BODY_BYTES"


def body_limit(view_class: type | None) -> tuple[str, int]:
    """What bounds a view's request body (the settings, in words) and the bound in bytes.

    A view with a setting of its own (the import's file size) gets API_MAX_BODY_BYTES on
    top, for what surrounds the file (the multipart envelope, the mode): the file's own
    check then answers with its own, more precise message.
    """
    name = getattr(view_class, "max_body_setting", DEFAULT_BODY_SETTING)
    if name == DEFAULT_BODY_SETTING:
        return name, settings.API_MAX_BODY_BYTES
    return f"{name} + {DEFAULT_BODY_SETTING}", getattr(settings, name) + settings.API_MAX_BODY_BYTES


def body_too_large_message(size: int, view_class: type | None) -> str:
    name, limit = body_limit(view_class)
    return f"The request body is {size:,} bytes; this route takes at most {limit:,} bytes ({name})."
