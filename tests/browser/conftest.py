"""Browser fixtures: Debian's Chromium driven by Playwright, a signed-in member, console capture."""

from __future__ import annotations

import os

import pytest

from advisor.models import Membership, Team

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORD = "a-browser-password-1"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(
                pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no chromium at {CHROMIUM}")
            )


@pytest.fixture
def member(live_server, django_user_model):
    # Created before Playwright starts: ORM calls made while its event loop runs
    # would open a connection in another context that test teardown cannot close.
    team = Team.objects.create(name="Browser team", slug="browser")
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    Membership.objects.create(user=user, team=team, role="owner")
    return user


class Console:
    """Console errors, page errors and failed requests seen while a test ran."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.failed: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.failed.append(r.url))


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses
    # to run inside one unless told the test knows what it is doing. Scoped to this
    # test so the flag never leaks into other tests or their subprocesses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page = context.new_page()
        page.console = Console(page)
        yield page
        browser.close()


@pytest.fixture
def signed_in_page(live_server, member, browser_page):
    """The browser page, signed in as the member (owner of "Browser team")."""
    page = browser_page
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/workloads/")
    return page


def _scroll_through_charts(page) -> None:
    """Scroll to each chart as a reader would, and wait until it is drawn.

    static/advisor/charts.js draws a chart below the fold only once it scrolls into view, so a
    test that needs every chart drawn reads the page down to its last chart first.
    """
    expect = sync_api.expect
    charts = page.locator("figure.chart")
    expect(charts.first).to_be_visible()
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        expect(chart).to_have_attribute("data-drawn", "yes")
    expect(page.locator("figure.chart:not([data-drawn=yes])")).to_have_count(0)


@pytest.fixture
def scroll_through_charts():
    """``scroll_through_charts(page)``: every chart of the page scrolled to and drawn."""
    return _scroll_through_charts
