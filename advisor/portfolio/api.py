"""REST API of teams: the caller's teams, and a team's portfolio (the same data as the JSON download)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from django.db.models import F
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor.accounts import selectors as account_selectors
from advisor.api.idempotency import IdempotentPostMixin
from advisor.api.negotiation import FileNegotiation
from advisor.api.parsers import StrictJSONParser
from advisor.api.responses import location_header
from advisor.api.serializers import NoBodySerializer
from advisor.jobs import retry_notice
from advisor.models import JobReason, PortfolioImport
from advisor.portfolio import imports
from advisor.portfolio import selectors as portfolio_selectors
from advisor.portfolio.responses import workloads_file_response
from advisor.portfolio.services import SORTS, portfolio_export, portfolio_rows
from advisor.web.requests import AuthenticatedRequest
from advisor.web.throttling import UserRateThrottle, WriteScopedRateThrottle
from placement.profile import unknown_field_errors
from placement.profile_file import MAX_ROWS


class PortfolioTeamSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    name = serializers.CharField()


class PortfolioTotalsSerializer(serializers.Serializer):
    workloads = serializers.IntegerField()
    projected_monthly_usd = serializers.FloatField(
        help_text="Sum of the projected monthly costs; a partial figure when projected_complete is false."
    )
    projected_complete = serializers.BooleanField(
        help_text="Every workload has an assessment with every layer priced."
    )
    current_monthly_usd = serializers.FloatField(
        help_text="Sum of today's bills over the workloads whose profile gives one."
    )
    workloads_with_current = serializers.IntegerField()
    saving_usd = serializers.FloatField(
        allow_null=True,
        help_text="Current minus projected over the workloads with both a current bill and a "
        "complete estimate; negative when the recommendation costs more.",
    )
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
    def get(self, request: AuthenticatedRequest) -> Response:
        teams = (
            account_selectors.team_list_for_user(user=request.user)
            .filter(memberships__user=request.user)
            .annotate(role=F("memberships__role"))
        )
        return Response(TeamSerializer(teams, many=True).data)


class PortfolioApi(APIView):
    @extend_schema(
        summary="A team's portfolio: each workload's placements and monthly costs, with totals",
        parameters=[
            OpenApiParameter(
                "sort",
                str,
                enum=[*SORTS, *(f"-{k}" for k in SORTS)],
                description="Order of the workloads; '-' for descending.",
            )
        ],
        responses={200: PortfolioSerializer, 404: None},
    )
    def get(self, request: AuthenticatedRequest, team_id: int) -> Response:
        team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
        rows = portfolio_rows(team=team, sort=request.query_params.get("sort", "name"))
        return Response(portfolio_export(team=team, rows=rows))


_ERRORS = OpenApiResponse(description="Invalid input: {field: [messages]} naming each field.")


def import_url(job: PortfolioImport) -> str:
    return reverse("api-team-import-detail", args=[job.team_id, job.pk])


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="As a spreadsheet numbers it: in a CSV the header is row 1.")
    field = serializers.CharField(help_text="Profile field, or non_field_errors.")
    message = serializers.CharField()


class PortfolioImportSummarySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField()
    rows_valid = serializers.IntegerField(read_only=True)
    rows_done = serializers.SerializerMethodField(help_text="Valid rows assessed so far.")
    skipped_count = serializers.IntegerField(
        read_only=True, help_text="Invalid rows left out (mode valid_rows)."
    )
    retry_notice = serializers.SerializerMethodField(
        help_text="Set when the worker's heartbeat has been silent too long: when it was last seen "
        "and by when beat sends the import again; empty otherwise."
    )
    note = serializers.CharField(
        read_only=True,
        help_text=(
            "What to know about a state that is no failure, e.g. queued while the task queue is unreachable."
        ),
    )
    reason = serializers.ChoiceField(
        read_only=True,
        choices=JobReason.choices,
        help_text=(
            "Why it waits or ended as it did, as a code (broker_unreachable, attempts_exhausted, timed_out, "
            "cancelled, invalid_input, error); empty otherwise. `note` or `error` holds the words."
        ),
    )

    class Meta:
        model = PortfolioImport
        fields = [
            "id",
            "url",
            "team",
            "status",
            "mode",
            "file_format",
            "filename",
            "rows_total",
            "rows_valid",
            "rows_done",
            "created_count",
            "updated_count",
            "unchanged_count",
            "skipped_count",
            "note",
            "reason",
            "retry_notice",
            "error",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, job: PortfolioImport) -> str:
        return import_url(job)

    def get_rows_done(self, job: PortfolioImport) -> int:
        return imports.import_rows_done(job=job)

    def get_retry_notice(self, job: PortfolioImport) -> str:
        return retry_notice(job)


class PortfolioImportSerializer(PortfolioImportSummarySerializer):
    # Not the `errors` property: DRF's metaclass moves declared fields off the class; the stubs cannot know.
    errors = RowErrorSerializer(many=True, read_only=True)  # type: ignore[assignment]

    class Meta(PortfolioImportSummarySerializer.Meta):
        fields = [*PortfolioImportSummarySerializer.Meta.fields, "errors"]
        read_only_fields = fields


class ImportRequestSerializer(serializers.Serializer):
    """What the schema shows for a JSON body; a multipart body has ``file`` instead."""

    mode = serializers.ChoiceField(
        choices=PortfolioImport.Mode.choices, help_text="What happens when some rows are invalid. No default."
    )
    workloads = serializers.ListField(
        child=serializers.DictField(),
        max_length=MAX_ROWS,
        help_text="Workload profiles, as for POST /workloads/.",
    )


class ImportUploadSerializer(serializers.Serializer):
    mode = serializers.ChoiceField(choices=PortfolioImport.Mode.choices)
    file = serializers.FileField(help_text="CSV (a header of profile field names) or JSON.")
    file_format = serializers.ChoiceField(
        choices=["csv", "json"], required=False, help_text="Default: from the file's extension."
    )


class WorkloadsFileSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="placement-advisor/workloads")
    version = serializers.IntegerField()
    workloads = serializers.ListField(child=serializers.DictField(), help_text="Profiles as stored.")


class ImportRejectedSerializer(serializers.Serializer):
    """A rejected file has all three; a request wrong as a whole is {field: [messages]} instead."""

    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)
    rows = RowErrorSerializer(many=True, required=False, help_text="Every row error, by row then field.")
    import_id = serializers.IntegerField(
        required=False, help_text="The rejected import, kept for its report."
    )


class TeamImportListApi(IdempotentPostMixin, GenericAPIView):
    parser_classes = [StrictJSONParser, MultiPartParser]
    max_body_setting = "IMPORT_MAX_BYTES"  # a file of 10,000 profiles, not one profile
    throttle_classes = [UserRateThrottle, WriteScopedRateThrottle]
    throttle_scope = "import"
    serializer_class = PortfolioImportSummarySerializer

    @extend_schema(
        summary="Imports into a team, newest first",
        responses={200: PortfolioImportSummarySerializer(many=True), 404: None},
    )
    def get(self, request: AuthenticatedRequest, team_id: int) -> Response:
        team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
        page = self.paginate_queryset(portfolio_selectors.import_list(team=team))
        return self.get_paginated_response(PortfolioImportSummarySerializer(page, many=True).data)

    @extend_schema(
        summary="Import many workloads from CSV or JSON (validated now, stored by a worker)",
        request={"application/json": ImportRequestSerializer, "multipart/form-data": ImportUploadSerializer},
        responses={202: PortfolioImportSerializer, 400: ImportRejectedSerializer, 403: None, 404: None},
    )
    def post(self, request: AuthenticatedRequest, team_id: int) -> Response:
        team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
        content, file_format, filename = _upload(request)
        try:
            job = imports.portfolio_import_start(
                user=request.user,
                team=team,
                content=content,
                file_format=file_format,
                mode=_options(request).get("mode"),
                filename=filename,
            )
        except imports.ImportInputError as exc:
            raise ValidationError(exc.errors) from None
        headers = location_header(request, import_url(job))
        if job.status == PortfolioImport.Status.REJECTED:
            return Response(_rejected(job), status=status.HTTP_400_BAD_REQUEST, headers=headers)
        return Response(PortfolioImportSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers=headers)


def _upload(request: AuthenticatedRequest) -> tuple[str | bytes, str, str]:
    """The file's content, format and name, from a multipart upload or a JSON body."""
    _refuse_unknown_options(request)
    upload = request.FILES.get("file")
    if upload is None:
        if request.content_type.startswith("multipart/"):
            raise ValidationError({"file": ["Attach the CSV or JSON file as 'file'."]})
        workloads = _options(request).get("workloads")
        if workloads is None:
            raise ValidationError({"workloads": ["This field is required: a list of workload profiles."]})
        return json.dumps(workloads), "json", ""
    file_format = _options(request).get("file_format") or PurePath(upload.name).suffix.lower().lstrip(".")
    if file_format not in ("csv", "json"):
        raise ValidationError({"file_format": ["Name the file .csv or .json, or give file_format."]})
    return upload.read(), file_format, upload.name


def _options(request: AuthenticatedRequest) -> Mapping[str, Any]:
    """The body's fields, from a JSON object or a form; a JSON list has none (and _upload refuses it)."""
    return request.data if isinstance(request.data, dict) else {}


def _refuse_unknown_options(request: AuthenticatedRequest) -> None:
    """A misspelt option ("mdoe", "fileformat") is a 400 naming it, not silently ignored."""
    if not isinstance(request.data, Mapping):
        return  # _upload names what is missing
    multipart = request.content_type.startswith("multipart/")
    options = (ImportUploadSerializer if multipart else ImportRequestSerializer)().fields
    if errors := unknown_field_errors(request.data, options):
        raise ValidationError(errors)


def _rejected(job: PortfolioImport) -> dict:
    rows = len({error["row"] for error in job.errors})
    why = (
        f"{rows} of {job.rows_total} rows have errors, and mode all_or_nothing stores none of them."
        if job.mode == PortfolioImport.Mode.ALL_OR_NOTHING
        else "No row is valid."
    )
    return {"non_field_errors": [f"{why} Nothing was stored."], "rows": job.errors, "import_id": job.pk}


class TeamImportDetailApi(APIView):
    @extend_schema(
        summary="One import: status, progress, counts and every row error",
        responses={200: PortfolioImportSerializer, 404: None},
    )
    def get(self, request: AuthenticatedRequest, team_id: int, import_id: int) -> Response:
        team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
        return Response(
            PortfolioImportSerializer(portfolio_selectors.import_get(team=team, import_id=import_id)).data
        )


class TeamImportCancelApi(IdempotentPostMixin, APIView):
    @extend_schema(
        summary="Cancel an import: its chunks stop and nothing is stored (a finished import stays as it is)",
        request=None,
        responses={200: PortfolioImportSerializer, 403: None, 404: None},
    )
    def post(self, request: AuthenticatedRequest, team_id: int, import_id: int) -> Response:
        team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
        job = portfolio_selectors.import_get(team=team, import_id=import_id)
        NoBodySerializer(data=request.data).is_valid(raise_exception=True)
        job = imports.portfolio_import_cancel(user=request.user, job=job)
        return Response(PortfolioImportSerializer(job).data)


class TeamWorkloadsCsvApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        summary="The team's workload profiles as CSV, which imports back unchanged",
        responses={(200, "text/csv"): OpenApiTypes.STR, 404: None},
    )
    def get(self, request: AuthenticatedRequest, team_id: int) -> HttpResponse:
        team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
        return workloads_file_response(team=team, file_format="csv")


class TeamWorkloadsJsonApi(APIView):
    renderer_classes = [JSONRenderer]
    content_negotiation_class = FileNegotiation

    @extend_schema(
        summary="The team's workload profiles as JSON, which imports back unchanged",
        responses={200: WorkloadsFileSerializer, 404: None},
    )
    def get(self, request: AuthenticatedRequest, team_id: int) -> HttpResponse:
        team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
        return workloads_file_response(team=team, file_format="json")
