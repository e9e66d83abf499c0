"""JSON from clients, read strictly: what PostgreSQL, the renderer and the engine can all take.

Python's ``json`` accepts text that breaks later: a lone surrogate (``"\\ud800"``) is a
``str`` that psycopg and orjson refuse to encode (a 500 once stored or answered), and
100,000 nested brackets raise ``RecursionError``. orjson refuses both while parsing, and
is faster; only when it refuses does this module read the text again with ``json`` to
say *where* the problem is, so the fast path pays nothing for the message.

    >>> loads(b'{"name": "bot", "requests_per_day": 5}')
    {'name': 'bot', 'requests_per_day': 5}
    >>> try:
    ...     loads(b'{"workloads": [{"name": "a\\\\ud800b"}]}')
    ... except JsonInputError as exc:
    ...     print(exc.path, format_path(exc.path))
    ('workloads', 0, 'name') workloads[0].name
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# A profile is one level deep and an import body three: 32 is far beyond any real
# document, and far below Python's recursion limit, which json.dumps, the idempotency
# fingerprint and the error report all walk under.
MAX_DEPTH = 32
_SURROGATE = re.compile("[\ud800-\udfff]")
LONE_SURROGATE = (
    "Not valid Unicode text: it holds a lone surrogate ({code}), which cannot be "
    "stored. Send the character itself, or a surrogate pair."
)
NAME_SURROGATE = "A field name here is not valid Unicode text: it holds a lone surrogate ({code})."
TOO_DEEP = f"The JSON is nested more than {MAX_DEPTH} levels deep."

Path = tuple[str | int, ...]


class JsonInputError(ValueError):
    """The text cannot be accepted: ``path`` locates the value (empty: the document as a whole)."""

    def __init__(self, message: str, path: Path = (), *, syntax: bool = False):
        self.message = message
        self.path = path
        self.syntax = syntax  # not JSON at all, as opposed to JSON that cannot be taken
        super().__init__(f"{format_path(path) or 'body'}: {message}")


def loads(content: str | bytes) -> Any:
    """The document, or JsonInputError saying what is wrong with it and where."""
    try:
        document = orjson.loads(content)
    except orjson.JSONDecodeError as exc:
        document = _reread(content, exc)
    if _deeper_than(document, MAX_DEPTH):
        raise JsonInputError(TOO_DEEP)
    return document


def _reread(content: str | bytes, refused: orjson.JSONDecodeError) -> Any:
    """Read again what orjson refused, to find the field at fault or to keep json's verdict.

    orjson also refuses numbers too large for a double (``1e400``), which json reads as
    infinity for the validators to name their field; those documents are returned.
    """
    try:
        document = json.loads(content, parse_constant=_refuse_constant)
    except RecursionError:
        raise JsonInputError(TOO_DEEP) from None
    except ValueError as exc:  # JSONDecodeError, a NaN literal, undecodable bytes
        raise JsonInputError(_message(exc), syntax=True) from None
    if _deeper_than(document, MAX_DEPTH):
        raise JsonInputError(TOO_DEEP)
    surrogate = _find_surrogate(document)
    if surrogate is not None:
        raise JsonInputError(*surrogate)
    if "surrogate" in str(refused):
        raise JsonInputError(_message(refused))
    return document


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON; numbers must be finite")


def _message(exc: ValueError) -> str:
    # The message can quote the input; a bounded report, whatever was sent.
    return f"JSON parse error - {str(exc)[:200]}"


def _deeper_than(document: Any, limit: int) -> bool:
    """Whether containers nest more than ``limit`` deep; iterative, so any depth is safe to ask."""
    stack = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        if not isinstance(node, (dict, list)):
            continue
        if depth > limit:
            return True
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def _find_surrogate(document: Any) -> tuple[str, Path] | None:
    """The first text holding a lone surrogate: (message, path), in document order."""
    stack: list[tuple[Any, Path]] = [(document, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if (found := _SURROGATE.search(node)) is not None:
                return LONE_SURROGATE.format(code=_code(found.group())), path
        elif isinstance(node, dict):
            for key in node:
                if (found := _SURROGATE.search(key)) is not None:
                    return NAME_SURROGATE.format(code=_code(found.group())), path
            stack.extend((value, (*path, key)) for key, value in reversed(node.items()))
        elif isinstance(node, list):
            stack.extend((value, (*path, index)) for index, value in reversed(list(enumerate(node))))
    return None


def _code(character: str) -> str:
    return f"\\u{ord(character):04x}"


def format_path(path: Path) -> str:
    """``("workloads", 3, "name")`` as ``workloads[3].name``; field names cut to 100 characters."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{str(part)[:100]}"
    return text.removeprefix(".")
