"""Content negotiation for the endpoints that answer with a file (a PDF, a CSV, a template)."""

from __future__ import annotations

from rest_framework.negotiation import BaseContentNegotiation


class FileNegotiation(BaseContentNegotiation):
    """The file is sent as is whatever the client accepts; status and error bodies are JSON
    (``Accept: application/pdf`` must not turn a 202 or a 404 into a 406)."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type
