"""HTML pages: validate, call one service, render.

Every page that takes a workload id goes through ``workload_get_for_user``, so
another team's id answers 404 exactly like an id that does not exist.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django_htmx.http import HttpResponseClientRefresh
from django.views.decorators.http import require_http_methods, require_POST

from advisor import dashboards, security, selectors, services, simulations
from advisor.forms import HardwareForm, ProfileForm, SimulationForm, WhatIfForm, whatif_outputs, whatif_terms
from advisor.money import money_context, repatriation_context, simulation_context
from advisor.presentation import advice_context, profile_rows
from placement import presets
from placement.profile import ProfileError


def _can_write(request: HttpRequest, workload) -> bool:
    return selectors.team_can_write(user=request.user, team=workload.team)


@login_required
def workload_list(request: HttpRequest) -> HttpResponse:
    workloads = selectors.workload_list_for_user(user=request.user)
    can_create = selectors.team_list_for_user(user=request.user, writable=True).exists()
    return render(request, "advisor/workload_list.html", {
        "workloads": workloads, "can_create": can_create, "presets": presets.PRESETS.values(),
    })


@login_required
@require_http_methods(["GET", "POST"])
def workload_create(request: HttpRequest) -> HttpResponse:
    teams = selectors.team_list_for_user(user=request.user, writable=True)
    if not teams.exists():
        raise PermissionDenied("You are a viewer in every team you belong to.")
    preset = presets.get(request.GET.get("preset", ""))
    form = ProfileForm(request.POST or None, teams=teams,
                       profile=preset.profile if preset else None)
    if request.method == "POST" and form.is_valid():
        workload = services.workload_create(user=request.user, team=form.cleaned_data["team"],
                                            profile_data=form.profile_data)
        messages.success(request, f"Workload “{workload.name}” created and assessed.")
        return redirect("workload-detail", workload_id=workload.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "advisor/workload_form.html", {
        "form": form, "presets": presets.PRESETS.values(), "preset": preset, "workload": None,
    }, status=status)


@login_required
def workload_detail(request: HttpRequest, workload_id: int) -> HttpResponse:
    """The dashboard: the split, the reasons, the charts, the what-if controls."""
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    assessment = selectors.assessment_latest(workload=workload)
    return render(request, "advisor/workload_detail.html", {
        "workload": workload,
        "assessment": assessment,
        "advice": advice_context(assessment.result) if assessment else None,
        **_money(assessment),
        **_dashboard(assessment),
        "versions": workload.versions.select_related("created_by"),
        "simulations": selectors.simulation_list(workload=workload)[:10],
        "simulation_form": SimulationForm(),
        "assessments": selectors.assessment_list(workload=workload),
        "can_write": _can_write(request, workload),
    })


@login_required
def assessment_detail(request: HttpRequest, workload_id: int, assessment_id: int) -> HttpResponse:
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    assessment = selectors.assessment_get(workload=workload, assessment_id=assessment_id)
    return render(request, "advisor/assessment_detail.html", {
        "workload": workload, "assessment": assessment,
        "advice": advice_context(assessment.result),
        "profile_rows": profile_rows(assessment.profile),
        "sim": _findings(assessment, selectors.simulation_for_assessment(assessment=assessment)),
        **_money(assessment),
    })


def _dashboard(assessment) -> dict:
    if assessment is None:
        return {"charts": [], "simulated": None, "sim": None}
    run = selectors.simulation_for_assessment(assessment=assessment)
    return {
        "charts": dashboards.dashboard_charts(assessment=assessment, run=run),
        "simulated": run,
        "sim": _findings(assessment, run),
        "assumptions": dashboards.assumption_rows(assessment.result),
        "whatif_form": WhatIfForm(profile=assessment.profile),
        "whatif_outputs": whatif_outputs(assessment.profile),
        "whatif_terms": whatif_terms(assessment.profile),
    }


def _findings(assessment, run) -> dict:
    """What the assessment's simulation found, for the warnings of advice.html."""
    return {"run": run, "findings": simulations.simulation_findings(run=run, advice=assessment.result)}


def _money(assessment) -> dict:
    money = money_context(assessment.result) if assessment else None
    if money is None:
        return {"money": None}
    if money["repatriation"] is None:  # a one-off job: no hardware to weigh
        return {"money": money}
    return {"money": money,
            "rep_form": HardwareForm(hardware=money["repatriation"]["hardware"]),
            "rep_url": reverse("assessment-repatriation",
                               args=(assessment.workload_id, assessment.pk))}


@login_required
@require_POST
def assessment_repatriation(request: HttpRequest, workload_id: int, assessment_id: int) -> HttpResponse:
    """htmx: the repatriation calculator with the hardware assumptions edited, stored nowhere."""
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    assessment = selectors.assessment_get(workload=workload, assessment_id=assessment_id)
    form = HardwareForm(request.POST)
    if not form.is_valid():
        rep = repatriation_context(assessment.result["economics"]["repatriation"])
        status = 400
    else:
        rep = repatriation_context(services.repatriation_evaluate(assessment=assessment,
                                                                  hardware=form.cleaned_data))
        status = 200
    return render(request, "partials/repatriation.html", {
        "rep": rep, "rep_form": form,
        "rep_url": reverse("assessment-repatriation", args=(workload.pk, assessment.pk)),
    }, status=status)


@login_required
def price_list(request: HttpRequest) -> HttpResponse:
    """Every rate of the newest catalog of each region, with its source and the date it was read."""
    return render(request, "advisor/price_list.html", {"catalogs": selectors.price_catalogs()})


@login_required
@require_http_methods(["GET", "POST"])
def workload_edit(request: HttpRequest, workload_id: int) -> HttpResponse:
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    if not _can_write(request, workload):
        raise PermissionDenied("Viewers cannot edit workloads.")
    form = ProfileForm(request.POST or None, profile=workload.profile)
    if request.method == "POST" and form.is_valid():
        services.workload_update(user=request.user, workload=workload,
                                 profile_data=form.profile_data)
        messages.success(request, "Saved as a new version and re-assessed.")
        return redirect("workload-detail", workload_id=workload.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "advisor/workload_form.html", {
        "form": form, "workload": workload, "presets": (), "preset": None,
    }, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def workload_delete(request: HttpRequest, workload_id: int) -> HttpResponse:
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    if not _can_write(request, workload):
        raise PermissionDenied("Viewers cannot delete workloads.")
    if request.method == "POST":
        name = workload.name
        services.workload_delete(user=request.user, workload=workload)
        messages.success(request, f"Workload “{name}” deleted.")
        return redirect("workload-list")
    return render(request, "advisor/workload_confirm_delete.html", {"workload": workload})


@login_required
@require_POST
def assessment_create(request: HttpRequest, workload_id: int) -> HttpResponse:
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    services.assessment_request(user=request.user, workload=workload)
    messages.success(request, "Re-assessed with the current rule set.")
    return redirect("workload-detail", workload_id=workload.pk)


@login_required
@require_POST
def profile_preview(request: HttpRequest) -> HttpResponse:
    """htmx: the advice for the form as it stands, stored nowhere."""
    form = ProfileForm(request.POST)
    if not form.is_valid():
        return render(request, "partials/preview_errors.html", {"form": form})
    try:
        advice = services.profile_evaluate(profile_data=form.profile_data)
    except ProfileError:  # cannot happen after is_valid, but never 500 on a preview
        return render(request, "partials/preview_errors.html", {"form": form})
    return render(request, "partials/preview.html", {"advice": advice_context(advice)})


@login_required
@require_POST
def simulation_create(request: HttpRequest, workload_id: int) -> HttpResponse:
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    # The same counter as the API's, so clicking is no way around its limit.
    if (throttled := security.throttled_page(request, scope="simulate")) is not None:
        return throttled
    form = SimulationForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
        return redirect("workload-detail", workload_id=workload.pk)
    try:
        run = simulations.simulation_request(user=request.user, workload=workload,
                                             paths=form.cleaned_data["paths"],
                                             seed=form.cleaned_data["seed"])
    except simulations.SimulationLimitError as exc:
        # The runs holding the team's slots, each with its Cancel button, rather than a bare refusal.
        response = render(request, "advisor/simulation_limit.html",
                          {"workload": workload, "error": exc, "runs": exc.runs}, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    return redirect("simulation-detail", workload_id=workload.pk, run_id=run.pk)


@login_required
def simulation_detail(request: HttpRequest, workload_id: int, run_id: int) -> HttpResponse:
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    run = selectors.simulation_get(workload=workload, run_id=run_id)
    return render(request, "advisor/simulation_detail.html", {
        "findings": simulations.simulation_findings(run=run),
        "workload": workload, "run": run, "can_write": _can_write(request, workload),
        "results": simulation_context(run),
    })


@login_required
def simulation_progress(request: HttpRequest, workload_id: int, run_id: int) -> HttpResponse:
    """htmx polling: the progress bar, or a refresh of the page once the run has finished."""
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    run = selectors.simulation_get(workload=workload, run_id=run_id)
    waiting_for_sweep = request.GET.get("sweep") and run.status == run.Status.SUCCEEDED
    if request.htmx and ((run.finished and not waiting_for_sweep) or (waiting_for_sweep and run.sweep)):
        return HttpResponseClientRefresh()
    if waiting_for_sweep:
        return HttpResponse(status=204)
    return render(request, "partials/simulation_progress.html", {
        "workload": workload, "run": run, "can_write": _can_write(request, workload)})


@login_required
@require_POST
def simulation_cancel(request: HttpRequest, workload_id: int, run_id: int) -> HttpResponse:
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    run = selectors.simulation_get(workload=workload, run_id=run_id)
    simulations.simulation_cancel(user=request.user, run=run)
    return redirect("simulation-detail", workload_id=workload.pk, run_id=run.pk)


@login_required
@require_POST
def workload_whatif(request: HttpRequest, workload_id: int) -> HttpResponse:
    """htmx: the advice and costs for the sliders' values, stored nowhere."""
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    assessment = selectors.assessment_latest(workload=workload)
    if assessment is None:
        raise Http404("This workload has no assessment to vary.")
    form = WhatIfForm(request.POST, profile=assessment.profile)
    if not form.is_valid():
        return render(request, "partials/whatif_result.html", {"form": form, "workload": workload},
                      status=400)
    variant = services.workload_variant(workload=workload, changes=form.changes)
    try:
        # The what-if shows the split, the total and two charts: not the wait sweep.
        advice = services.profile_evaluate(profile_data=variant, wait_sweep=False)
    except ProfileError as error:
        return render(request, "partials/whatif_result.html",
                      {"form": form, "workload": workload, "profile_errors": error.errors}, status=400)
    return render(request, "partials/whatif_result.html", {
        "workload": workload, "form": form, "changes": form.changes,
        "whatif": dashboards.whatif_context(saved=assessment.result, variant=advice),
        "outputs": whatif_outputs(form.values()),
        "terms": whatif_terms(form.values()),
        "can_write": _can_write(request, workload),
    })


@login_required
@require_POST
def workload_whatif_save(request: HttpRequest, workload_id: int) -> HttpResponse:
    """Keep a what-if: the variant becomes the workload's next profile version."""
    workload = selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    if not _can_write(request, workload):
        raise PermissionDenied("Viewers cannot change workloads.")
    assessment = selectors.assessment_latest(workload=workload)
    if assessment is None:
        raise Http404("This workload has no assessment to vary.")
    form = WhatIfForm(request.POST, profile=assessment.profile)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(errors)}")
        return redirect("workload-detail", workload_id=workload.pk)
    if not form.changes:
        messages.info(request, "Nothing to save: every control is where the saved profile has it.")
        return redirect("workload-detail", workload_id=workload.pk)
    try:
        workload = services.workload_update(user=request.user, workload=workload,
                                 profile_data=services.workload_variant(workload=workload,
                                                                        changes=form.changes))
    except ProfileError as error:
        messages.error(request, "Not saved: " + "; ".join(
            f"{field}: {' '.join(problems)}" for field, problems in error.errors.items()))
        return redirect("workload-detail", workload_id=workload.pk)
    messages.success(request, f"What-if saved as version {workload.version} and re-assessed.")
    return redirect("workload-detail", workload_id=workload.pk)
