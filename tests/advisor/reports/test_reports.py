"""The PDF report: what it says, who may fetch it, how it is cached, queued and retried.

Tasks run in-process (no broker), so a POST (the "Download PDF report" button)
renders the report before it answers; a GET only reads. "A worker has not got to
it yet" is simulated by a task queue that keeps the message.
"""

from __future__ import annotations

import dataclasses
import html
import json
import re
import subprocess

import pytest
from django.urls import reverse

from advisor.advice_record import StoredAdvice
from advisor.models import Report
from advisor.presentation.charts import workload_charts
from advisor.presentation.money import money_context
from advisor.presentation.observability import observability_steps
from advisor.reports import services as reports
from advisor.reports import tasks
from advisor.simulations import services as simulations
from placement import advise, parse_profile
from placement.presets import PRESETS

pytestmark = pytest.mark.django_db(transaction=True)  # renders are enqueued on commit
FAKE_PDF = b"%PDF-1.7 a stand-in for a rendered report"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, whitespace folded (lines wrap anywhere)."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return " ".join(text.split())


@pytest.fixture
def renders(monkeypatch):
    """Count renders, and make them instant: a stand-in PDF instead of Chromium and WeasyPrint."""
    calls = []

    def fake_build(*, assessment, simulation=None):
        calls.append((assessment.pk, simulation.pk if simulation else None))
        return reports.RenderedReport(pdf=FAKE_PDF, figures_seconds=0.0, pdf_seconds=0.0, warm_browser=False)

    monkeypatch.setattr(reports, "report_build", fake_build)
    return calls


@pytest.fixture
def queue(monkeypatch):
    """A broker nobody consumes: messages are kept, not run."""
    sent = []
    monkeypatch.setattr(tasks.report_render_task, "apply_async", lambda **kw: sent.append(kw["kwargs"]))
    return sent


def _urls(workload):
    assessment = workload.assessments.get()
    return {
        "page": reverse("workload-report", args=[workload.pk]),
        "page_assessment": reverse("assessment-report", args=[workload.pk, assessment.pk]),
        "api": f"/api/v1/workloads/{workload.pk}/report.pdf",
        "api_assessment": f"/api/v1/workloads/{workload.pk}/assessments/{assessment.pk}/report.pdf",
    }


def test_the_pdf_holds_the_placements_reasons_and_monthly_total_shown_on_the_page(owner_client, workload):
    response = owner_client.post(reverse("workload-report", args=[workload.pk]), follow=True)

    assessment = workload.assessments.get()
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        'attachment; filename="support-ticket-bot-assessment-1.pdf"'
    )  # its number in the workload
    pdf = b"".join(response.streaming_content) if response.streaming else response.content
    assert pdf.startswith(b"%PDF-")
    text = pdf_text(pdf)
    result = assessment.result
    for layer in ("brain", "memory", "nerves"):
        assert result["layers"][layer]["label"] in text
        for reason in result["layers"][layer]["reasons"]:
            assert reason["rule"] in text and " ".join(reason["text"].split()) in text
    total = money_context(assessment.advice)["summary"]["recommended"]
    assert total in text
    assert total in owner_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    for words in (
        "Support ticket bot",
        "Alpha team",
        result["ruleset"],
        result["catalog"],
        "Next steps: what to measure",
        "Distributed tracing",
        "Page 2 of",
    ):
        assert words in text


def test_it_asks_for_cold_start_figures_only_where_something_runs_on_lambda():
    def measured(profile):
        advice = advise(parse_profile(profile)).to_dict()
        steps = observability_steps(StoredAdvice.from_engine(advice))
        return advice, " ".join(item["what"] for layer in steps["layers"] for item in layer["items"])

    sfn, on_step_functions = measured(PRESETS["agent_orchestrator"].profile)  # steps run as functions
    busy_api = {
        "name": "busy API",
        "requests_per_day": 3_000_000,
        "request_duration_s": 2,
        "wait_fraction": 0.5,
        "inference": "hosted_api",
        "hosted_model": "claude-haiku-4.5",
    }
    fleet, on_containers = measured(busy_api)
    assert sfn["layers"]["nerves"]["placement"].startswith("step_functions")
    assert fleet["layers"]["nerves"]["placement"] == "fargate"
    assert "Cold-start rate" in on_step_functions and "ExecutionsFailed" in on_step_functions
    assert "Cold-start rate" not in on_containers and "Container Insights" in on_containers


def test_charts_drawn_one_after_another_in_one_browser_do_not_leak_into_each_other():
    charts = workload_charts(advise(parse_profile(PRESETS["rag_chatbot"].profile)).to_dict())
    again = dataclasses.replace(charts[0], key="again")  # the first chart, drawn once more at the end

    svgs = reports.figures_to_svg(charts + [again])

    assert set(svgs) == {c.key for c in charts} | {"again"}
    assert all(svg.startswith("<svg") for svg in svgs.values())
    plotly_ids = re.compile(r"[0-9a-f]{6}")  # plotly names clip paths with a random id per plot
    assert plotly_ids.sub("", svgs["again"]) == plotly_ids.sub("", svgs[charts[0].key])


def test_another_team_gets_a_404_on_every_report_route(client, api, outsider, workload, renders):
    client.force_login(outsider)
    for name, url in _urls(workload).items():
        c = api(outsider) if name.startswith("api") else client
        assert c.get(url).status_code == 404, url
        assert c.post(url).status_code == 404, url
    assert Report.objects.count() == 0 and renders == []


def test_a_second_request_serves_the_cached_pdf_without_rendering_again(
    owner_client, api, owner, workload, renders
):
    urls = _urls(workload)
    first = owner_client.post(urls["page"], follow=True)
    again = [
        owner_client.get(urls["page_assessment"]),
        api(owner).get(urls["api"]),
        api(owner).get(urls["api_assessment"]),
    ]

    assert len(renders) == 1 and Report.objects.count() == 1
    assert all(r.status_code == 200 and r.content == first.content == FAKE_PDF for r in again)
    report = Report.objects.get()
    reports.report_compute(report_id=report.pk)  # the same task delivered twice
    assert len(renders) == 1 and Report.objects.get().status == Report.Status.READY


def test_a_newer_simulation_replaces_the_cached_report(owner_client, owner, workload):
    url = reverse("workload-report", args=[workload.pk])
    before = owner_client.post(url, follow=True).content
    run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=3)

    assert "Prepare PDF report" in owner_client.get(url, follow=True).content.decode()  # not the old PDF
    after = owner_client.post(url, follow=True).content
    report = Report.objects.get()
    assert report.simulation_id == run.pk and report.with_sweep and after != before
    text = pdf_text(after)
    assert "A simulated month" in text and f"seed {run.seed}" in text and "P50" in text.upper()
    assert "A simulated month" not in pdf_text(before)


def test_the_api_answers_202_while_the_report_is_queued_then_the_pdf(api, owner, workload, queue, renders):
    url = _urls(workload)["api"]
    response = api(owner).post(url, HTTP_ACCEPT="application/pdf")

    assert response.status_code == 202 and response["Retry-After"] == "2"
    assert json.loads(response.content) == {
        "status": "queued",
        "retry_after": 2,
        "error": "",
        "reason": "",
        "retry_notice": "",
    }
    assert len(queue) == 1 and renders == []
    assert api(owner).get(url).status_code == 202 and len(queue) == 1  # not sent twice
    assert api(owner).post(url).status_code == 202 and len(queue) == 1

    reports.report_compute(**queue[0])  # a worker picks it up
    done = api(owner).get(url)
    assert done.status_code == 200 and done["Content-Type"] == "application/pdf" and done.content == FAKE_PDF


def test_the_page_waits_for_a_worker_then_starts_the_download_once(owner_client, workload, queue, renders):
    url = reverse("assessment-report", args=[workload.pk, workload.assessments.get().pk])
    page = owner_client.post(reverse("workload-report", args=[workload.pk]), follow=True).content.decode()
    assert "Preparing your report" in page and f'hx-get="{url}" hx-trigger="every 2s"' in page

    reports.report_compute(**queue[0])
    ready = owner_client.get(url, HTTP_HX_REQUEST="true").content.decode()
    assert "Your report is ready" in ready and "every 2s" not in ready
    assert f'hx-get="{url}?download=1" hx-trigger="load"' in ready
    assert owner_client.get(url + "?download=1", HTTP_HX_REQUEST="true")["HX-Redirect"] == url
    assert owner_client.get(url).content == FAKE_PDF


def test_a_failed_render_shows_the_error_and_a_retry_button_not_a_500(
    owner_client, api, owner, workload, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("No browser at /nowhere/chromium to draw the charts")

    monkeypatch.setattr(reports, "report_build", broken)
    url = reverse("workload-report", args=[workload.pk])
    page = owner_client.post(url, follow=True)

    html = page.content.decode()
    assert page.status_code == 200 and "could not be rendered" in html
    assert "No browser at /nowhere/chromium" in html and "Try again" in html
    failed = api(owner).get(_urls(workload)["api"])
    assert failed.status_code == 500 and failed.json()["status"] == "failed"
    assert "No browser" in failed.json()["error"]
    assert Report.objects.get().attempts == 1  # looking again does not render again

    monkeypatch.setattr(
        reports,
        "report_build",
        lambda **kwargs: reports.RenderedReport(
            pdf=FAKE_PDF, figures_seconds=0, pdf_seconds=0, warm_browser=False
        ),
    )
    retried = owner_client.post(url)
    assert retried.status_code == 302
    assert owner_client.get(retried["Location"]).content == FAKE_PDF


def test_a_viewer_may_download_the_report(viewer_client, workload, renders):
    response = viewer_client.post(reverse("workload-report", args=[workload.pk]), follow=True)
    assert response.status_code == 200 and response.content == FAKE_PDF


def test_both_detail_pages_post_to_the_report(viewer_client, workload):
    assessment = workload.assessments.get()
    detail = viewer_client.get(reverse("workload-detail", args=[workload.pk])).content.decode()
    assert f'<form method="post" action="{reverse("workload-report", args=[workload.pk])}">' in detail
    page = viewer_client.get(reverse("assessment-detail", args=[workload.pk, assessment.pk])).content.decode()
    assert (
        f'<form method="post" action="{reverse("assessment-report", args=[workload.pk, assessment.pk])}">'
        in page
    )
    assert "Download PDF report" in detail and "Download PDF report" in page


def test_the_openapi_schema_documents_the_pdf_and_the_202(client, owner, workload):
    client.force_login(owner)
    schema = json.loads(client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)
    get = schema["paths"]["/api/v1/workloads/{workload_id}/report.pdf"]["get"]
    assert "application/pdf" in get["responses"]["200"]["content"]
    assert {"202", "404"} <= set(get["responses"])
    assert "/api/v1/workloads/{workload_id}/assessments/{assessment_id}/report.pdf" in schema["paths"]


def test_the_pdf_warns_of_the_throttling_its_simulation_found(owner, team, monkeypatch):
    from django.template.loader import render_to_string

    from advisor.reports.document import report_context
    from advisor.workloads import services

    monkeypatch.setattr(simulations, "_enqueue_sweep", lambda run_id: None)
    spiky_heavy = {
        "name": "Spiky heavy agent",
        "requests_per_day": 300_000,
        "pattern": "spiky",
        "peak_to_average": 50,
        "request_duration_s": 20,
        "wait_fraction": 0.5,
        "trigger": "api",
    }
    workload = services.workload_create(user=owner, team=team, profile_data=spiky_heavy)
    assessment = workload.assessments.get()
    assert assessment.result["layers"]["nerves"]["placement"] == "lambda"  # the premise
    run = simulations.simulation_request(user=owner, workload=workload, paths=100, seed=21, days=3)
    run.refresh_from_db()

    page = render_to_string(
        "reports/report.html", report_context(assessment=assessment, simulation=run, charts=[], svgs={})
    )

    share = run.result["placements"]["nerves"]["lambda"]["throttled_share"]["p50"]
    text = " ".join(html.unescape(page).split())
    expected = (
        f"The simulation throttled {share:.1%} of the requests to AWS Lambda (Nerves) at Lambda's "
        "default quota of 1,000 concurrent executions"
    )
    warnings = text[text.index('<section id="warnings">') : text.index('<section id="why">')]
    assert "Simulation · Nerves" in warnings and expected in warnings
    chapter = text[text.index('<section class="chapter" id="simulation">') :]
    assert "What the simulation found" in chapter and expected in chapter


def test_a_first_report_is_logged_as_a_request_and_only_a_failed_ones_retry_as_a_retry(
    owner_client, workload, renders
):
    from advisor.models import AuditEvent

    url = _urls(workload)["page"]
    owner_client.post(url)  # the page's button always asks with retry: there was no failure yet
    first = AuditEvent.objects.filter(action="report.request").latest("pk")
    assert first.details == {"retry": False}
    Report.objects.update(status=Report.Status.FAILED, error="boom")
    owner_client.post(url)
    again = AuditEvent.objects.filter(action="report.request").latest("pk")
    assert again.pk != first.pk and again.details == {"retry": True}
