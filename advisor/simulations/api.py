"""REST API views: validate with a serializer, call one service, serialize the result.

Team scoping is done by the selectors, so another team's workload id is a 404
here exactly as on the HTML pages; writes by a viewer are a 403 from the service.
"""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor.accounts import selectors as account_selectors
from advisor.api.idempotency import IdempotentPostMixin
from advisor.api.responses import location_header
from advisor.api.serializers import NoBodySerializer
from advisor.simulations import selectors as simulation_selectors
from advisor.simulations import services as simulations
from advisor.simulations.serializers import SimulationRequestSerializer, SimulationRunSerializer
from advisor.web.requests import AuthenticatedRequest
from advisor.web.throttling import UserRateThrottle, WriteScopedRateThrottle

_ERRORS = OpenApiResponse(description="Invalid input: {field: [messages]} naming each field.")


class SimulationListApi(IdempotentPostMixin, GenericAPIView):
    serializer_class = SimulationRunSerializer
    throttle_classes = [UserRateThrottle, WriteScopedRateThrottle]
    throttle_scope = "simulate"

    @extend_schema(
        summary="Simulation runs of a workload, newest first",
        responses={200: SimulationRunSerializer(many=True), 404: None},
    )
    def get(self, request: AuthenticatedRequest, workload_id: int) -> Response:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        page = self.paginate_queryset(simulation_selectors.simulation_list(workload=workload).defer(None))
        return self.get_paginated_response(SimulationRunSerializer(page, many=True).data)

    @extend_schema(
        summary="Simulate a month of traffic (runs on the workers; poll the run)",
        request=SimulationRequestSerializer,
        responses={
            202: SimulationRunSerializer,
            400: _ERRORS,
            403: None,
            404: None,
            429: OpenApiResponse(
                description="Over the rate, or the team already has "
                "SIMULATION_MAX_RUNS_IN_FLIGHT_PER_TEAM runs queued or "
                "running: the message names them and how to cancel one."
            ),
        },
    )
    def post(self, request: AuthenticatedRequest, workload_id: int) -> Response:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        serializer = SimulationRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            run = simulations.simulation_request(
                user=request.user, workload=workload, **serializer.validated_data
            )
        except simulations.SimulationLimitError as exc:
            return _simulation_limit_response(exc)
        url = reverse("api-simulation-detail", args=[workload.pk, run.pk])
        return Response(
            SimulationRunSerializer(run).data,
            status=status.HTTP_202_ACCEPTED,
            headers=location_header(request, url),
        )


def _simulation_limit_response(exc: simulations.SimulationLimitError) -> Response:
    """429 like a throttle's, with the runs holding the team's slots and how to cancel each."""
    cancels = [
        f"Run {run.pk} of “{run.workload.name}” ({run.status}): cancel it with POST "
        f"{reverse('api-simulation-cancel', args=[run.workload_id, run.pk])}"
        for run in exc.runs
    ]
    return Response(
        {"non_field_errors": [str(exc), *cancels]},
        status=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(exc.retry_after)},
    )


class SimulationDetailApi(APIView):
    @extend_schema(
        summary="One simulation run: status, progress and, once finished, the result",
        responses={200: SimulationRunSerializer, 404: None},
    )
    def get(self, request: AuthenticatedRequest, workload_id: int, run_id: int) -> Response:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        return Response(
            SimulationRunSerializer(
                simulation_selectors.simulation_get(workload=workload, run_id=run_id)
            ).data
        )


class SimulationCancelApi(IdempotentPostMixin, APIView):
    @extend_schema(
        summary="Cancel a simulation run",
        request=None,
        responses={200: SimulationRunSerializer, 403: None, 404: None},
    )
    def post(self, request: AuthenticatedRequest, workload_id: int, run_id: int) -> Response:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        run = simulation_selectors.simulation_get(workload=workload, run_id=run_id)
        NoBodySerializer(data=request.data).is_valid(raise_exception=True)
        run = simulations.simulation_cancel(user=request.user, run=run)
        return Response(SimulationRunSerializer(run).data)
