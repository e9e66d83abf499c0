"""``POST /api/v1/workloads/<id>/calibrate/``: exported usage files in, declared against measured
out, with the measured profile's advice; ``save=true`` keeps it as the next version."""

from __future__ import annotations

from typing import Any, cast

from django.http import QueryDict
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from advisor.accounts import selectors as account_selectors
from advisor.api.idempotency import IdempotentPostMixin
from advisor.api.responses import location_header
from advisor.calibration import services
from advisor.models import Workload
from advisor.web.requests import AuthenticatedRequest
from advisor.web.throttling import UserRateThrottle, WriteScopedRateThrottle
from advisor.workloads import selectors
from placement import gate
from placement.profile import ProfileError, unknown_field_errors


def _save_field() -> serializers.BooleanField:
    return serializers.BooleanField(
        default=False,
        help_text="Keep the measured profile as the workload's next version, and assess it (201; 200 when no "
        "field was measured differently).",
    )


class CalibrationUploadSerializer(serializers.Serializer):
    """The multipart form (for the schema and the unknown-field check)."""

    files = serializers.ListField(
        child=serializers.FileField(),
        help_text="One or more exported files, each as a part named `files`: Lambda REPORT logs "
        "(filter-log-events JSON or text, Logs Insights CSV/JSON), CloudWatch metric CSVs, a Cost and "
        "Usage Report or a Cost Explorer CSV.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        # "save" cannot be a class attribute: it would hide Serializer.save.
        return {**super().get_fields(), "save": _save_field()}


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    declared = serializers.JSONField(allow_null=True)
    measured = serializers.JSONField(allow_null=True)


class CalibrationSerializer(serializers.Serializer):
    profile = serializers.DictField(
        help_text="The measured profile: the declared one with the measured fields."
    )
    measured = serializers.DictField(help_text="Every figure the files gave, the fields' sources among them.")
    changes = ChangeSerializer(many=True, help_text="The fields measured differently from the profile.")
    sources = serializers.ListField(child=serializers.CharField(), help_text="What was read from each file.")
    declared_version = serializers.IntegerField(help_text="The profile version the files were compared with.")
    advice = serializers.DictField(help_text="The measured profile's advice, as POST /evaluate/ gives it.")
    comparison = serializers.DictField(
        help_text="The saved assessment's placements and costs against the measured profile's "
        "(as `advise --baseline` compares them); null with no saved assessment.",
        allow_null=True,
    )
    saved_version = serializers.IntegerField(allow_null=True, help_text="The new version, with save=true.")


_BAD_INPUT = OpenApiResponse(
    description="Invalid input: {field: [messages]} naming each field (`files`, `save`, an unknown one). "
    "A file that cannot be read is `files` in words and `export_error` as data: "
    '{"file", "row" (header = 1; null for JSON), "column", "message"}.'
)


class WorkloadCalibrateApi(IdempotentPostMixin, APIView):
    parser_classes = [MultiPartParser]
    max_body_setting = "CALIBRATION_MAX_BYTES"  # files of REPORT lines and metrics, not one profile
    throttle_classes = [UserRateThrottle, WriteScopedRateThrottle]
    throttle_scope = "calibrate"

    @extend_schema(
        summary="Calibrate a workload from exported usage files (stores nothing unless save=true)",
        request={"multipart/form-data": CalibrationUploadSerializer},
        responses={
            200: CalibrationSerializer,
            201: OpenApiResponse(CalibrationSerializer, description="Saved as the next version (save=true)."),
            400: _BAD_INPUT,
            403: None,
            404: None,
        },
    )
    def post(self, request: AuthenticatedRequest, workload_id: int) -> Response:
        workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
        save = _save_option(request)
        exports = [(upload.name or "upload", upload.read()) for upload in request.FILES.getlist("files")]
        if not exports:
            raise ValidationError(
                {"files": ["Attach one or more exported files, each as a part named 'files'."]}
            )
        try:
            result = services.workload_calibrate(workload=workload, exports=exports)
        except services.ExportError as error:
            # A Response, not a ValidationError, which would turn the row number into text.
            return Response(
                {"files": [str(error)], "export_error": _error_data(error)},
                status=status.HTTP_400_BAD_REQUEST,
            )
        except ProfileError as error:  # the stored profile no longer passes today's checks
            raise ValidationError(error.errors) from None
        body = _body(result, workload)
        if not (save and result.changes):  # nothing measured differently: nothing to save
            return Response(body)
        workload = services.workload_calibration_save(
            user=request.user, workload=workload, version=result.version, changes=result.changes
        )
        body["saved_version"] = workload.version
        url = reverse("api-workload-detail", args=[workload.pk])
        return Response(body, status=status.HTTP_201_CREATED, headers=location_header(request, url))


def _save_option(request: AuthenticatedRequest) -> bool:
    """Only ``files`` and ``save``: a misspelt option is a 400 naming it, not silently ignored."""
    form = cast(QueryDict, request.data)  # the multipart parser's: its fields and files
    if errors := unknown_field_errors(form, CalibrationUploadSerializer().fields):
        raise ValidationError(errors)
    try:
        return bool(_save_field().run_validation(form.get("save", False)))
    except serializers.ValidationError as error:
        raise ValidationError({"save": error.detail}) from None


def _error_data(error: services.ExportError) -> dict[str, Any]:
    return {"file": error.file, "row": error.row, "column": error.column, "message": error.message}


def _body(result: services.CalibrationResult, workload: Workload) -> dict[str, Any]:
    saved = selectors.assessment_latest(workload=workload)
    comparison = gate.compare(saved.advice.raw, result.advice) if saved else None
    return {
        **result.calibration.to_dict(),
        "declared_version": result.version,
        "advice": result.advice,
        "comparison": gate.comparison_dict(comparison, []) if comparison else None,
        "saved_version": None,
    }
