"""Request bodies of the API: a size limit per route, and JSON read strictly.

Each view may name the setting that bounds its body (``max_body_setting``); the
others take ``API_MAX_BODY_BYTES``, since a whole profile is about 1 KB. The limit is
checked against Content-Length before a byte is read (``advisor.web.middleware``), so a
body of millions of keys costs nothing to refuse.
"""

from __future__ import annotations

from rest_framework.exceptions import ParseError, ValidationError
from rest_framework.parsers import BaseParser

from advisor.web.json_input import JsonInputError, format_path, loads


class StrictJSONParser(BaseParser):
    """JSON through orjson: a lone surrogate or absurd nesting is a 400 naming where it is.

    Not a subclass of DRF's JSONParser on purpose: DRF reads that one's body through
    ``request.body``, whose own limit (DATA_UPLOAD_MAX_MEMORY_SIZE) answers an HTML 400.
    """

    media_type = "application/json"

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return loads(stream.read())
        except JsonInputError as exc:
            if not exc.path:
                raise ParseError(exc.message) from None
            raise ValidationError({format_path(exc.path): [exc.message]}) from None
