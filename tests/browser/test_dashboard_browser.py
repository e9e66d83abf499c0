"""The dashboard in Chromium: every chart drawn under the CSP, and the what-if moving the advice."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from advisor.models import Team
from advisor.workloads import services

SUPPORT_BOT = {
    "name": "Support ticket bot",
    "requests_per_day": 2000,
    "pattern": "business_hours",
    "trigger": "event",
    "request_duration_s": 4,
    "max_duration_s": 8,
    "wait_fraction": 0.85,
    "orchestration_steps": 3,
    "inference": "hosted_api",
    "hosted_model": "claude-haiku-4.5",
}


@pytest.fixture
def workload(member):
    return services.workload_create(
        user=member, team=Team.objects.get(slug="browser"), profile_data=SUPPORT_BOT
    )


def open_dashboard(page, base_url, workload, scroll_through_charts):
    # Waits through locators: Playwright's wait_for_function evaluates strings, which the CSP refuses.
    page.goto(f"{base_url}/workloads/{workload.pk}/")
    scroll_through_charts(page)  # charts below the fold are drawn once scrolled to


def test_the_dashboard_draws_every_chart_with_no_console_error(
    live_server, workload, signed_in_page, scroll_through_charts
):
    page = signed_in_page
    open_dashboard(page, live_server.url, workload, scroll_through_charts)
    keys = page.locator("figure.chart").evaluate_all("figs => figs.map(f => f.id)")
    # No payback chart: the workload enters no refactoring effort, so there is nothing to repay.
    assert keys == ["chart-split", "chart-costs", "chart-break_even", "chart-repatriation"]
    for key in keys:  # drawn means an SVG with content, not an empty box
        assert page.locator(f"#{key} .main-svg").count() >= 1
    assert page.locator("#chart-costs .bars path").count() > 5
    assert not page.console.errors, page.console.errors  # CSP violations are console errors
    assert not page.console.failed, page.console.failed


def test_dragging_volume_past_the_break_even_moves_the_nerves_to_containers(
    live_server, workload, signed_in_page, scroll_through_charts
):
    page = signed_in_page
    open_dashboard(page, live_server.url, workload, scroll_through_charts)
    slider = page.get_by_role("slider", name="Requests a day")
    slider.focus()
    page.keyboard.press("End")  # the keyboard, as a person without a mouse would
    nerves = page.locator(".whatif-layer[data-layer=nerves]")
    nerves.wait_for()
    assert "ECS on Fargate" in nerves.inner_text() and "changed, was AWS Lambda" in nerves.inner_text()
    assert page.locator("#whatif-out-requests_log10").inner_text() == "100,000,000 a day"
    page.locator("#chart-whatif_costs[data-drawn=yes]").wait_for()
    page.keyboard.press("Home")  # back to one request a day: the advice returns to the saved one
    expect(page.locator("#whatif-out-requests_log10")).to_have_text("1 a day")
    page.locator(".whatif-layer[data-layer=nerves]:not(.changed)").wait_for()
    assert not page.console.errors, page.console.errors


def test_the_dashboard_fits_a_phone_screen(live_server, workload, signed_in_page, scroll_through_charts):
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    open_dashboard(page, live_server.url, workload, scroll_through_charts)
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0
    assert not page.console.errors, page.console.errors


def test_the_break_even_by_wait_table_shows_its_numbers_within_its_column(
    live_server, workload, signed_in_page, scroll_through_charts
):
    page = signed_in_page
    page.set_viewport_size({"width": 1280, "height": 900})
    open_dashboard(page, live_server.url, workload, scroll_through_charts)
    table = page.locator("table", has=page.locator("caption", has_text="How waiting moves the break-even"))
    expect(table).to_have_count(1)
    assert table.locator("tbody tr").count() == 5
    # Inside its scrolling wrapper, the table must fit: a hidden column read "5," before.
    hidden = table.evaluate("t => t.scrollWidth - t.parentElement.clientWidth")
    assert hidden <= 0
