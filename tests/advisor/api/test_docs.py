"""/api/docs/ (Swagger UI) leads back to the app and holds nothing the CSP refuses.

drf-spectacular's page carries an inline <style>, which ``style-src 'self'`` refuses (a
console error on every visit); the browser check is tests/browser/test_api_docs_browser.py.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db


def test_the_api_docs_link_back_to_the_workloads(owner_client):
    page = owner_client.get("/api/docs/").content.decode()

    assert '<a class="docs-brand" href="/workloads/">' in page
    assert 'href="/account/tokens/"' in page  # where a token for "Authorize" comes from


def test_the_api_docs_have_no_inline_style_and_take_their_rules_from_a_static_file(owner_client):
    page = owner_client.get("/api/docs/").content.decode()

    assert "<style" not in page and not re.search(r"\sstyle=", page)
    assert re.search(r'<link rel="stylesheet" href="/static/advisor/api_docs\.css', page)
    assert "box-sizing" in open(finders.find("advisor/api_docs.css")).read()
