"""The PDF report pages: the download, or a page that waits for it.

A POST (the "Download PDF report" button, throttled per user: ``THROTTLE_REPORT``)
asks ``reports.report_request`` for the assessment's report, which starts a render
when there is none, it is out of date or it failed, and redirects to the GET.
A GET only reads (``reports.report_current``). Ready: the PDF as an attachment.
Not yet (a worker renders it): a "Preparing your report" page that polls with htmx
and starts the download when it is ready. None yet, or out of date: a button that
POSTs. Failed: the error and a button that POSTs to render it again. Another
team's workload or assessment is a 404, as everywhere.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from advisor.accounts import selectors as account_selectors
from advisor.models import Assessment, Report
from advisor.reports import services as reports
from advisor.reports.responses import pdf_response
from advisor.web import security
from advisor.web.requests import AuthenticatedHttpRequest
from advisor.workloads import selectors


@login_required
@require_http_methods(["GET", "POST"])
def workload_report(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    """The report of the workload's latest assessment."""
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    assessment = selectors.assessment_latest(workload=workload)
    if assessment is None:
        raise Http404("This workload has no assessment yet.")
    return _report(request, assessment)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_report(
    request: AuthenticatedHttpRequest, workload_id: int, assessment_id: int
) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    return _report(request, selectors.assessment_get(workload=workload, assessment_id=assessment_id))


def _report(request: AuthenticatedHttpRequest, assessment: Assessment) -> HttpResponse:
    # Polling and retries go to the assessment's own URL, so a re-assessment
    # meanwhile cannot swap the report being waited for.
    url = reverse("assessment-report", args=(assessment.workload_id, assessment.pk))
    if request.method == "POST":
        # The same counter as the API's, so clicking is no way around its limit.
        if (throttled := security.throttled_page(request, scope="report")) is not None:
            return throttled
        reports.report_retry(assessment=assessment, user=request.user)
        return redirect(url)
    report = reports.report_current(assessment=assessment)
    ready = report is not None and report.status == Report.Status.READY
    if ready and report is not None and not request.htmx:  # `ready` implies a report; mypy cannot see it
        return pdf_response(report)
    if ready and request.GET.get("download"):
        return HttpResponseClientRedirect(url)  # the browser downloads it; the page stays
    context = {"workload": assessment.workload, "assessment": assessment, "report": report, "url": url}
    if request.htmx:
        return render(request, "partials/report_progress.html", context)
    return render(request, "advisor/report_status.html", context)
