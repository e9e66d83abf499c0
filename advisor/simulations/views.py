"""HTML pages: validate, call one service, render.

Every page that takes a workload id goes through ``workload_get_for_user``, so
another team's id answers 404 exactly like an id that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from advisor.accounts import selectors as account_selectors
from advisor.presentation.money import simulation_context
from advisor.simulations import selectors as simulation_selectors
from advisor.simulations import services as simulations
from advisor.simulations.forms import SimulationForm
from advisor.web import security
from advisor.web.requests import AuthenticatedHttpRequest


@login_required
@require_POST
def simulation_create(request: AuthenticatedHttpRequest, workload_id: int) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    # The same counter as the API's, so clicking is no way around its limit.
    if (throttled := security.throttled_page(request, scope="simulate")) is not None:
        return throttled
    form = SimulationForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {' '.join(map(str, errors))}")
        return redirect("workload-detail", workload_id=workload.pk)
    try:
        run = simulations.simulation_request(
            user=request.user,
            workload=workload,
            paths=form.cleaned_data["paths"],
            seed=form.cleaned_data["seed"],
        )
    except simulations.SimulationLimitError as exc:
        # The runs holding the team's slots, each with its Cancel button, rather than a bare refusal.
        response = render(
            request,
            "advisor/simulation_limit.html",
            {"workload": workload, "error": exc, "runs": exc.runs},
            status=429,
        )
        response["Retry-After"] = str(exc.retry_after)
        return response
    return redirect("simulation-detail", workload_id=workload.pk, run_id=run.pk)


@login_required
def simulation_detail(request: AuthenticatedHttpRequest, workload_id: int, run_id: int) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    run = simulation_selectors.simulation_get(workload=workload, run_id=run_id)
    return render(
        request,
        "advisor/simulation_detail.html",
        {
            "findings": simulations.simulation_findings(run=run),
            "workload": workload,
            "run": run,
            "can_write": account_selectors.workload_writable(user=request.user, workload=workload),
            "results": simulation_context(run),
        },
    )


@login_required
def simulation_progress(request: AuthenticatedHttpRequest, workload_id: int, run_id: int) -> HttpResponse:
    """htmx polling: the progress bar, or a refresh of the page once the run has finished."""
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    run = simulation_selectors.simulation_get(workload=workload, run_id=run_id)
    waiting_for_sweep = request.GET.get("sweep") and run.status == run.Status.SUCCEEDED
    if request.htmx and ((run.finished and not waiting_for_sweep) or (waiting_for_sweep and run.sweep)):
        return HttpResponseClientRefresh()
    if waiting_for_sweep:
        return HttpResponse(status=204)
    return render(
        request,
        "partials/simulation_progress.html",
        {
            "workload": workload,
            "run": run,
            "can_write": account_selectors.workload_writable(user=request.user, workload=workload),
        },
    )


@login_required
@require_POST
def simulation_cancel(request: AuthenticatedHttpRequest, workload_id: int, run_id: int) -> HttpResponse:
    workload = account_selectors.workload_get_for_user(user=request.user, workload_id=workload_id)
    run = simulation_selectors.simulation_get(workload=workload, run_id=run_id)
    simulations.simulation_cancel(user=request.user, run=run)
    return redirect("simulation-detail", workload_id=workload.pk, run_id=run.pk)
