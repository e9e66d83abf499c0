"""An assessment is called by its number within its workload ("assessment 3 of X"), never its database id."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from advisor.models import Assessment
from advisor.reports.document import report_context
from advisor.reports.services import report_filename
from advisor.workloads import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_workloads(owner, team, workload, profile):
    """Assessments of two workloads made in turns, so database ids and numbers part ways."""
    second = services.workload_create(user=owner, team=team, profile_data={**profile, "name": "Second"})
    services.assessment_request(user=owner, workload=workload)
    services.assessment_request(user=owner, workload=second)
    services.assessment_request(user=owner, workload=second)
    return workload, second


def test_each_workloads_assessments_are_numbered_from_one_in_the_order_made(two_workloads):
    first, second = two_workloads
    numbered = Assessment.objects.with_number().order_by("id")
    assert [(a.workload_id, a.number) for a in numbered] == [
        (first.pk, 1),
        (second.pk, 1),
        (first.pk, 2),
        (second.pk, 2),
        (second.pk, 3),
    ]


def test_an_assessment_read_alone_knows_its_number(two_workloads):
    _, second = two_workloads
    assert Assessment.objects.filter(workload=second).order_by("id").last().number == 3


def test_the_assessment_page_is_titled_with_its_number_in_its_workload(owner_client, two_workloads):
    _, second = two_workloads
    newest = second.assessments.order_by("id").last()
    html = owner_client.get(reverse("assessment-detail", args=[second.pk, newest.pk])).content.decode()
    assert "<h1>Assessment 3 of Second</h1>" in html


def test_the_workload_page_lists_its_assessments_by_number_in_one_query(
    owner_client, owner, two_workloads, django_assert_max_num_queries
):
    first, _ = two_workloads
    html = owner_client.get(reverse("workload-detail", args=[first.pk])).content.decode()
    assert ">Assessment 2</a>" in html and ">Assessment 1</a>" in html and ">Assessment 3</a>" not in html

    def queries() -> int:
        with django_assert_max_num_queries(1000) as captured:
            owner_client.get(reverse("workload-detail", args=[first.pk]))
        return len(captured.captured_queries)

    before = queries()
    for _ in range(4):
        services.assessment_request(user=owner, workload=first)
    assert queries() == before  # no query per listed assessment


def test_the_api_gives_the_number_beside_the_id(api, owner, two_workloads):
    _, second = two_workloads
    client = api(owner)
    listed = client.get(f"/api/v1/workloads/{second.pk}/assessments/").json()["results"]
    assert [a["number"] for a in listed] == [3, 2, 1]
    one = client.get(f"/api/v1/workloads/{second.pk}/assessments/{listed[0]['id']}/").json()
    assert one["number"] == 3
    assert client.get(f"/api/v1/workloads/{second.pk}/").json()["latest_assessment"]["number"] == 3


def test_the_pdf_names_the_assessment_by_its_number(two_workloads):
    _, second = two_workloads
    newest = second.assessments.order_by("id").last()
    html = render_to_string(
        "reports/report.html", report_context(assessment=newest, simulation=None, charts=[], svgs={})
    )
    assert "Assessment 3 of Second," in html and f"Assessment {newest.pk} " not in html
    assert report_filename(newest) == "second-assessment-3.pdf"


def test_the_compare_page_names_the_assessment_a_side_comes_from(owner_client, two_workloads):
    first, second = two_workloads
    html = owner_client.get(reverse("compare") + f"?a={first.pk}&b={second.pk}").content.decode()
    assert "assessment 2, " in html and "assessment 3, " in html
