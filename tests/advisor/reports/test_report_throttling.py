"""PDF renders are started by a POST only, limited per user (``THROTTLE_REPORT``) on the page and the
API together; a GET reads and never creates a report or sends work."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from advisor.models import Report
from advisor.reports import services as reports
from advisor.reports import tasks

FAKE_PDF = b"%PDF-1.7 a stand-in for a rendered report"


@pytest.fixture
def sent(monkeypatch):
    """Messages for the render task, kept instead of run; and no throttle counts left over."""
    cache.clear()
    messages = []
    monkeypatch.setattr(tasks.report_render_task, "apply_async", lambda **kw: messages.append(kw["kwargs"]))
    yield messages
    cache.clear()


@pytest.fixture
def renders(monkeypatch):
    monkeypatch.setattr(
        reports,
        "report_build",
        lambda **kw: reports.RenderedReport(
            pdf=FAKE_PDF, figures_seconds=0.0, pdf_seconds=0.0, warm_browser=False
        ),
    )


def _rate() -> int:
    rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].get("report", "10/min")  # the documented default
    count, period = rate.split("/")
    assert period.startswith("m"), "this test counts requests within one minute"
    return int(count)


@pytest.mark.django_db(transaction=True)  # renders are sent on commit
def test_posts_beyond_the_rate_get_429_with_retry_after_on_the_api_and_the_page_alike(
    viewer, viewer_client, api, workload, sent
):
    assessment = workload.assessments.get()
    api_url = f"/api/v1/workloads/{workload.pk}/assessments/{assessment.pk}/report.pdf"
    page_url = reverse("assessment-report", args=[workload.pk, assessment.pk])
    limit = _rate()

    answers = [api(viewer).post(api_url).status_code for _ in range(limit // 2)]
    answers += [viewer_client.post(page_url).status_code for _ in range(limit - limit // 2)]
    assert answers == [202] * (limit // 2) + [302] * (limit - limit // 2)

    over_api, over_page = api(viewer).post(api_url), viewer_client.post(page_url)
    assert over_api.status_code == over_page.status_code == 429
    assert int(over_api["Retry-After"]) > 0 and int(over_page["Retry-After"]) > 0
    assert "non_field_errors" in over_api.json()
    assert len(sent) == 1  # and however often it was asked, one render


@pytest.mark.django_db(transaction=True)
def test_a_get_of_a_report_that_does_not_exist_yet_creates_no_row_and_enqueues_nothing(
    viewer, viewer_client, api, workload, sent
):
    assessment = workload.assessments.get()
    page_urls = [
        reverse("workload-report", args=[workload.pk]),
        reverse("assessment-report", args=[workload.pk, assessment.pk]),
    ]
    api_urls = [
        f"/api/v1/workloads/{workload.pk}/report.pdf",
        f"/api/v1/workloads/{workload.pk}/assessments/{assessment.pk}/report.pdf",
    ]

    pages = [viewer_client.get(url, follow=True) for url in page_urls]
    polls = [viewer_client.get(page_urls[1], HTTP_HX_REQUEST="true")]
    answers = [api(viewer).get(url) for url in api_urls]

    assert Report.objects.count() == 0 and sent == []
    for page in pages + polls:
        html = page.content.decode()
        assert page.status_code == 200 and "Prepare PDF report" in html
        assert f'<form method="post" action="{page_urls[1]}">' in html and "every 2s" not in html
    for answer in answers:
        assert answer.status_code == 404 and answer.json()["status"] == "none"


@pytest.mark.django_db(transaction=True)
def test_the_post_starts_the_render_and_the_get_then_serves_it(viewer_client, workload, renders):
    url = reverse("workload-report", args=[workload.pk])

    posted = viewer_client.post(url)
    served = viewer_client.get(posted["Location"])

    assert posted.status_code == 302 and Report.objects.get().status == Report.Status.READY
    assert served["Content-Type"] == "application/pdf" and served.content == FAKE_PDF
