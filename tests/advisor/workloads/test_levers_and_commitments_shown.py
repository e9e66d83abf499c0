"""Issue 15, "done when": the page, the PDF, the API and the CLI show the cost levers and the
commitment, and the what-if toggles the commitment.

Every test is driven by the real ``advise()`` of a profile that triggers what it shows: a
200,000-token prompt of which 90% repeats (prompt caching), a self-hosted model behind a
container fleet bought on 1-year Savings Plans, a one-off backfill with a deadline. The
figures asserted are the engine's own, as each surface must print them.
"""

from __future__ import annotations

import html
import io
import json
import math
import re
import subprocess

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.urls import reverse

from advisor.advice_record import StoredAdvice
from advisor.models import Assessment, Workload
from advisor.reports.document import report_context
from advisor.reports.services import html_to_pdf
from advisor.workloads import services
from advisor.workloads.forms import WhatIfForm
from placement import advise, parse_profile
from placement.profile import FIELDS_BY_NAME

pytestmark = pytest.mark.django_db

# 200,000 input tokens at 50,000 requests a day on Claude Sonnet 4.5: $912,500 a month of input
# tokens, 90% of them the same prompt from one request to the next (the example).
CACHED_PROMPT = {
    "name": "Long prompt assistant",
    "requests_per_day": 50_000,
    "inference": "hosted_api",
    "hosted_model": "claude-sonnet-4.5",
    "input_tokens": 200_000,
    "repeated_prompt_share": 0.9,
}
# A steady self-hosted 8B model behind an always-on container fleet: compute that Compute and
# SageMaker Savings Plans discount, bought for a year.
COMMITTED = {
    "name": "Committed fleet",
    "requests_per_day": 500_000,
    "request_duration_s": 2,
    "wait_fraction": 0.3,
    "inference": "self_hosted",
    "model_params_b": 8,
    "quantization_bits": 16,
    "pattern": "steady",
    "commitment": "1y",
}
# The one-off 10-day backfill: 2 million documents summarised by a hosted model.
BACKFILL = {
    "name": "Summary backfill",
    "job_total_requests": 2_000_000,
    "job_deadline_days": 10,
    "trigger": "queue",
    "pattern": "batch",
    "request_duration_s": 5,
    "wait_fraction": 0.8,
    "inference": "hosted_api",
    "hosted_model": "claude-haiku-4.5",
    "input_tokens": 2_000,
    "output_tokens": 300,
}


def advice_of(profile: dict) -> dict:
    return advise(parse_profile(profile)).to_dict()


def text(content: bytes | str) -> str:
    """A page's text as a reader sees it: tags dropped, entities decoded, whitespace folded."""
    raw = content.decode() if isinstance(content, bytes) else content
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", raw)).split())


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return folded(out)


def folded(words: str) -> str:
    """Whitespace folded and a line broken after a hyphen joined again ("3- year"), as in the PDF."""
    return re.sub(r"-\s+", "-", " ".join(words.split()))


def usd(amount: float) -> str:
    return f"${amount:,.2f}"


@pytest.fixture
def create(owner, team):
    def make(profile: dict):
        return services.workload_create(user=owner, team=team, profile_data=profile)

    return make


def page(client, workload) -> str:
    response = client.get(reverse("workload-detail", args=[workload.pk]))
    assert response.status_code == 200
    return text(response.content)


def the_levers(result: dict) -> list[dict]:
    levers = result["levers"]
    assert levers, "the profile should trigger at least one lever"
    return levers


def test_a_repeated_long_prompt_gets_prompt_caching_with_a_priced_saving():
    levers = advice_of(CACHED_PROMPT)["levers"]
    caching = next(lever for lever in levers if lever["id"] == "prompt_caching")
    assert caching["layer"] == "brain" and caching["monthly_saving"] > 0
    assert caching["source"]["url"].startswith("https://")
    savings = [lever["monthly_saving"] for lever in levers if lever["monthly_saving"] is not None]
    assert savings == sorted(savings, reverse=True)  # best saving first


# -- the page --------------------------------------------------------------------------------


def test_the_page_names_each_lever_with_its_saving_text_and_source(owner_client, create):
    workload = create(CACHED_PROMPT)
    shown = page(owner_client, workload)
    raw = owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    assert "Cost levers" in shown
    for lever in the_levers(workload.assessments.get().result):
        assert lever["title"] in shown and " ".join(lever["text"].split()) in shown
        if lever["monthly_saving"] is None:
            assert "saving not priced" in shown
        else:
            assert f"saves about {usd(lever['monthly_saving'])} a month" in shown
        assert f'href="{lever["source"]["url"]}"' in raw


def test_the_page_heads_with_the_committed_month_and_the_on_demand_one_beside_it(owner_client, create):
    workload = create(COMMITTED)
    monthly = workload.assessments.get().result["monthly_cost"]
    commitment = monthly["commitment"]
    assert commitment["term"] == "1y" and commitment["total"] < commitment["on_demand_total"]
    shown = page(owner_client, workload)
    assert monthly["headline"] in shown
    assert (
        f"{usd(commitment['total'])} a month with {commitment['label']} "
        f"({usd(commitment['on_demand_total'])} on demand)"
    ) in shown
    assert f"Bought as: {commitment['label']}" in shown
    for terms in commitment["by_layer"].values():  # each layer's plan, on demand and committed
        assert terms["plan"] in shown
        assert usd(terms["on_demand"]) in shown and usd(terms["committed"]) in shown


def test_a_one_off_job_shows_its_total_where_a_workload_shows_its_month(owner_client, create):
    workload = create(BACKFILL)
    job = workload.assessments.get().result["monthly_cost"]["job"]
    assert job["deadline_days"] == 10 and job["items"] == 2_000_000
    assert job["headline"].startswith("One-off job: ") and "in total over 10 days" in job["headline"]
    shown = page(owner_client, workload)
    assert job["headline"] in shown
    assert f"{usd(job['total'])} in total over 10 days" in shown


def test_a_one_off_jobs_levers_say_what_they_save_over_the_job_before_the_month():
    from advisor.presentation.advice import lever_rows

    result = advice_of(BACKFILL)
    job = result["monthly_cost"]["job"]
    rows = [row for row in lever_rows(StoredAdvice.from_engine(result)) if row["priced"]]
    assert rows, "the backfill has a priced lever (Spot on its Nerves)"
    for row in rows:
        over_job = row["monthly_saving"] * job["total"] / job["monthly_equivalent"]
        assert row["saving_text"] == (
            f"${over_job:,.2f} over the job (${row['monthly_saving']:,.2f} a month while it runs)"
        )


def test_a_region_priced_at_another_regions_rates_says_so_above_everything(owner_client, create):
    workload = create({**CACHED_PROMPT, "region": "ap-southeast-2"})  # no catalog of its own
    result = workload.assessments.get().result
    assert result["pricing"] == {"region": "ap-southeast-2", "catalog_region": "us-east-1", "fallback": True}
    shown = page(owner_client, workload)
    assert "Priced at us-east-1 rates." in shown and "import_prices" in shown
    assert shown.index("Priced at us-east-1 rates.") < shown.index("Cost levers")


def test_an_assessment_stored_before_levers_and_commitments_still_renders(owner_client, create):
    workload = create(COMMITTED)
    assessment = workload.assessments.get()
    old = assessment.result
    for key in ("levers", "pricing", "schema_version"):  # an older engine stamped no version either
        old.pop(key, None)
    for key in ("commitment", "job"):
        old["monthly_cost"].pop(key, None)
    Assessment.objects.filter(pk=assessment.pk).update(result=old)  # as an older engine stored it
    shown = page(owner_client, workload)
    assert "Cost levers" not in shown and "Bought as:" not in shown
    assert old["monthly_cost"]["headline"] in shown
    assert (
        owner_client.get(reverse("assessment-detail", args=[workload.pk, assessment.pk])).status_code == 200
    )
    assessment.refresh_from_db()
    printed = report_pdf_text(assessment)  # and its report, as it was given
    assert "Cost levers" not in printed and "Bought as:" not in printed


# -- the what-if -----------------------------------------------------------------------------


def whatif(client, workload, **controls):
    data = {**WhatIfForm.positions(workload.assessments.get().profile), **controls}
    if data.pop("spot_allowed"):
        data["spot_allowed"] = "on"  # an unticked box is not sent at all
    return client.post(reverse("workload-whatif", args=[workload.pk]), data, HTTP_HX_REQUEST="true")


def test_the_what_if_offers_the_commitment_and_spot(owner_client, create):
    workload = create({**COMMITTED, "commitment": "none"})
    raw = owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    assert 'name="commitment"' in raw and 'name="spot_allowed"' in raw
    assert '<option value="3y">3-year Savings Plans</option>' in raw


def test_toggling_the_commitment_in_the_what_if_changes_the_headline_total(owner_client, create):
    workload = create({**COMMITTED, "commitment": "none"})
    on_demand = workload.assessments.get().result["monthly_cost"]["total"]
    response = whatif(owner_client, workload, commitment="3y")
    assert response.status_code == 200
    shown = text(response.content)
    expected = advice_of({**COMMITTED, "commitment": "3y"})["monthly_cost"]
    assert expected["total"] < on_demand
    assert f"Monthly: {usd(expected['total'])}" in shown
    assert f"with 3-year Savings Plans ({usd(expected['commitment']['on_demand_total'])} on demand)" in shown
    assert math.isclose(expected["commitment"]["on_demand_total"], on_demand, rel_tol=1e-9)
    assert "Terms: 3-year Savings Plans." in shown and "Save as version 2" in shown


def test_allowing_spot_in_the_what_if_prices_the_variant_with_spot(owner_client, create):
    workload = create(COMMITTED)
    shown = text(whatif(owner_client, workload, spot_allowed=True).content)
    expected = advice_of({**COMMITTED, "spot_allowed": True})["monthly_cost"]
    assert f"Monthly: {usd(expected['total'])}" in shown
    assert "Terms: 1-year Savings Plans, Spot allowed." in shown


def test_the_what_if_left_alone_keeps_the_saved_terms(owner_client, create):
    workload = create(COMMITTED)
    saved = workload.assessments.get().result["monthly_cost"]["total"]
    shown = text(whatif(owner_client, workload).content)
    assert f"+$0.00 against the saved {usd(saved)}" in shown
    assert "Save as version" not in shown


def test_saving_a_what_if_keeps_the_commitment_it_toggled(owner_client, create):
    workload = create({**COMMITTED, "commitment": "none"})
    data = {**WhatIfForm.positions(workload.assessments.get().profile), "commitment": "3y"}
    data.pop("spot_allowed")
    response = owner_client.post(reverse("workload-whatif-save", args=[workload.pk]), data)
    assert response.status_code == 302
    workload.refresh_from_db()
    assert workload.version == 2 and workload.profile["commitment"] == "3y"
    assert workload.profile["requests_per_day"] == COMMITTED["requests_per_day"]  # untouched


def test_moving_the_volume_of_a_one_off_job_moves_its_total_not_a_daily_rate(owner_client, create):
    workload = create(BACKFILL)
    # The slider at 10**5.6 a day: 398,000 a day to three figures, so 3,980,000 items over 10 days.
    response = whatif(owner_client, workload, requests_log10=5.6)
    assert response.status_code == 200, text(response.content)
    job = advice_of({**BACKFILL, "job_total_requests": 3_980_000})["monthly_cost"]["job"]
    assert job["headline"] in text(response.content)


# -- the PDF ---------------------------------------------------------------------------------


def report_pdf_text(assessment) -> str:
    document = render_to_string(
        "reports/report.html", report_context(assessment=assessment, simulation=None, charts=[], svgs={})
    )
    return pdf_text(html_to_pdf(document))


def test_the_pdf_lists_the_levers_and_the_committed_headline(create):
    cached = create(CACHED_PROMPT).assessments.get()
    shown = report_pdf_text(cached)
    assert "Cost levers" in shown
    for lever in the_levers(cached.result):
        assert folded(lever["title"]) in shown and folded(lever["text"]) in shown
        if lever["monthly_saving"] is not None:
            assert usd(lever["monthly_saving"]) in shown

    committed = create(COMMITTED).assessments.get()
    commitment = committed.result["monthly_cost"]["commitment"]
    shown = report_pdf_text(committed)
    assert f"{usd(commitment['total'])} a month with {commitment['label']}" in shown
    assert f"({usd(commitment['on_demand_total'])} on demand)" in shown
    for terms in commitment["by_layer"].values():
        assert usd(terms["committed"]) in shown


def test_the_pdf_of_a_one_off_job_gives_its_total(create):
    job_assessment = create(BACKFILL).assessments.get()
    job = job_assessment.result["monthly_cost"]["job"]
    assert job["headline"] in report_pdf_text(job_assessment)


# -- the CLI ---------------------------------------------------------------------------------


def advise_command(profile_file, profile: dict, *options: str) -> str:
    out = io.StringIO()
    call_command("advise", profile_file(profile), *options, stdout=out)
    return out.getvalue()


def test_the_cli_prints_each_lever_and_the_commitment(profile_file):
    printed = advise_command(profile_file, CACHED_PROMPT)
    assert "Cost levers" in printed
    for lever in the_levers(advice_of(CACHED_PROMPT)):
        assert lever["title"] in printed and lever["text"] in printed
        if lever["monthly_saving"] is not None:
            assert f"{lever['title']}: saves about {usd(lever['monthly_saving'])} a month" in printed

    commitment = advice_of(COMMITTED)["monthly_cost"]["commitment"]
    printed = advise_command(profile_file, COMMITTED)
    assert (
        f"with {commitment['label']}: {usd(commitment['total'])} a month "
        f"({usd(commitment['on_demand_total'])} on demand"
    ) in printed


def test_the_cli_prints_a_one_off_jobs_total(profile_file):
    job = advice_of(BACKFILL)["monthly_cost"]["job"]
    assert job["headline"] in advise_command(profile_file, BACKFILL)


def test_the_cli_warns_first_when_another_regions_rates_priced_it(profile_file):
    printed = advise_command(profile_file, {**CACHED_PROMPT, "region": "ap-southeast-2"})
    assert printed.splitlines()[2].startswith("WARNING: priced at us-east-1 rates.")
    assert "import_prices" in printed.splitlines()[2]


def test_the_cli_json_carries_the_levers_and_commitment(profile_file):
    data = json.loads(advise_command(profile_file, COMMITTED, "--format", "json"))
    assert data["monthly_cost"]["commitment"]["term"] == "1y"
    assert data["levers"] == advice_of(COMMITTED)["levers"]


# -- the API ---------------------------------------------------------------------------------


def test_the_api_answers_with_the_levers_commitment_and_pricing(api, owner):
    answer = api(owner).post("/api/v1/evaluate/", COMMITTED, format="json").json()
    expected = advise(parse_profile(COMMITTED), wait_sweep=False).to_dict()
    assert answer["monthly_cost"]["commitment"] == expected["monthly_cost"]["commitment"]
    assert answer["levers"] == expected["levers"]
    assert answer["pricing"]["fallback"] is False
    cached = api(owner).post("/api/v1/evaluate/", CACHED_PROMPT, format="json").json()
    assert "prompt_caching" in [lever["id"] for lever in cached["levers"]]


def test_the_openapi_schema_documents_levers_commitment_job_pricing_and_the_new_fields(client, owner):
    client.force_login(owner)
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    components = schema["components"]["schemas"]
    advice = components["Advice"]["properties"]
    assert {"levers", "pricing", "monthly_cost"} <= set(advice)
    assert set(components["Lever"]["properties"]) == {
        "id",
        "layer",
        "title",
        "text",
        "monthly_saving",
        "source",
    }
    monthly = components["MonthlyCost"]["properties"]
    assert {"commitment", "job", "headline", "total"} <= set(monthly)
    assert {"term", "label", "total", "on_demand_total", "saving", "by_layer"} <= set(
        components["Commitment"]["properties"]
    )
    profile = components["ProfileRequest"]["properties"]
    for name in (
        "job_total_requests",
        "job_deadline_days",
        "data_residency",
        "repeated_prompt_share",
        "commitment",
        "spot_allowed",
    ):
        assert name in profile and profile[name].get("description")


# -- the intake form -------------------------------------------------------------------------

NEW_FIELDS = (
    "job_total_requests",
    "job_deadline_days",
    "data_residency",
    "repeated_prompt_share",
    "commitment",
    "spot_allowed",
)


def test_the_form_shows_the_new_fields_in_their_layers_with_help(owner_client):
    form = owner_client.get(reverse("workload-create")).context["form"]
    raw = owner_client.get(reverse("workload-create")).content.decode()
    placed = {row.spec.name: group["layer"] for group in form.fieldsets() for row in group["rows"]}
    for name in NEW_FIELDS:
        spec = FIELDS_BY_NAME[name]
        assert placed[name] == spec.layer
        assert f'id="id_{name}"' in raw and html.escape(spec.help) in raw
    requests = raw[raw.index('id="id_requests_per_day"') - 200 : raw.index('id="id_requests_per_day"') + 200]
    assert "required" not in requests.split("<input", 1)[-1].split(">", 1)[0]


def backfill_form(**changes) -> dict:
    data = {
        "name": "Summary backfill",
        "requests_per_day": "",
        "job_total_requests": "2000000",
        "job_deadline_days": "10",
        "trigger": "queue",
        "pattern": "batch",
        "request_duration_s": "5",
        "wait_fraction": "0.8",
        "inference": "hosted_api",
        "hosted_model": "claude-haiku-4.5",
        "commitment": "none",
    }
    return {**data, **changes}


def test_a_one_off_job_made_in_the_form_is_stored_with_its_volume_and_deadline(owner_client):
    response = owner_client.post(reverse("workload-create"), backfill_form())
    assert response.status_code == 302, response.context["form"].errors
    workload = Workload.objects.get(name="Summary backfill")
    assert workload.profile["job_total_requests"] == 2_000_000 and workload.profile["job_deadline_days"] == 10
    assert "requests_per_day" not in workload.profile
    assert workload.assessments.get().profile["requests_per_day"] == 200_000  # 2,000,000 over 10 days
    edit = owner_client.get(reverse("workload-edit", args=[workload.pk])).content.decode()
    assert 'value="2000000"' in edit and 'value="10"' in edit


def test_a_volume_without_a_deadline_is_refused_at_the_deadline_field(owner_client):
    response = owner_client.post(reverse("workload-create"), backfill_form(job_deadline_days=""))
    assert response.status_code == 400
    assert "job_deadline_days" in response.context["form"].errors
    assert 'id="id_job_deadline_days_error"' in response.content.decode()
