"""HTML pages and downloads of the team portfolio, and the side-by-side comparison.

A team the user is not in, like another team's workload, answers 404 exactly as
an id that does not exist.
"""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from advisor.accounts import selectors as account_selectors
from advisor.portfolio import imports
from advisor.portfolio import selectors as portfolio_selectors
from advisor.portfolio.compare import (
    SideError,
    SideNotFound,
    compare_choices,
    compare_context,
    side_get,
    side_parse,
    sides_same_notice,
)
from advisor.portfolio.forms import PortfolioImportForm
from advisor.portfolio.responses import workloads_file_response
from advisor.portfolio.services import (
    SORTS,
    portfolio_context,
    portfolio_csv,
    portfolio_export,
    portfolio_rows,
    sort_parse,
)
from advisor.presentation import charts
from advisor.web import security
from advisor.web.requests import AuthenticatedHttpRequest
from placement.placements import LAYERS
from placement.profile import FIELDS, ProfileError
from placement.profile_file import MAX_ROWS


@login_required
def portfolio(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The user's only team's portfolio, or the list of their teams to choose from."""
    teams = list(account_selectors.team_list_for_user(user=request.user))
    if len(teams) == 1:
        url = reverse("team-portfolio", args=[teams[0].pk])
        query = request.GET.urlencode()  # keep ?sort= across the hop
        return redirect(f"{url}?{query}" if query else url)
    return render(request, "advisor/team_choice.html", {"teams": teams})


@login_required
def team_portfolio(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    sort_key, descending = sort_parse(request.GET.get("sort"))
    sort = f"{'-' if descending else ''}{sort_key}"
    rows = portfolio_rows(team=team, sort=sort)
    context = portfolio_context(rows=rows)
    return render(
        request,
        "advisor/portfolio.html",
        {
            "team": team,
            **context,
            "teams": account_selectors.team_list_for_user(user=request.user),
            "can_create": account_selectors.team_can_write(user=request.user, team=team),
            "is_owner": team.memberships.filter(user=request.user, role="owner").exists(),
            "sort": sort,
            "columns": _columns(sort_key, descending),
            "sort_options": _sort_options(),
            "sort_title": SORTS[sort_key][0] + (", descending" if descending else ""),
            "decision_map": charts.decision_map(context["points"]) if context["points"] else None,
        },
    )


MONEY_COLUMNS = ("projected", "current", "saving")


def _columns(sort_key: str, descending: bool) -> list[dict[str, str | bool | None]]:
    """Each sortable header: the link that sorts by it (flipping the current one) and aria-sort."""
    columns: list[dict[str, str | bool | None]] = []
    for key, (title, _) in SORTS.items():
        current = key == sort_key
        columns.append(
            {
                "key": key,
                "title": title,
                "num": key in MONEY_COLUMNS,
                "layer": key in LAYERS,
                "sort": key if not current or descending else f"-{key}",
                "aria": ("descending" if descending else "ascending") if current else None,
            }
        )
    return columns


def _sort_options() -> list[tuple[str, str]]:
    """The same orders for the sort menu of narrow screens, where the headers are hidden."""
    options = []
    for key, (title, _) in SORTS.items():
        low, high = ("lowest first", "highest first") if key in MONEY_COLUMNS else ("A to Z", "Z to A")
        options += [(key, f"{title}, {low}"), (f"-{key}", f"{title}, {high}")]
    return options


def _filename(team, ext: str) -> str:
    return f"portfolio-{slugify(team.slug) or team.pk}-{timezone.now():%Y-%m-%d}.{ext}"


@login_required
def team_portfolio_csv(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    rows = portfolio_rows(team=team, sort=request.GET.get("sort", "name"))
    response = HttpResponse(portfolio_csv(rows=rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(team, "csv")}"'
    return response


@login_required
def team_portfolio_json(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    rows = portfolio_rows(team=team, sort=request.GET.get("sort", "name"))
    body = json.dumps(portfolio_export(team=team, rows=rows), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_filename(team, "json")}"'
    return response


@login_required
def compare(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Two sides named by ?a= and ?b=; with either missing, the form to choose them."""
    values = {param: request.GET.get(param, "").strip() for param in ("a", "b")}
    context = {
        "choices": compare_choices(user=request.user),
        "selected": dict(values),
        "error": None,
        "comparison": None,
    }
    if not all(values.values()):
        return render(request, "advisor/compare.html", context)
    try:
        for param, value in values.items():  # a malformed value is a 400 before any lookup
            side_parse(param=param, value=value)
        sides = {
            param: side_get(user=request.user, param=param, value=value) for param, value in values.items()
        }
    except SideError as error:
        return render(request, "advisor/compare.html", {**context, "error": str(error)}, status=400)
    except SideNotFound as error:
        return render(request, "advisor/compare.html", {**context, "error": str(error)}, status=404)
    except ProfileError as error:
        return render(
            request,
            "advisor/compare.html",
            {**context, "error": f"This version no longer passes today's checks: {error}"},
            status=400,
        )
    context["selected"] = {param: side.key for param, side in sides.items()}
    if notice := sides_same_notice(a=sides["a"], b=sides["b"]):
        return render(request, "advisor/compare.html", {**context, "notice": notice})
    context["comparison"] = compare_context(a=sides["a"], b=sides["b"])
    return render(request, "advisor/compare.html", context)


ERRORS_SHOWN = 200  # on the page; the CSV download has them all


@login_required
def team_import(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    if not account_selectors.team_can_write(user=request.user, team=team):
        raise PermissionDenied("Only owners and members of this team may import workloads.")
    form = PortfolioImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        # The same counter as the API's, so the page is no way around its limit.
        if (throttled := security.throttled_page(request, scope="import")) is not None:
            return throttled
        if form.is_valid():
            try:
                job = imports.portfolio_import_start(
                    user=request.user,
                    team=team,
                    content=form.cleaned_data["file"].read(),
                    file_format=form.file_format,
                    mode=form.cleaned_data["mode"],
                    filename=form.cleaned_data["file"].name,
                )
                return redirect("team-import-detail", team_id=team.pk, import_id=job.pk)
            except imports.ImportInputError as exc:
                for field, messages in exc.errors.items():
                    form.add_error(field if field in form.fields else "file", messages)
    return render(
        request,
        "advisor/import_form.html",
        {
            "team": team,
            "form": form,
            "max_rows": f"{MAX_ROWS:,}",
            "fields": FIELDS,
            "recent": portfolio_selectors.import_list(team=team)[:5],
        },
        status=400 if form.errors else 200,
    )


@login_required
def team_import_detail(request: AuthenticatedHttpRequest, team_id: int, import_id: int) -> HttpResponse:
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    job = portfolio_selectors.import_get(team=team, import_id=import_id)
    return render(
        request,
        "advisor/import_detail.html",
        {
            "team": team,
            "job": job,
            "rows_done": imports.import_rows_done(job=job),
            "can_write": account_selectors.team_can_write(user=request.user, team=team),
            "errors_shown": job.errors[:ERRORS_SHOWN],
            "errors_hidden": max(0, len(job.errors) - ERRORS_SHOWN),
            "error_rows": len({e["row"] for e in job.errors}),
        },
    )


@login_required
def team_import_progress(request: AuthenticatedHttpRequest, team_id: int, import_id: int) -> HttpResponse:
    """htmx polling: the progress bar, or a refresh of the page once the import has finished."""
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    job = portfolio_selectors.import_get(team=team, import_id=import_id)
    if request.htmx and job.finished:
        return HttpResponseClientRefresh()
    return render(
        request,
        "partials/import_progress.html",
        {
            "team": team,
            "job": job,
            "rows_done": imports.import_rows_done(job=job),
            "can_write": account_selectors.team_can_write(user=request.user, team=team),
        },
    )


@login_required
@require_POST
def team_import_cancel(request: AuthenticatedHttpRequest, team_id: int, import_id: int) -> HttpResponse:
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    job = portfolio_selectors.import_get(team=team, import_id=import_id)
    imports.portfolio_import_cancel(user=request.user, job=job)
    return redirect("team-import-detail", team_id=team.pk, import_id=job.pk)


@login_required
def team_import_errors_csv(request: AuthenticatedHttpRequest, team_id: int, import_id: int) -> HttpResponse:
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    job = portfolio_selectors.import_get(team=team, import_id=import_id)
    response = HttpResponse(imports.errors_export(job=job), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{team.slug}-import-{job.pk}-errors.csv"'
    return response


@login_required
def team_workloads_file(request: AuthenticatedHttpRequest, team_id: int, file_format: str) -> HttpResponse:
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    return workloads_file_response(team=team, file_format=file_format)
