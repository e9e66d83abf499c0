"""A headline that leaves a layer out says so loudly: page, PDF, API, CLI text.

A 400B-parameter model at 16-bit fits no single GPU instance, so its Brain is
not priced; every output must say that the monthly total leaves it out.
"""

from __future__ import annotations

import json

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from advisor.reports.document import report_context
from advisor.workloads import services
from placement import advise, parse_profile

from ..management.test_commands import advise as advise_command

HUGE_MODEL = {
    "name": "A 400B model at 16-bit",
    "requests_per_day": 20_000,
    "inference": "self_hosted",
    "model_params_b": 400,
    "quantization_bits": 16,
    "request_duration_s": 8,
    "wait_fraction": 0.9,
    "output_tokens": 400,
}


@pytest.fixture
def huge(owner, team):
    return services.workload_create(user=owner, team=team, profile_data=dict(HUGE_MODEL))


def test_the_engine_says_which_layers_the_total_leaves_out():
    monthly = advise(parse_profile(dict(HUGE_MODEL))).to_dict()["monthly_cost"]
    assert monthly["complete"] is False and monthly["unpriced_layers"] == ["brain"]
    assert monthly["headline"].startswith("INCOMPLETE: $")
    assert "without Brain (inference)" in monthly["headline"]


def test_a_complete_headline_is_just_the_bill():
    monthly = advise(
        parse_profile({"name": "bot", "requests_per_day": 2_000, "inference": "none"})
    ).to_dict()["monthly_cost"]
    assert monthly["complete"] is True and monthly["headline"] == f"${monthly['total']:,.2f} a month"


def test_the_cli_text_opens_with_the_incomplete_headline(profile_file):
    result = advise_command(profile_file(HUGE_MODEL))
    assert result.returncode == 0, result.stderr
    assert "Monthly cost: INCOMPLETE: $" in result.stdout.splitlines()[2]
    assert "<< INCOMPLETE:" in result.stdout


@pytest.mark.django_db
def test_the_page_shows_a_banner_over_an_incomplete_total(owner_client, huge):
    page = owner_client.get(reverse("workload-detail", args=[huge.pk])).content.decode()
    assert 'class="incomplete-banner"' in page
    assert "Incomplete estimate." in page and "without Brain (inference)" in page


@pytest.mark.django_db
def test_the_api_says_the_total_is_incomplete(owner_client, huge):
    body = owner_client.get(f"/api/v1/workloads/{huge.pk}/").json()
    assert body["latest_assessment"]["monthly_cost_complete"] is False
    evaluated = owner_client.post(
        "/api/v1/evaluate/", data=json.dumps(HUGE_MODEL), content_type="application/json"
    ).json()
    assert evaluated["monthly_cost"]["headline"].startswith("INCOMPLETE:")


@pytest.mark.django_db
def test_the_pdf_cover_and_summary_say_the_total_is_incomplete(huge):
    context = report_context(assessment=huge.assessments.get(), simulation=None, charts=[], svgs={})
    assert context["money"]["summary"]["incomplete"].startswith("$")
    html = render_to_string("reports/report.html", context)
    assert "Incomplete estimate." in html and "(incomplete: without Brain (inference))" in html
