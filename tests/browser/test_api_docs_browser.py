"""/api/docs/ in Chromium: Swagger UI drawn under the CSP with no console error, and a way back."""

from __future__ import annotations

from playwright.sync_api import expect


def test_the_api_docs_draw_with_no_console_error_and_lead_back_to_the_workloads(live_server, signed_in_page):
    page = signed_in_page
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Placement Advisor API")
    page.locator("#operations-v1-v1_teams_list .opblock-summary-control").click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()
    expect(page.locator(".live-responses-table .response .response-col_status")).to_have_text("200")

    assert not page.console.errors, page.console.errors  # a refused inline style is a console error
    page.get_by_role("link", name="Placement Advisor").click()
    page.wait_for_url("**/workloads/")
