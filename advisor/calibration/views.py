"""The calibration page: upload exported usage files, read declared against measured and the
advice both give, and keep the measured profile as the next version."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from advisor.accounts import selectors as account_selectors
from advisor.advice_record import StoredAdvice
from advisor.calibration import services
from advisor.calibration.forms import CalibrationSaveForm, CalibrationUploadForm
from advisor.models import Workload
from advisor.presentation.calibration import calibration_context
from advisor.web.requests import AuthenticatedHttpRequest
from advisor.workloads import selectors
from placement.profile import ProfileError


@login_required
@require_http_methods(["GET", "POST"])
def workload_calibrate(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    form = CalibrationUploadForm(request.POST or None, request.FILES or None)
    context = {
        "workload": workload,
        "form": form,
        "can_write": account_selectors.workload_writable(user=request.user, workload=workload),
    }
    if request.method != "POST":
        return render(request, "advisor/calibrate.html", context)
    if not form.is_valid():
        return render(request, "advisor/calibrate.html", context, status=400)
    try:
        result = services.workload_calibrate(workload=workload, exports=form.exports())
    except (services.ExportError, ProfileError) as error:
        form.add_error("files", _error_text(error))
        return render(request, "advisor/calibrate.html", context, status=400)
    saved = selectors.assessment_latest(workload=workload)
    return render(
        request,
        "advisor/calibrate.html",
        {
            **context,
            "result": calibration_context(
                result.calibration,
                saved=saved.advice if saved else None,
                measured=StoredAdvice.from_engine(result.advice),
            ),
            "save_form": CalibrationSaveForm(
                initial={"version": result.version, "changes": json.dumps(result.changes)}
            ),
        },
    )


@login_required
@require_POST
def workload_calibration_save(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    if not account_selectors.workload_writable(user=request.user, workload=workload):
        raise PermissionDenied("Viewers cannot change workloads.")
    form = CalibrationSaveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("workload-calibrate", workload_id=workload.pk)
    try:
        workload = services.workload_calibration_save(
            user=request.user,
            workload=workload,
            version=form.cleaned_data["version"],
            changes=form.cleaned_data["changes"],
        )
    except services.StaleCalibration as error:
        messages.error(request, str(error))
        return redirect("workload-calibrate", workload_id=workload.pk)
    except ProfileError as error:
        messages.error(request, _error_text(error))
        return redirect("workload-calibrate", workload_id=workload.pk)
    messages.success(request, _saved_text(workload))
    return redirect("workload-detail", workload_id=workload.pk)


def _saved_text(workload: Workload) -> str:
    return f"Saved the measured profile as version {workload.version}, and assessed it."


def _error_text(error: Exception) -> str:
    if isinstance(error, ProfileError):
        return "; ".join(f"{field}: {' '.join(map(str, msgs))}" for field, msgs in error.errors.items())
    return str(error)
