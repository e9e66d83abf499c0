"""The dashboard draws the charts in view at once and the ones below the fold when scrolled to.

Drawing every chart on load cost a first visit about 0.7 s (BENCHMARKS.md, section 4); the
charts nobody has scrolled to yet wait, but printing, a browser without IntersectionObserver
and code asking for every chart still get them all.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from advisor.models import Team
from advisor.workloads import services
from placement.presets import PRESETS

# Two animation frames: an IntersectionObserver reports its first look within one.
AFTER_TWO_FRAMES = "() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))"
BELOW_THE_WINDOW_PX = "f => f.getBoundingClientRect().top - window.innerHeight"
PAGE_HEIGHT = "() => document.documentElement.scrollHeight"


@pytest.fixture
def workload(member):
    # Before the page fixture: no ORM calls once Playwright's event loop runs (see conftest).
    return services.workload_create(
        user=member,
        team=Team.objects.get(slug="browser"),
        profile_data=PRESETS["agent_orchestrator"].profile,
    )


def open_dashboard(page, base_url, workload):
    page.goto(f"{base_url}/workloads/{workload.pk}/")
    expect(page.locator("#chart-split")).to_have_attribute("data-drawn", "yes")  # in view: drawn
    page.evaluate(AFTER_TWO_FRAMES)


def test_a_chart_below_the_fold_is_drawn_when_scrolled_to_and_not_before(
    live_server, workload, signed_in_page
):
    page = signed_in_page
    open_dashboard(page, live_server.url, workload)
    last = page.locator("figure.chart").last
    # Well below the window and its 200 px look-ahead, so not drawn on load.
    assert last.evaluate(BELOW_THE_WINDOW_PX) > 400
    assert last.get_attribute("data-drawn") is None
    assert last.locator(".main-svg").count() == 0
    page_height = page.evaluate(PAGE_HEIGHT)

    last.scroll_into_view_if_needed()
    expect(last).to_have_attribute("data-drawn", "yes")
    assert last.locator(".main-svg").count() >= 1
    # Its room was kept while it waited: drawing it moves nothing below it.
    assert page.evaluate(PAGE_HEIGHT) == page_height
    assert not page.console.errors, page.console.errors
    assert not page.console.failed, page.console.failed


def test_without_intersection_observer_every_chart_is_drawn_on_load(live_server, workload, signed_in_page):
    page = signed_in_page
    page.add_init_script("delete window.IntersectionObserver;")  # an older browser
    page.goto(f"{live_server.url}/workloads/{workload.pk}/")
    expect(page.locator("figure.chart").first).to_be_visible()
    expect(page.locator("figure.chart:not([data-drawn=yes])")).to_have_count(0)
    assert page.locator("figure.chart").count() >= 4  # split, costs, break-even, repatriation
    assert not page.console.errors, page.console.errors


def test_printing_draws_every_chart(live_server, workload, signed_in_page):
    page = signed_in_page
    open_dashboard(page, live_server.url, workload)
    undrawn = page.locator("figure.chart:not([data-drawn=yes])")
    assert undrawn.count() > 0  # some wait below the fold
    page.evaluate("() => window.dispatchEvent(new Event('beforeprint'))")  # what window.print() sends
    expect(undrawn).to_have_count(0)
    for key in page.locator("figure.chart").evaluate_all("figs => figs.map(f => f.id)"):
        assert page.locator(f"#{key} .main-svg").count() >= 1, key
    assert not page.console.errors, page.console.errors


def test_code_that_needs_every_chart_can_ask_for_them(live_server, workload, signed_in_page):
    page = signed_in_page
    open_dashboard(page, live_server.url, workload)
    page.evaluate("() => window.advisorCharts.drawAll()")
    expect(page.locator("figure.chart:not([data-drawn=yes])")).to_have_count(0)
