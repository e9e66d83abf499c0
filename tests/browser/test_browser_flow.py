"""A person signs in, fills the intake form and sees the Brain / Memory / Nerves cards."""
from __future__ import annotations

import os

import pytest

from advisor.models import Membership, Team

sync_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not os.path.exists(CHROMIUM),
                                                      reason=f"no chromium at {CHROMIUM}")]


@pytest.fixture
def member(live_server, django_user_model):
    # Created before Playwright starts: ORM calls made while its event loop runs
    # would open a connection in another context that test teardown cannot close.
    team = Team.objects.create(name="Browser team", slug="browser")
    user = django_user_model.objects.create_user("ada", password="a-browser-password-1")
    Membership.objects.create(user=user, team=team, role="owner")
    return user


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses
    # to run inside one unless told the test knows what it is doing. Scoped to this
    # test so the flag never leaks into other tests or their subprocesses.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        yield page
        browser.close()


def test_a_member_signs_in_creates_a_workload_and_sees_the_three_cards(
        live_server, member, browser_page):
    page = browser_page
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))

    page.goto(f"{live_server.url}/workloads/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill("a-browser-password-1")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="New workload").click()

    page.get_by_label("Name").fill("Browser-made bot")
    page.get_by_label("Requests per day").fill("2500")
    page.get_by_label("Wait fraction").fill("0.9")
    page.get_by_label("Trigger").select_option("event")
    page.get_by_label("Hosted model").fill("claude-haiku-4.5")
    page.get_by_role("button", name="Create and assess").click()

    page.wait_for_selector(".layer-card")
    assert page.locator("h1").inner_text() == "Browser-made bot"
    cards = page.locator("article.layer-card")
    assert cards.count() == 3
    titles = [cards.nth(i).locator(".layer-title").inner_text() for i in range(3)]
    assert [t.split()[0] for t in titles] == ["Brain", "Memory", "Nerves"]
    for i in range(3):
        assert cards.nth(i).locator(".placement-label").inner_text().strip()
    assert not failed, failed  # every script and stylesheet came from our own server
