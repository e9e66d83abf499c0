"""API token strings: make one, hash one, read its prefix. Pure, no database.

A token reads ``pa_<prefix><rest>``: the ``pa_`` marker lets secret scanners
and people recognise it, the 8-character prefix is stored in clear so a user
can tell tokens apart, and only the SHA-256 digest of the whole string is kept.
"""

from __future__ import annotations

import hashlib
import secrets

MARKER = "pa_"
MARKER_LEN = len(MARKER)
PREFIX_LENGTH = 8
_RANDOM_BYTES = 32  # 256 bits: far beyond guessing, so a fast hash suffices
_MAX_LENGTH = 200  # anything longer is not one of ours; do not hash megabytes


def token_generate() -> str:
    """A new plain token, e.g. ``pa_Xk3v9QbA...`` (46 characters)."""
    return MARKER + secrets.token_urlsafe(_RANDOM_BYTES)


def token_digest(token: str) -> str:
    """SHA-256 hex of the whole token: what the database stores and looks up."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str | None:
    """The shown prefix of a well-formed token; None for anything that is not one.

    >>> token_prefix("pa_abcdefgh" + "x" * 35)
    'abcdefgh'
    >>> token_prefix("9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b") is None
    True
    """
    if not token.startswith(MARKER) or not (MARKER_LEN + PREFIX_LENGTH < len(token) <= _MAX_LENGTH):
        return None
    return token[MARKER_LEN : MARKER_LEN + PREFIX_LENGTH]
