"""The PDF report says plainly what each figure includes, draws only charts that mean something,
and leaves no page nearly empty. Read as a reader reads it: pdftotext on the rendered PDF."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from advisor.presentation.money import money_context
from advisor.reports.document import report_context
from advisor.reports.services import html_to_pdf, report_render
from advisor.workloads import services

pytestmark = pytest.mark.django_db

DEMO = json.loads((Path(__file__).resolve().parents[3] / "advisor" / "demo" / "workloads.json").read_text())
HAIKU_BOT = {
    "name": "Haiku bot",
    "requests_per_day": 20_000,
    "request_duration_s": 4,
    "wait_fraction": 0.8,
    "orchestration_steps": 3,
    "inference": "hosted_api",
    "hosted_model": "claude-haiku-4.5",
}
NO_MODEL_NAMED = {**HAIKU_BOT, "name": "Bedrock with no model named", "hosted_model": None}


def folded(text: str) -> str:
    return " ".join(text.split())


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text as pdftotext lays it out (form feeds between pages)."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return text.split("\f")[:-1]


def text_without_charts(workload) -> str:
    """The report's text, rendered without the charts (no browser needed for the words)."""
    context = report_context(assessment=workload.assessments.get(), simulation=None, charts=[], svgs={})
    return folded(" ".join(pdf_pages(html_to_pdf(render_to_string("reports/report.html", context)))))


def test_the_repatriation_paragraph_says_its_cloud_side_is_the_headline_without_the_model_tokens(owner, team):
    workload = services.workload_create(user=owner, team=team, profile_data=HAIKU_BOT)
    money = money_context(workload.assessments.get().advice)
    rep = money["repatriation"]
    assert rep["tokens_monthly"] > 0  # the premise: the split buys tokens
    assert f"${rep['split_monthly']:,.2f}" == money["summary"]["recommended"]  # the headline's figure

    text = text_without_charts(workload)

    assert (
        f"Repatriation. 1 owned server (CPU only) against the cloud compute it would replace: "
        f"${rep['cloud_monthly']:,.2f} a month, the recommended split's {money['summary']['recommended']} "
        f"without its ${rep['tokens_monthly']:,.2f} of model tokens, which are bought either way, "
        "so neither side includes them."
    ) in text


def test_no_refactoring_effort_is_said_in_words_not_drawn_as_a_flat_line(owner, team):
    workload = services.workload_create(
        user=owner, team=team, profile_data={**HAIKU_BOT, "refactor_hours": 0}
    )

    text = text_without_charts(workload)

    assert (
        "Refactoring payback. No refactoring effort entered, so there is nothing to repay (and no payback "
        "chart); against everything on containers the split saves"
    ) in text
    assert "the move pays from the first month." in text
    assert "does not repay" not in text


def test_a_recommendation_without_a_price_keeps_its_row_and_says_why(owner, team):
    workload = services.workload_create(user=owner, team=team, profile_data=NO_MODEL_NAMED)
    advice = workload.assessments.get().advice
    assert (
        advice.split["brain"] == "bedrock" and "brain" in advice.monthly_cost.unpriced_layers
    )  # the premise

    brain = money_context(advice)["layers"][0]
    assert [(r["label"], r["chosen"], r["total_text"]) for r in brain["rows"]][:1] == [
        ("Amazon Bedrock", True, "not priced")
    ]
    assert "Amazon Bedrock" not in [u["label"] for u in brain["unpriced"]]

    text = text_without_charts(workload)
    assert (
        "Amazon Bedrock (recommended) not priced — Why the recommendation is not priced: "
        "The profile names no hosted model, so no token price applies."
    ) in text
    not_priced = re.search(r"Not priced for this profile: ([^.]*)\.", text).group(1)
    assert "Bedrock batch inference" in not_priced and "Amazon Bedrock" not in not_priced
    assert "No model is not priced" not in text


def test_the_page_shows_the_unpriced_recommendation_in_its_table_not_in_the_not_priced_list(
    owner_client, owner, team
):
    workload = services.workload_create(user=owner, team=team, profile_data=NO_MODEL_NAMED)

    page = folded(owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode())

    brain = page[page.index("<h3>Brain (inference)</h3>") : page.index("<h3>Memory (context)</h3>")]
    chosen = re.search(r'<tr class="chosen unpriced">(.*?)</tr>', brain).group(1)
    assert "Amazon Bedrock" in chosen and "recommended" in chosen and "not priced" in chosen
    assert "The profile names no hosted model, so no token price applies." in chosen
    unpriced = brain[brain.index("Not priced for this profile") :]
    assert "<strong>Amazon Bedrock</strong>" not in unpriced


def test_no_page_but_the_last_holds_only_a_few_lines(owner, team):
    """The demo that left a page holding its cost chart's title alone, and one holding the last
    three lines of the assumptions before "Next steps" started a page of its own."""
    profile = next(
        case["profile"]
        for case in DEMO["demo_team"]
        if case["profile"]["name"] == "Internal tool with a quantised 1B model"
    )
    workload = services.workload_create(user=owner, team=team, profile_data=profile)

    pages = pdf_pages(report_render(assessment=workload.assessments.get()))

    lines = [
        len([line for line in page.splitlines() if line.strip()]) - 2 for page in pages
    ]  # less header, footer
    assert all(count >= 10 for count in lines[:-1]), lines
    chart_page = next(page for page in pages if "Monthly cost per placement" in page)
    assert (
        "Brain (inference)" in chart_page and "Nerves (orchestration)" in chart_page
    )  # the chart with its title
