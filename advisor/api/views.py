"""REST API views: validate with a serializer, call one service, serialize the result.

Team scoping is done by the selectors, so another team's workload id is a 404
here exactly as on the HTML pages; writes by a viewer are a 403 from the service.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from rest_framework.exceptions import ValidationError
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor import selectors, services, simulations
from advisor.api.idempotency import IdempotentPostMixin
from advisor.api.throttling import ScopedRateThrottle, UserRateThrottle, WriteScopedRateThrottle
from advisor.api.serializers import (
    SimulationRequestSerializer,
    SimulationRunSerializer,
    AdviceSerializer,
    AssessmentSerializer,
    AssessmentSummarySerializer,
    EvaluateQuerySerializer,
    ProfileSerializer,
    WorkloadCreateSerializer,
    WorkloadSerializer,
)
from advisor.models import Workload

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
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(WorkloadSerializer(page, many=True).data)

    @extend_schema(summary="Create a workload and assess it", request=WorkloadCreateSerializer,
                   responses={201: WorkloadSerializer, 400: _ERRORS, 403: None})
    def post(self, request: Request) -> Response:
        serializer = WorkloadCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        team = self._team(request, serializer.validated_data.get("team"))
        workload = services.workload_create(user=request.user, team=team,
                                            profile_data=serializer.validated_data["profile"])
        return Response(WorkloadSerializer(workload).data, status=status.HTTP_201_CREATED)

    @staticmethod
    def _team(request: Request, slug: str | None):
        teams = selectors.team_list_for_user(user=request.user)
        if slug is None:
            # The first team the user may write to; a pure viewer falls through
            # to their first team so the service answers 403 rather than 400.
            writable = selectors.team_list_for_user(user=request.user, writable=True)
            team = writable.first() or teams.first()
            if team is None:
                raise PermissionDenied("You belong to no team.")
            return team
        team = teams.filter(slug=slug).first()
        if team is None:
            # Echoed back cut short: a slug can be as long as the body.
            raise ValidationError({"team": [f"You are not a member of a team {slug[:50]!r}."]})
        return team


class WorkloadDetailApi(APIView):
    def _workload(self, request: Request, workload_id: int) -> Workload:
        return selectors.workload_get_for_user(user=request.user, workload_id=workload_id)

    @extend_schema(summary="One workload", responses={200: WorkloadSerializer, 404: None})
    def get(self, request: Request, workload_id: int) -> Response:
        return Response(WorkloadSerializer(self._workload(request, workload_id)).data)

    @extend_schema(summary="Replace the profile (a new version and assessment)",
                   request=ProfileSerializer,
                   responses={200: WorkloadSerializer, 400: _ERRORS, 403: None, 404: None})
    def put(self, request: Request, workload_id: int) -> Response:
        workload = self._workload(request, workload_id)
        return self._update(request, workload, request.data)

    @extend_schema(summary="Change some profile fields (a new version and assessment)",
                   request=ProfileSerializer(partial=True),
                   responses={200: WorkloadSerializer, 400: _ERRORS, 403: None, 404: None})
    def patch(self, request: Request, workload_id: int) -> Response:
        workload = self._workload(request, workload_id)
        data = request.data
        if isinstance(data, dict):
            data = {**workload.profile, **data}
        return self._update(request, workload, data)

    @extend_schema(summary="Delete a workload with its history",
                   responses={204: None, 403: None, 404: None})
    def delete(self, request: Request, workload_id: int) -> Response:
        services.workload_delete(user=request.user, workload=self._workload(request, workload_id))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @staticmethod
    def _update(request: Request, workload: Workload, data) -> Response:
        serializer = ProfileSerializer(data=data)
        serializer.is_valid(raise_exception=True)
        workload = services.workload_update(user=request.user, workload=workload,
                                            profile_data=serializer.validated_data["profile"])
        return Response(WorkloadSerializer(workload).data)


class AssessmentListApi(IdempotentPostMixin, GenericAPIView):
    serializer_class = AssessmentSummarySerializer

    @extend_schema(summary="Every assessment of a workload, newest first",
                   responses={200: AssessmentSummarySerializer(many=True), 404: None})
    def get(self, request: Request, workload_id: int) -> Response:
        workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        page = self.paginate_queryset(selectors.assessment_list(workload=workload))
        return self.get_paginated_response(AssessmentSummarySerializer(page, many=True).data)

    @extend_schema(summary="Assess the current profile again (e.g. after a rule-set change)",
                   request=None, responses={201: AssessmentSerializer, 403: None, 404: None})
    def post(self, request: Request, workload_id: int) -> Response:
        workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        assessment = services.assessment_request(user=request.user, workload=workload)
        return Response(AssessmentSerializer(assessment).data, status=status.HTTP_201_CREATED)


class AssessmentDetailApi(APIView):
    @extend_schema(summary="One stored assessment, exactly as it was given",
                   responses={200: AssessmentSerializer, 404: None})
    def get(self, request: Request, workload_id: int, assessment_id: int) -> Response:
        workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        assessment = selectors.assessment_get(workload=workload, assessment_id=assessment_id)
        return Response(AssessmentSerializer(assessment).data)


class EvaluateApi(APIView):
    # Its own rate instead of the general one: intake tools call it in bulk.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "evaluate"

    @extend_schema(summary="Advice for a profile; nothing is stored", request=ProfileSerializer,
                   parameters=[EvaluateQuerySerializer], responses={200: AdviceSerializer, 400: _ERRORS})
    def post(self, request: Request) -> Response:
        query = EvaluateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        serializer = ProfileSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(services.profile_evaluate(
            profile_data=serializer.validated_data["profile"],
            wait_sweep="wait_sweep" in query.validated_data.get("include", ())))


class SimulationListApi(IdempotentPostMixin, GenericAPIView):
    serializer_class = SimulationRunSerializer
    throttle_classes = [UserRateThrottle, WriteScopedRateThrottle]
    throttle_scope = "simulate"

    @extend_schema(summary="Simulation runs of a workload, newest first",
                   responses={200: SimulationRunSerializer(many=True), 404: None})
    def get(self, request: Request, workload_id: int) -> Response:
        workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        page = self.paginate_queryset(selectors.simulation_list(workload=workload).defer(None))
        return self.get_paginated_response(SimulationRunSerializer(page, many=True).data)

    @extend_schema(summary="Simulate a month of traffic (runs on the workers; poll the run)",
                   request=SimulationRequestSerializer,
                   responses={202: SimulationRunSerializer, 400: _ERRORS, 403: None, 404: None,
                              429: OpenApiResponse(description="Over the rate, or the team already has "
                                                   "SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM runs queued or "
                                                   "running: the message names them and how to cancel one.")})
    def post(self, request: Request, workload_id: int) -> Response:
        workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        serializer = SimulationRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run = simulations.simulation_request(user=request.user, workload=workload,
                                                 **serializer.validated_data)
        except simulations.SimulationLimitError as exc:
            return _simulation_limit_response(exc)
        return Response(SimulationRunSerializer(run).data, status=status.HTTP_202_ACCEPTED)


def _simulation_limit_response(exc: simulations.SimulationLimitError) -> Response:
    """429 like a throttle's, with the runs holding the team's slots and how to cancel each."""
    cancels = [f"Run {run.pk} of “{run.workload.name}” ({run.status}): cancel it with POST "
               f"{reverse('api-simulation-cancel', args=[run.workload_id, run.pk])}" for run in exc.runs]
    return Response({"non_field_errors": [str(exc), *cancels]}, status=status.HTTP_429_TOO_MANY_REQUESTS,
                    headers={"Retry-After": str(exc.retry_after)})


class SimulationDetailApi(APIView):
    @extend_schema(summary="One simulation run: status, progress and, once finished, the result",
                   responses={200: SimulationRunSerializer, 404: None})
    def get(self, request: Request, workload_id: int, run_id: int) -> Response:
        workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        return Response(SimulationRunSerializer(selectors.simulation_get(workload=workload, run_id=run_id)).data)


class SimulationCancelApi(IdempotentPostMixin, APIView):
    @extend_schema(summary="Cancel a simulation run", request=None,
                   responses={200: SimulationRunSerializer, 403: None, 404: None})
    def post(self, request: Request, workload_id: int, run_id: int) -> Response:
        workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        run = simulations.simulation_cancel(user=request.user,
                                            run=selectors.simulation_get(workload=workload, run_id=run_id))
        return Response(SimulationRunSerializer(run).data)
