"""HTML pages: validate, call one service, render.

Every page that takes a workload id goes through ``workload_get_for_user``, so
another team's id answers 404 exactly like an id that does not exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from advisor.accounts import selectors as account_selectors
from advisor.advice_record import StoredAdvice
from advisor.models import Assessment
from advisor.presentation import dashboards
from advisor.presentation.advice import advice_context, profile_rows
from advisor.presentation.money import money_context, repatriation_context, tokens_monthly
from advisor.presentation.prices import price_catalogs_context
from advisor.simulations import selectors as simulation_selectors
from advisor.simulations import services as simulations
from advisor.simulations.forms import SimulationForm
from advisor.web.requests import AuthenticatedHttpRequest
from advisor.workloads import selectors, services
from advisor.workloads.forms import HardwareForm, ProfileForm, WhatIfForm, whatif_outputs, whatif_terms
from advisor.workloads.responses import template_response
from placement import presets
from placement.profile import ProfileError


@login_required
def workload_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    workloads = selectors.workload_list_for_user(user=request.user)
    can_create = account_selectors.team_list_for_user(user=request.user, writable=True).exists()
    return render(
        request,
        "advisor/workload_list.html",
        {
            "workloads": workloads,
            "can_create": can_create,
            "presets": presets.PRESETS.values(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def workload_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    teams = account_selectors.team_list_for_user(user=request.user, writable=True)
    if not teams.exists():
        raise PermissionDenied("You are a viewer in every team you belong to.")
    preset = presets.get(request.GET.get("preset", ""))
    form = ProfileForm(request.POST or None, teams=teams, profile=preset.profile if preset else None)
    if request.method == "POST" and form.is_valid():
        try:
            workload = services.workload_create(
                user=request.user, team=form.cleaned_data["team"], profile_data=form.given_profile
            )
        except services.WorkloadNameTaken as exc:
            form.add_error("name", exc.errors["name"])
        else:
            messages.success(request, f"Workload “{workload.name}” created and assessed.")
            return redirect("workload-detail", workload_id=workload.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "advisor/workload_form.html",
        {
            "form": form,
            "presets": presets.PRESETS.values(),
            "preset": preset,
            "workload": None,
        },
        status=status,
    )


@login_required
def workload_detail(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    """The dashboard: the split, the reasons, the charts, the what-if controls."""
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    assessment = selectors.assessment_latest(workload=workload)
    return render(
        request,
        "advisor/workload_detail.html",
        {
            "workload": workload,
            "assessment": assessment,
            "advice": advice_context(assessment.advice) if assessment else None,
            **_money(assessment),
            **_dashboard(assessment),
            "versions": workload.versions.select_related("created_by"),
            "simulations": simulation_selectors.simulation_list(workload=workload)[:10],
            "simulation_form": SimulationForm(),
            "assessments": selectors.assessment_list(workload=workload),
            "can_write": account_selectors.workload_writable(user=request.user, workload=workload),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD"])
def workload_template(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    """The latest assessment's split as an AWS SAM template, to download."""
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    return template_response(selectors.assessment_latest(workload=workload))


@login_required
@require_http_methods(["GET", "HEAD"])
def assessment_template(
    request: AuthenticatedHttpRequest, workload_id: int, assessment_id: int
) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    return template_response(selectors.assessment_get(workload=workload, assessment_id=assessment_id))


@login_required
def assessment_detail(
    request: AuthenticatedHttpRequest, workload_id: int, assessment_id: int
) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    assessment = selectors.assessment_get(workload=workload, assessment_id=assessment_id)
    return render(
        request,
        "advisor/assessment_detail.html",
        {
            "workload": workload,
            "assessment": assessment,
            "advice": advice_context(assessment.advice),
            "profile_rows": profile_rows(assessment.profile),
            "sim": _findings(
                assessment, simulation_selectors.simulation_for_assessment(assessment=assessment)
            ),
            **_money(assessment),
        },
    )


def _dashboard(assessment) -> dict:
    if assessment is None:
        return {"charts": [], "simulated": None, "sim": None}
    run = simulation_selectors.simulation_for_assessment(assessment=assessment)
    return {
        "charts": dashboards.dashboard_charts(assessment=assessment, run=run),
        "simulated": run,
        "sim": _findings(assessment, run),
        "assumptions": dashboards.assumption_rows(assessment.advice),
        "whatif_form": WhatIfForm(profile=assessment.profile),
        "whatif_outputs": whatif_outputs(assessment.profile),
        "whatif_terms": whatif_terms(assessment.profile),
    }


def _findings(assessment, run) -> dict:
    """What the assessment's simulation found, for the warnings of advice.html."""
    return {"run": run, "findings": simulations.simulation_findings(run=run, advice=assessment.result)}


def _money(assessment) -> dict:
    money = money_context(assessment.advice) if assessment else None
    if money is None:
        return {"money": None}
    if money["repatriation"] is None:  # a one-off job: no hardware to weigh
        return {"money": money}
    return {
        "money": money,
        "rep_form": HardwareForm(hardware=money["repatriation"]["hardware"]),
        "rep_url": reverse("assessment-repatriation", args=(assessment.workload_id, assessment.pk)),
    }


@login_required
@require_POST
def assessment_repatriation(
    request: AuthenticatedHttpRequest, workload_id: int, assessment_id: int
) -> HttpResponse:
    """htmx: the repatriation calculator with the hardware assumptions edited, stored nowhere."""
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    assessment = selectors.assessment_get(workload=workload, assessment_id=assessment_id)
    stored = _repatriation(assessment)
    form = HardwareForm(request.POST)
    tokens = tokens_monthly(assessment.advice.monthly_cost)  # the page says what the cloud side leaves out
    if not form.is_valid():
        rep = repatriation_context(stored, tokens_monthly=tokens)
        status = 400
    else:
        rep = repatriation_context(
            services.repatriation_evaluate(assessment=assessment, hardware=form.cleaned_data),
            tokens_monthly=tokens,
        )
        status = 200
    return render(
        request,
        "partials/repatriation.html",
        {
            "rep": rep,
            "rep_form": form,
            "rep_url": reverse("assessment-repatriation", args=(workload.pk, assessment.pk)),
        },
        status=status,
    )


def _repatriation(assessment: Assessment) -> Mapping[str, Any]:
    """The stored repatriation calculator; 404 without one (no prices, or a one-off job)."""
    economics = assessment.advice.economics
    if economics is None or economics.repatriation is None:
        raise Http404("This assessment has no repatriation calculator.")
    return economics.repatriation


@login_required
def price_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Every rate of the newest catalog of each region, with its source and the date it was read."""
    return render(
        request, "advisor/price_list.html", {"catalogs": price_catalogs_context(selectors.price_catalogs())}
    )


@login_required
@require_http_methods(["GET", "POST"])
def workload_edit(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    if not account_selectors.workload_writable(user=request.user, workload=workload):
        raise PermissionDenied("Viewers cannot edit workloads.")
    form = ProfileForm(request.POST or None, profile=workload.profile)
    if request.method == "POST" and form.is_valid():
        try:
            services.workload_update(user=request.user, workload=workload, profile_data=form.given_profile)
        except services.WorkloadNameTaken as exc:
            form.add_error("name", exc.errors["name"])
        else:
            messages.success(request, "Saved as a new version and re-assessed.")
            return redirect("workload-detail", workload_id=workload.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "advisor/workload_form.html",
        {
            "form": form,
            "workload": workload,
            "presets": (),
            "preset": None,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def workload_delete(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    if not account_selectors.workload_writable(user=request.user, workload=workload):
        raise PermissionDenied("Viewers cannot delete workloads.")
    if request.method == "POST":
        name = workload.name
        services.workload_delete(user=request.user, workload=workload)
        messages.success(request, f"Workload “{name}” deleted.")
        return redirect("workload-list")
    return render(request, "advisor/workload_confirm_delete.html", {"workload": workload})


@login_required
@require_POST
def assessment_create(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    services.assessment_request(user=request.user, workload=workload)
    messages.success(request, "Re-assessed with the current rule set.")
    return redirect("workload-detail", workload_id=workload.pk)


@login_required
@require_POST
def profile_preview(request: AuthenticatedHttpRequest) -> HttpResponse:
    """htmx: the advice for the form as it stands, stored nowhere."""
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return render(request, "partials/preview_errors.html", {"form": form})
    try:
        advice = services.profile_evaluate(profile_data=form.given_profile)
    except ProfileError:  # cannot happen after is_valid, but never 500 on a preview
        return render(request, "partials/preview_errors.html", {"form": form})
    return render(
        request, "partials/preview.html", {"advice": advice_context(StoredAdvice.from_engine(advice))}
    )


@login_required
@require_POST
def workload_whatif(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    """htmx: the advice and costs for the sliders' values, stored nowhere."""
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    assessment = selectors.assessment_latest(workload=workload)
    if assessment is None:
        raise Http404("This workload has no assessment to vary.")
    form = WhatIfForm(request.POST, profile=assessment.profile)
    if not form.is_valid():
        return render(
            request, "partials/whatif_result.html", {"form": form, "workload": workload}, status=400
        )
    variant = services.workload_variant(workload=workload, changes=form.changes)
    try:
        # The what-if shows the split, the total and two charts: not the wait sweep.
        advice = services.profile_evaluate(profile_data=variant, wait_sweep=False)
    except ProfileError as error:
        return render(
            request,
            "partials/whatif_result.html",
            {"form": form, "workload": workload, "profile_errors": error.errors},
            status=400,
        )
    return render(
        request,
        "partials/whatif_result.html",
        {
            "workload": workload,
            "form": form,
            "changes": form.changes,
            "whatif": dashboards.whatif_context(
                saved=assessment.advice, variant=StoredAdvice.from_engine(advice)
            ),
            "outputs": whatif_outputs(form.values()),
            "terms": whatif_terms(form.values()),
            "can_write": account_selectors.workload_writable(user=request.user, workload=workload),
        },
    )


@login_required
@require_POST
def workload_whatif_save(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    """Keep a what-if: the variant becomes the workload's next profile version."""
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    if not account_selectors.workload_writable(user=request.user, workload=workload):
        raise PermissionDenied("Viewers cannot change workloads.")
    assessment = selectors.assessment_latest(workload=workload)
    if assessment is None:
        raise Http404("This workload has no assessment to vary.")
    form = WhatIfForm(request.POST, profile=assessment.profile)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(map(str, errors))}")
        return redirect("workload-detail", workload_id=workload.pk)
    if not form.changes:
        messages.info(request, "Nothing to save: every control is where the saved profile has it.")
        return redirect("workload-detail", workload_id=workload.pk)
    try:
        workload = services.workload_update(
            user=request.user,
            workload=workload,
            profile_data=services.workload_variant(workload=workload, changes=form.changes),
        )
    except ProfileError as error:
        messages.error(
            request,
            "Not saved: "
            + "; ".join(f"{field}: {' '.join(problems)}" for field, problems in error.errors.items()),
        )
        return redirect("workload-detail", workload_id=workload.pk)
    messages.success(request, f"What-if saved as version {workload.version} and re-assessed.")
    return redirect("workload-detail", workload_id=workload.pk)
