"""Headers every API answer of a kind carries.

A 201 (created) or 202 (accepted) names its resource in ``Location``, absolute as
RFC 9110 shows it, so a client follows the header instead of building the URL
from ids in the body.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from rest_framework.request import Request


def location_header(request: Request, url: str) -> dict[str, str]:
    """``{"Location": <url made absolute on the request's own scheme and host>}``."""
    return {"Location": request.build_absolute_uri(url)}


def location_path(location: str) -> str:
    """The path and query of a Location, without scheme and host.

    What an idempotent answer stores: its replay makes it absolute again on the
    replaying request's host, and a long Host header cannot outgrow the column.
    """
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")
