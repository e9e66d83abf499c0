"""REST API views: validate with a serializer, call one service, serialize the result.

Team scoping is done by the selectors, so another team's workload id is a 404
here exactly as on the HTML pages; writes by a viewer are a 403 from the service.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor.accounts import selectors as account_selectors
from advisor.api.idempotency import IdempotentPostMixin
from advisor.api.negotiation import FileNegotiation
from advisor.api.responses import location_header
from advisor.api.serializers import NoBodySerializer
from advisor.models import Workload
from advisor.web.requests import AuthenticatedRequest
from advisor.web.throttling import ScopedRateThrottle
from advisor.workloads import selectors, services
from advisor.workloads.responses import template_response
from advisor.workloads.serializers import (
    AdviceSerializer,
    AssessmentSerializer,
    AssessmentSummarySerializer,
    EvaluateQuerySerializer,
    ProfileSerializer,
    WorkloadCreateSerializer,
    WorkloadSerializer,
)

_ERRORS = OpenApiResponse(description="Invalid input: {field: [messages]} naming each field.")


class FieldSearchFilter(SearchFilter):
    """DRF refuses a NUL in ?search= with a bare list; this API names the field, as every 400 does."""

    def get_search_terms(self, request):
        try:
            return super().get_search_terms(request)
        except ValidationError as exc:
            raise ValidationError({self.search_param: exc.detail}) from None


class WorkloadListCreateApi(IdempotentPostMixin, GenericAPIView):
    serializer_class = WorkloadSerializer
    # ?search= matches the name or the team's slug; ?ordering=name,-updated_at ...
    filter_backends = [FieldSearchFilter, OrderingFilter]
    search_fields = ["name", "team__slug"]
    ordering_fields = ["name", "created_at", "updated_at", "version"]
    ordering = ["-updated_at", "-id"]

    def get_queryset(self):
        return selectors.workload_list_for_user(user=self.request.user)

    @extend_schema(summary="Workloads of your teams", responses=WorkloadSerializer(many=True))
    def get(self, request: AuthenticatedRequest) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(WorkloadSerializer(page, many=True).data)

    @extend_schema(
        summary="Create a workload and assess it",
        request=WorkloadCreateSerializer,
        responses={201: WorkloadSerializer, 400: _ERRORS, 403: None},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        serializer = WorkloadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            team = account_selectors.team_for_new_workload(
                user=request.user, slug=serializer.validated_data.get("team")
            )
        except account_selectors.NotAMember as exc:
            raise ValidationError({"team": [str(exc)]}) from None
        try:
            workload = services.workload_create(
                user=request.user, team=team, profile_data=serializer.validated_data["profile"]
            )
        except services.WorkloadNameTaken as exc:
            raise ValidationError(exc.errors) from None
        return Response(
            WorkloadSerializer(workload).data,
            status=status.HTTP_201_CREATED,
            headers=location_header(request, reverse("api-workload-detail", args=[workload.pk])),
        )


class WorkloadDetailApi(APIView):
    def _workload(self, request: AuthenticatedRequest, workload_id: int) -> Workload:
        return account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)

    @extend_schema(summary="One workload", responses={200: WorkloadSerializer, 404: None})
    def get(self, request: AuthenticatedRequest, workload_id: int) -> Response:
        return Response(WorkloadSerializer(self._workload(request, workload_id)).data)

    @extend_schema(
        summary="Replace the profile (a new version and assessment)",
        request=ProfileSerializer,
        responses={200: WorkloadSerializer, 400: _ERRORS, 403: None, 404: None},
    )
    def put(self, request: AuthenticatedRequest, workload_id: int) -> Response:
        workload = self._workload(request, workload_id)
        return self._update(request, workload, request.data)

    @extend_schema(
        summary="Change some profile fields (a new version and assessment)",
        request=ProfileSerializer(partial=True),
        responses={200: WorkloadSerializer, 400: _ERRORS, 403: None, 404: None},
    )
    def patch(self, request: AuthenticatedRequest, workload_id: int) -> Response:
        workload = self._workload(request, workload_id)
        return self._update(
            request, workload, services.workload_profile_patched(workload=workload, changes=request.data)
        )

    @extend_schema(summary="Delete a workload with its history", responses={204: None, 403: None, 404: None})
    def delete(self, request: AuthenticatedRequest, workload_id: int) -> Response:
        services.workload_delete(user=request.user, workload=self._workload(request, workload_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @staticmethod
    def _update(request: AuthenticatedRequest, workload: Workload, data) -> Response:
        serializer = ProfileSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        try:
            workload = services.workload_update(
                user=request.user, workload=workload, profile_data=serializer.validated_data["profile"]
            )
        except services.WorkloadNameTaken as exc:
            raise ValidationError(exc.errors) from None
        return Response(WorkloadSerializer(workload).data)


class AssessmentListApi(IdempotentPostMixin, GenericAPIView):
    serializer_class = AssessmentSummarySerializer

    @extend_schema(
        summary="Every assessment of a workload, newest first",
        responses={200: AssessmentSummarySerializer(many=True), 404: None},
    )
    def get(self, request: AuthenticatedRequest, workload_id: int) -> Response:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        page = self.paginate_queryset(selectors.assessment_list(workload=workload))
        return self.get_paginated_response(AssessmentSummarySerializer(page, many=True).data)

    @extend_schema(
        summary="Assess the current profile again (e.g. after a rule-set change)",
        request=None,
        responses={201: AssessmentSerializer, 403: None, 404: None},
    )
    def post(self, request: AuthenticatedRequest, workload_id: int) -> Response:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        NoBodySerializer(data=request.data).is_valid(raise_exception=True)
        assessment = services.assessment_request(user=request.user, workload=workload)
        url = reverse("api-assessment-detail", args=[workload.pk, assessment.pk])
        return Response(
            AssessmentSerializer(assessment).data,
            status=status.HTTP_201_CREATED,
            headers=location_header(request, url),
        )


class AssessmentDetailApi(APIView):
    @extend_schema(
        summary="One stored assessment, exactly as it was given",
        responses={200: AssessmentSerializer, 404: None},
    )
    def get(self, request: AuthenticatedRequest, workload_id: int, assessment_id: int) -> Response:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        assessment = selectors.assessment_get(workload=workload, assessment_id=assessment_id)
        return Response(AssessmentSerializer(assessment).data)


_TEMPLATE = {
    (200, "application/yaml"): OpenApiResponse(
        OpenApiTypes.OBJECT,
        description="An AWS SAM template (YAML) of the recommended split: functions, state machine, "
        "containers, endpoints, tables, buckets, the front door and CloudWatch alarms.",
    ),
    404: OpenApiResponse(description="No such workload or assessment in your teams, or no assessment yet."),
}


class WorkloadTemplateApi(APIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(summary="The latest assessment's split as an AWS SAM template", responses=_TEMPLATE)
    def get(self, request: AuthenticatedRequest, workload_id: int) -> HttpResponse:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        return template_response(selectors.assessment_latest(workload=workload))


class AssessmentTemplateApi(APIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(summary="One assessment's split as an AWS SAM template", responses=_TEMPLATE)
    def get(self, request: AuthenticatedRequest, workload_id: int, assessment_id: int) -> HttpResponse:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        return template_response(selectors.assessment_get(workload=workload, assessment_id=assessment_id))


class EvaluateApi(APIView):
    # Its own rate instead of the general one: intake tools call it in bulk.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "evaluate"

    @extend_schema(
        summary="Advice for a profile; nothing is stored",
        request=ProfileSerializer,
        parameters=[EvaluateQuerySerializer],
        responses={200: AdviceSerializer, 400: _ERRORS},
    )
    def post(self, request: AuthenticatedRequest) -> Response:
        query = EvaluateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        serializer = ProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(
            services.profile_evaluate(
                profile_data=serializer.validated_data["profile"],
                wait_sweep="wait_sweep" in query.validated_data.get("include", ()),
            )
        )
