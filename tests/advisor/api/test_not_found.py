"""A URL under /api/ that no route matches answers a JSON 404, with DEBUG on (``make run``) as off.

With DEBUG on Django shows its technical 404 page (every URL pattern, in HTML) instead of
calling ``handler404``; the API's last route answers before it gets there.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

UNKNOWN = ["/api/v1/nope/", "/api/v1/workloads/abc/", "/api/nope", "/api/", "/api/v2/workloads/"]


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    settings.DEBUG = request.param
    return request.param


@pytest.mark.parametrize("url", UNKNOWN)
def test_an_unknown_api_url_answers_a_json_404(api, owner, debug, url):
    response = api(owner).get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_every_method_on_an_unknown_api_url_answers_a_json_404_not_a_csrf_page(client, owner, debug, method):
    client.force_login(owner)
    client.handler.enforce_csrf_checks = True  # as a browser's session: no CSRF token sent

    response = getattr(client, method)("/api/v1/nope/", "{}", content_type="application/json")

    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_a_signed_out_client_gets_the_same_json_404(client, debug):
    response = client.get("/api/v1/nope/")

    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_a_get_without_its_trailing_slash_is_still_redirected_to_the_route(api, owner, debug):
    response = api(owner).get("/api/v1/workloads?search=bot")

    assert response.status_code == 301 and response["Location"] == "/api/v1/workloads/?search=bot"


def test_a_post_without_its_trailing_slash_is_told_the_url_to_use(api, owner, debug):
    # Django would redirect (a client then GETs the list) or, with DEBUG, raise a RuntimeError (500).
    response = api(owner).post("/api/v1/workloads", {"name": "x", "requests_per_day": 1}, format="json")

    assert response.status_code == 404
    assert response.json() == {
        "detail": "Not found. Did you mean /api/v1/workloads/ (with the trailing slash)?"
    }


def test_pages_outside_the_api_keep_the_html_404(owner_client):
    response = owner_client.get("/no-such-page/")

    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
