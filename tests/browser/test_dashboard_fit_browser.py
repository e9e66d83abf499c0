"""The dashboard in Chromium: the split diagram fits a phone, and the what-if follows the keyboard quietly."""

from __future__ import annotations

import math

import pytest
from playwright.sync_api import expect

from advisor.models import Team
from advisor.workloads import services
from advisor.workloads.forms import whatif_outputs
from placement import presets

PHONE = {"width": 390, "height": 844}

# Every box of the split with the text drawn in it, every text with its box, in page pixels.
SPLIT_GEOMETRY = """figure => {
  const rect = e => { const r = e.getBoundingClientRect();
                      return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; };
  return {
    figure: rect(figure),
    boxes: [...figure.querySelectorAll('.shapelayer path')].map(rect),
    texts: [...figure.querySelectorAll('.annotation-text-g text')]
      .filter(t => t.textContent.trim()).map(t => ({text: t.textContent, ...rect(t)})),
    overflowing: [figure, ...figure.querySelectorAll('*')]
      .filter(e => e instanceof HTMLElement && e.scrollWidth > e.clientWidth)
      .map(e => e.className || e.tagName),
  };
}"""


@pytest.fixture
def workload(request, member):
    # A fixture, asked for before signed_in_page: an ORM call made while Playwright's event loop
    # runs opens a connection test teardown cannot close, and the test database is then left behind.
    return services.workload_create(
        user=member,
        team=Team.objects.get(slug="browser"),
        profile_data=presets.PRESETS[request.param].profile,
    )


def open_dashboard(page, base_url, workload, scroll_through_charts):
    # Waits through locators: Playwright's wait_for_function evaluates strings, which the CSP refuses.
    page.goto(f"{base_url}/workloads/{workload.pk}/")
    scroll_through_charts(page)  # charts below the fold are drawn once scrolled to


def within(inner: dict, outer: dict, slack: float = 0.5) -> bool:
    return (
        inner["left"] >= outer["left"] - slack
        and inner["right"] <= outer["right"] + slack
        and inner["top"] >= outer["top"] - slack
        and inner["bottom"] <= outer["bottom"] + slack
    )


def overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


# Long placement names: "Step Functions Distributed Map", "SageMaker asynchronous inference", ...
@pytest.mark.parametrize(
    "workload", ["agent_orchestrator", "batch_document_analysis", "one_off_backfill"], indirect=True
)
def test_on_a_phone_every_text_of_the_split_stays_inside_its_box(
    live_server, workload, signed_in_page, scroll_through_charts
):
    page = signed_in_page
    page.set_viewport_size(PHONE)
    open_dashboard(page, live_server.url, workload, scroll_through_charts)
    split = page.locator("#chart-split").evaluate(SPLIT_GEOMETRY)
    assert not split["overflowing"], split["overflowing"]
    assert len(split["boxes"]) == 3
    for text in split["texts"]:
        assert within(text, split["figure"]), text
        holders = [box for box in split["boxes"] if overlap(text, box)]
        # A text is either wholly in one box (layer, placement, cost) or clear of them all ("Requests").
        assert len(holders) <= 1 and all(within(text, box) for box in holders), text
    for first, second in zip(split["texts"], split["texts"][1:]):
        assert not overlap(first, second), (first, second)
    assert split["figure"]["right"] <= PHONE["width"]
    assert not page.console.errors, page.console.errors


@pytest.mark.parametrize("workload", ["rag_chatbot"], indirect=True)
def test_holding_an_arrow_key_on_a_what_if_slider_logs_no_error_and_shows_the_last_value(
    live_server, workload, signed_in_page, scroll_through_charts
):
    page = signed_in_page
    open_dashboard(page, live_server.url, workload, scroll_through_charts)
    slider = page.get_by_role("slider", name="Requests a day")
    slider.focus()
    for burst in range(3):  # key repeats, then a pause long enough for an answer to be on its way
        for _ in range(6):
            page.keyboard.press("ArrowRight", delay=20)
        page.wait_for_timeout(350 if burst < 2 else 0)
    final = float(slider.input_value())
    expected = whatif_outputs(
        {"requests_per_day": 10**final, "wait_fraction": 0, "request_duration_s": 1, "peak_to_average": 1}
    )["requests_log10"]
    expect(page.locator("#whatif-out-requests_log10")).to_have_text(expected, timeout=15_000)
    expect(page.locator("#whatif-result .whatif-headline")).to_be_visible()
    page.wait_for_timeout(1000)  # any answer still queued arrives, and must agree
    assert page.locator("#whatif-out-requests_log10").inner_text() == expected
    assert math.isclose(float(slider.input_value()), final)
    assert not page.console.errors, page.console.errors  # htmx logs an aborted request as an error
    assert not page.console.failed, page.console.failed
