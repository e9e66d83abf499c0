"""REST API of teams: the caller's teams, and a team's portfolio (the same data as the JSON download)."""
from __future__ import annotations

from django.db.models import F
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor import selectors
from advisor.portfolio import SORTS, portfolio_export, portfolio_rows, team_get_for_user


class PortfolioTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class PortfolioTotalsSerializer(serializers.Serializer):
    workloads = serializers.IntegerField()
    projected_monthly_usd = serializers.FloatField(
        help_text="Sum of the projected monthly costs; a partial figure when projected_complete is false.")
    projected_complete = serializers.BooleanField(
        help_text="Every workload has an assessment with every layer priced.")
    current_monthly_usd = serializers.FloatField(
        help_text="Sum of today's bills over the workloads whose profile gives one.")
    workloads_with_current = serializers.IntegerField()
    saving_usd = serializers.FloatField(
        allow_null=True,
        help_text="Current minus projected over the workloads with both a current bill and a "
                  "complete estimate; negative when the recommendation costs more.")
    workloads_in_saving = serializers.IntegerField()


class PortfolioRowSerializer(serializers.Serializer):
    workload_id = serializers.IntegerField()
    name = serializers.CharField()
    brain = serializers.CharField(allow_null=True, help_text="Placement id of the latest assessment.")
    memory = serializers.CharField(allow_null=True, help_text="Placement id of the latest assessment.")
    nerves = serializers.CharField(allow_null=True, help_text="Placement id of the latest assessment.")
    projected_monthly_usd = serializers.FloatField(allow_null=True)
    projected_complete = serializers.BooleanField()
    current_monthly_usd = serializers.FloatField(allow_null=True)
    saving_usd = serializers.FloatField(allow_null=True)
    utilization = serializers.FloatField(allow_null=True, help_text="0..1")
    wait_fraction = serializers.FloatField(allow_null=True, help_text="0..1")
    assessed_at = serializers.DateTimeField(allow_null=True)
    ruleset = serializers.CharField(allow_null=True)
    catalog = serializers.CharField(allow_null=True)


class PortfolioSerializer(serializers.Serializer):
    """Documents portfolio_export(); the response passes its dict through unchanged."""

    team = PortfolioTeamSerializer()
    generated_at = serializers.DateTimeField()
    currency = serializers.CharField()
    totals = PortfolioTotalsSerializer()
    workloads = PortfolioRowSerializer(many=True)


class TeamSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The id in /teams/<id>/ routes (portfolio, imports, exports).")
    slug = serializers.CharField(help_text="The team field of a workload.")
    name = serializers.CharField()
    role = serializers.CharField(help_text="Your role: owner, member or viewer.")


class TeamListApi(APIView):
    @extend_schema(summary="Your teams, with your role in each", responses={200: TeamSerializer(many=True)})
    def get(self, request: Request) -> Response:
        teams = selectors.team_list_for_user(user=request.user).filter(
            memberships__user=request.user).annotate(role=F("memberships__role"))
        return Response(TeamSerializer(teams, many=True).data)


class PortfolioApi(APIView):
    @extend_schema(
        summary="A team's portfolio: each workload's placements and monthly costs, with totals",
        parameters=[OpenApiParameter("sort", str, enum=[*SORTS, *(f"-{k}" for k in SORTS)],
                                     description="Order of the workloads; '-' for descending.")],
        responses={200: PortfolioSerializer, 404: None})
    def get(self, request: Request, team_id: int) -> Response:
        team = team_get_for_user(user=request.user, team_id=team_id)
        rows = portfolio_rows(team=team, sort=request.query_params.get("sort", "name"))
        return Response(portfolio_export(team=team, rows=rows))
