"""A member downloads the PDF report from the workload page, in Debian's Chromium."""

from __future__ import annotations

import pytest

from advisor.models import Team
from advisor.workloads import services

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def report_workload(member):
    # Made before the browser starts (see conftest): no ORM calls once Playwright runs.
    workload = services.workload_create(
        user=member,
        team=Team.objects.get(slug="browser"),
        profile_data={
            "name": "Nightly invoice agent",
            "requests_per_day": 800,
            "pattern": "batch",
            "trigger": "schedule",
            "inference": "hosted_api",
            "hosted_model": "claude-haiku-4.5",
        },
    )
    return workload, workload.assessments.get().pk


def test_a_member_downloads_the_pdf_report_from_the_workload_page(
    live_server, report_workload, signed_in_page
):
    workload, assessment_id = report_workload
    page = signed_in_page
    page.goto(f"{live_server.url}/workloads/{workload.pk}/")

    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="Download PDF report").click()  # a POST form
    download = download_info.value

    assert download.suggested_filename == "nightly-invoice-agent-assessment-1.pdf"  # its number, not its id
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    # Chromium reports a navigation that became a download as an aborted request.
    assert page.console.errors == []
    assert [url for url in page.console.failed if not url.endswith("/report.pdf")] == []
