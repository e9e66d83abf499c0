"""The team portfolio in a real browser: it loads, draws its decision map, and fits a phone."""

from __future__ import annotations

import pytest

from advisor.workloads import services
from placement.presets import PRESETS

NAMES = ("Agent orchestrator", "RAG chatbot", "Batch document analysis")


@pytest.fixture
def portfolio_workloads(member):
    # Before the page fixture starts: see the comment on ``member`` in conftest.py.
    # Returns {name: projected monthly cost}, read here for the same reason.
    team = member.memberships.get().team
    workloads = [
        services.workload_create(
            user=member, team=team, profile_data={**PRESETS[key].profile, "current_monthly_cost": 4000}
        )
        for key in ("agent_orchestrator", "rag_chatbot", "batch_document_analysis")
    ]
    return {w.name: w.assessments.get().result["monthly_cost"]["total"] for w in workloads}


def _open_portfolio(page, live_server):
    page.goto(f"{live_server.url}/portfolio/")
    page.wait_for_url("**/teams/*/portfolio/")
    # On a phone the decision map sits below the fold: charts.js draws it once it is scrolled to.
    page.locator("figure#chart-decision_map").scroll_into_view_if_needed()
    page.wait_for_selector('figure#chart-decision_map[data-drawn="yes"]', timeout=20_000)


def _row_names(page) -> list[str]:
    return page.locator("#portfolio-table tbody th[scope=row]").all_inner_texts()


def test_the_portfolio_loads_with_its_table_and_decision_map(
    portfolio_workloads, live_server, signed_in_page
):
    page = signed_in_page
    page.get_by_role("link", name="Portfolio").click()
    page.wait_for_url("**/teams/*/portfolio/")
    page.wait_for_selector('figure#chart-decision_map[data-drawn="yes"]', timeout=20_000)
    assert page.locator("h1").inner_text() == "Browser team portfolio"
    assert _row_names(page) == sorted(NAMES)
    assert "Total of 3 workloads" in page.locator("#portfolio-table tfoot").inner_text()
    assert page.locator("figure#chart-decision_map .main-svg").count() >= 1
    assert page.console.errors == []
    assert page.console.failed == []


def test_the_columns_sort_from_the_keyboard(portfolio_workloads, live_server, signed_in_page):
    page = signed_in_page
    _open_portfolio(page, live_server)
    link = page.locator("#portfolio-table thead").get_by_role("link", name="Projected a month")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**?sort=projected")
    header = page.locator("#portfolio-table thead th[aria-sort]")
    assert header.get_attribute("aria-sort") == "ascending"
    assert _row_names(page) == sorted(portfolio_workloads, key=portfolio_workloads.get)
    assert page.console.errors == []


def test_the_portfolio_fits_a_phone_width(portfolio_workloads, live_server, signed_in_page):
    page = signed_in_page
    page.set_viewport_size({"width": 390, "height": 844})
    _open_portfolio(page, live_server)
    overflow = page.evaluate("document.body.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
    assert page.get_by_label("Sort by").is_visible()
    assert _row_names(page) == sorted(NAMES)
    assert page.console.errors == []


def test_the_compare_form_on_the_portfolio_opens_the_comparison(
    portfolio_workloads, live_server, signed_in_page
):
    page = signed_in_page
    _open_portfolio(page, live_server)
    page.get_by_label("First (A)").select_option(label="Agent orchestrator")
    page.get_by_label("Second (B)").select_option(label="RAG chatbot")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_url("**/compare/?a=*")
    assert page.locator(".compare-table tr.differs").count() > 0
    assert page.console.errors == []
