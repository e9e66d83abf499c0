"""Pages of portfolio import and export: upload, progress, row errors, downloads.

Another team's id answers 404 like an id that does not exist; a viewer may read
imports and export, but not import.
"""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRefresh

from advisor import imports, security, selectors
from advisor.api.imports import workloads_file_response
from advisor.forms import PortfolioImportForm
from advisor.portfolio import team_get_for_user
from placement.profile import FIELDS
from placement.profile_file import MAX_ROWS

ERRORS_SHOWN = 200  # on the page; the CSV download has them all


@login_required
def team_import(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_user(user=request.user, team_id=team_id)
    if not selectors.team_can_write(user=request.user, team=team):
        raise PermissionDenied("Only owners and members of this team may import workloads.")
    form = PortfolioImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        # The same counter as the API's, so the page is no way around its limit.
        if (throttled := security.throttled_page(request, scope="import")) is not None:
            return throttled
        if form.is_valid():
            try:
                job = imports.portfolio_import_start(
                    user=request.user, team=team, content=form.cleaned_data["file"].read(),
                    file_format=form.file_format, mode=form.cleaned_data["mode"],
                    filename=form.cleaned_data["file"].name)
                return redirect("team-import-detail", team_id=team.pk, import_id=job.pk)
            except imports.ImportInputError as exc:
                for field, messages in exc.errors.items():
                    form.add_error(field if field in form.fields else "file", messages)
    return render(request, "advisor/import_form.html", {
        "team": team, "form": form, "max_rows": f"{MAX_ROWS:,}", "fields": FIELDS,
        "recent": selectors.import_list(team=team)[:5],
    }, status=400 if form.errors else 200)


@login_required
def team_import_detail(request: HttpRequest, team_id: int, import_id: int) -> HttpResponse:
    team = team_get_for_user(user=request.user, team_id=team_id)
    job = selectors.import_get(team=team, import_id=import_id)
    return render(request, "advisor/import_detail.html", {
        "team": team, "job": job, "rows_done": imports.import_rows_done(job=job),
        "errors_shown": job.errors[:ERRORS_SHOWN], "errors_hidden": max(0, len(job.errors) - ERRORS_SHOWN),
        "error_rows": len({e["row"] for e in job.errors}),
    })


@login_required
def team_import_progress(request: HttpRequest, team_id: int, import_id: int) -> HttpResponse:
    """htmx polling: the progress bar, or a refresh of the page once the import has finished."""
    team = team_get_for_user(user=request.user, team_id=team_id)
    job = selectors.import_get(team=team, import_id=import_id)
    if request.htmx and job.finished:
        return HttpResponseClientRefresh()
    return render(request, "partials/import_progress.html", {
        "team": team, "job": job, "rows_done": imports.import_rows_done(job=job)})


@login_required
def team_import_errors_csv(request: HttpRequest, team_id: int, import_id: int) -> HttpResponse:
    team = team_get_for_user(user=request.user, team_id=team_id)
    job = selectors.import_get(team=team, import_id=import_id)
    response = HttpResponse(imports.errors_export(job=job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-import-{job.pk}-errors.csv"'
    return response


@login_required
def team_workloads_file(request: HttpRequest, team_id: int, file_format: str) -> HttpResponse:
    team = team_get_for_user(user=request.user, team_id=team_id)
    return workloads_file_response(team=team, file_format=file_format)
