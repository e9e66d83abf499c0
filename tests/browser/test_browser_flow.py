"""A person signs in, fills the intake form and sees the Brain / Memory / Nerves cards."""

from __future__ import annotations

PASSWORD = "a-browser-password-1"  # the member fixture's, in conftest.py


def test_a_member_signs_in_creates_a_workload_and_sees_the_three_cards(live_server, member, browser_page):
    page = browser_page
    failed = []
    page.on("requestfailed", lambda r: failed.append(r.url))

    page.goto(f"{live_server.url}/workloads/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
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
