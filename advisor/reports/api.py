"""The PDF report over the API: 200 with the PDF, or 202 while a worker renders it.

Rendering is asynchronous: a POST queues it (when there is no current report, or
it failed) and answers 202 with a Retry-After header; poll the same URL with GET
until it answers 200. A GET never starts a render: with no current report (none
yet, or a newer simulation finished) it answers 404 with ``status: "none"``. A
failed render answers 500 with the error; POST again to render it again. POSTs
are limited per user by ``THROTTLE_REPORT`` (429 with Retry-After).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor import jobs as background
from advisor.accounts import selectors as account_selectors
from advisor.api.negotiation import FileNegotiation
from advisor.api.responses import location_header
from advisor.api.serializers import NoBodySerializer
from advisor.models import Assessment, JobReason, Report
from advisor.reports import services as reports
from advisor.reports.responses import pdf_response
from advisor.web.requests import AuthenticatedRequest
from advisor.web.throttling import UserRateThrottle, WriteScopedRateThrottle
from advisor.workloads import selectors


class ReportStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=[*Report.Status.choices, ("none", "No current report")])
    retry_after = serializers.IntegerField(allow_null=True, help_text="Seconds to wait before asking again.")
    error = serializers.CharField(allow_blank=True, help_text="Why the render failed, when it did.")
    reason = serializers.ChoiceField(
        choices=JobReason.choices,
        help_text=(
            "Why it waits or failed, as a code: broker_unreachable while queued, attempts_exhausted, "
            "timed_out or error once failed; empty otherwise. `error` holds the words."
        ),
    )
    retry_notice = serializers.CharField(
        allow_blank=True,
        help_text="Set when no worker has reported for too long: when the render "
        "was last seen and by when it is sent again.",
    )


_RESPONSES = {
    (200, "application/pdf"): OpenApiResponse(
        OpenApiTypes.BINARY, description="The report, as an attachment named after the workload."
    ),
    202: OpenApiResponse(
        ReportStatusSerializer, description="Queued or rendering: ask again after Retry-After seconds."
    ),
    404: OpenApiResponse(
        description=(
            'No such workload or assessment in your teams; or, with `{"status": "none"}`, no current '
            "report of it (none yet, or a newer simulation since): POST to render one."
        )
    ),
    429: OpenApiResponse(description="Too many renders started (POST); wait Retry-After seconds."),
    500: OpenApiResponse(
        ReportStatusSerializer, description="The render failed; `error` says why. POST to render it again."
    ),
}


def _answer(
    request: AuthenticatedRequest, assessment: Assessment, report: Report | None
) -> HttpResponse | Response:
    if report is None:
        return Response(
            {
                "detail": "No current report of this assessment: POST to this URL to render it.",
                "status": "none",
                "retry_after": None,
                "error": "",
                "reason": "",
                "retry_notice": "",
            },
            status=status.HTTP_404_NOT_FOUND,
        )
    if report.status == Report.Status.READY:
        return pdf_response(report)
    if report.status == Report.Status.FAILED:
        return Response(
            {
                "status": report.status,
                "retry_after": None,
                "error": report.error,
                "reason": report.reason,
                "retry_notice": "",
            },
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    return Response(
        {
            "status": report.status,
            "retry_after": reports.RETRY_AFTER_S,
            "error": "",
            "reason": report.reason,
            "retry_notice": background.retry_notice(report),
        },
        status=status.HTTP_202_ACCEPTED,
        headers={"Retry-After": str(reports.RETRY_AFTER_S), **_report_location(request, assessment)},
    )


def _report_location(request: AuthenticatedRequest, assessment: Assessment) -> dict[str, str]:
    # The assessment's own report, not the workload's "latest": a newer assessment while
    # this one renders must not change what the client polls.
    url = reverse("api-assessment-report", args=[assessment.workload_id, assessment.pk])
    return location_header(request, url)


class _ReportApi(APIView):
    content_negotiation_class = FileNegotiation
    # POST starts a render: its own per-user rate, shared with the page's button.
    throttle_classes = [UserRateThrottle, WriteScopedRateThrottle]
    throttle_scope = "report"

    # `*args: Any, **kwargs: Any`: each subclass takes its own URL arguments, which mypy
    # accepts as overrides of this signature only.
    def assessment(self, request: AuthenticatedRequest, *args: Any, **kwargs: Any) -> Assessment:
        raise NotImplementedError

    def get(self, request: AuthenticatedRequest, *args: Any, **kwargs: Any):
        assessment = self.assessment(request, **kwargs)
        return _answer(request, assessment, reports.report_current(assessment=assessment))

    def post(self, request: AuthenticatedRequest, *args: Any, **kwargs: Any):
        assessment = self.assessment(request, **kwargs)
        NoBodySerializer(data=request.data).is_valid(raise_exception=True)
        return _answer(request, assessment, reports.report_retry(assessment=assessment, user=request.user))


class WorkloadReportApi(_ReportApi):
    def assessment(self, request: AuthenticatedRequest, workload_id: int) -> Assessment:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        assessment = selectors.assessment_latest(workload=workload)
        if assessment is None:
            raise Http404("This workload has no assessment yet.")
        return assessment

    @extend_schema(
        operation_id="workload_report",
        responses=_RESPONSES,
        summary="PDF report of the latest assessment (202 while it renders; never starts one)",
    )
    def get(self, request: AuthenticatedRequest, workload_id: int):
        return super().get(request, workload_id=workload_id)

    @extend_schema(
        operation_id="workload_report_retry",
        request=None,
        responses=_RESPONSES,
        summary="Render the latest assessment's report (none yet, out of date, or failed)",
    )
    def post(self, request: AuthenticatedRequest, workload_id: int):
        return super().post(request, workload_id=workload_id)


class AssessmentReportApi(_ReportApi):
    def assessment(self, request: AuthenticatedRequest, workload_id: int, assessment_id: int) -> Assessment:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        return selectors.assessment_get(workload=workload, assessment_id=assessment_id)

    @extend_schema(
        operation_id="assessment_report",
        responses=_RESPONSES,
        summary="PDF report of one assessment (202 while it renders; never starts one)",
    )
    def get(self, request: AuthenticatedRequest, workload_id: int, assessment_id: int):
        return super().get(request, workload_id=workload_id, assessment_id=assessment_id)

    @extend_schema(
        operation_id="assessment_report_retry",
        request=None,
        responses=_RESPONSES,
        summary="Render an assessment's report (none yet, out of date, or failed)",
    )
    def post(self, request: AuthenticatedRequest, workload_id: int, assessment_id: int):
        return super().post(request, workload_id=workload_id, assessment_id=assessment_id)
