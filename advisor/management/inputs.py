"""What the stateless commands (``advise``, ``calibrate``) read: a JSON file or standard input,
and the profile in it. Any problem ends with a message naming the file and exit status 2."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import CommandError

from placement.profile import ProfileError

INVALID = 2  # bad input, as for every command: a message on stderr, never a traceback


def read_json(path: str) -> Any:
    """The JSON document in ``path`` (``-``: standard input)."""
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"Cannot read {path}: {exc}", returncode=INVALID)
    try:
        # NaN and Infinity are not JSON, whatever Python's json module allows.
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        source = "standard input" if path == "-" else path
        raise CommandError(f"{source} is not valid JSON: {exc}", returncode=INVALID)


def invalid_profile(error: ProfileError) -> CommandError:
    """The profile's errors, a field a line."""
    lines = [f"  {field}: {' '.join(messages)}" for field, messages in error.errors.items()]
    return CommandError("Invalid profile:\n" + "\n".join(lines), returncode=INVALID)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
