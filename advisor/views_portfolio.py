"""HTML pages and downloads of the team portfolio, and the side-by-side comparison.

A team the user is not in, like another team's workload, answers 404 exactly as
an id that does not exist.
"""
from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from advisor import charts, selectors
from advisor.compare import SideError, compare_choices, compare_context, side_get, side_parse
from advisor.portfolio import (
    SORTS,
    portfolio_context,
    portfolio_csv,
    portfolio_export,
    portfolio_rows,
    sort_parse,
    team_get_for_user,
)
from placement.profile import ProfileError


@login_required
def portfolio(request: HttpRequest) -> HttpResponse:
    """The user's only team's portfolio, or the list of their teams to choose from."""
    teams = list(selectors.team_list_for_user(user=request.user))
    if len(teams) == 1:
        url = reverse("team-portfolio", args=[teams[0].pk])
        query = request.GET.urlencode()  # keep ?sort= across the hop
        return redirect(f"{url}?{query}" if query else url)
    return render(request, "advisor/team_choice.html", {"teams": teams})


@login_required
def team_portfolio(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_user(user=request.user, team_id=team_id)
    sort_key, descending = sort_parse(request.GET.get("sort"))
    sort = f"{'-' if descending else ''}{sort_key}"
    rows = portfolio_rows(team=team, sort=sort)
    context = portfolio_context(rows=rows)
    return render(request, "advisor/portfolio.html", {
        "team": team, **context,
        "teams": selectors.team_list_for_user(user=request.user),
        "can_create": selectors.team_can_write(user=request.user, team=team),
        "is_owner": team.memberships.filter(user=request.user, role="owner").exists(),
        "sort": sort,
        "columns": _columns(sort_key, descending),
        "sort_options": _sort_options(),
        "sort_title": SORTS[sort_key][0] + (", descending" if descending else ""),
        "decision_map": charts.decision_map(context["points"]) if context["points"] else None,
    })


MONEY_COLUMNS = ("projected", "current", "saving")


def _columns(sort_key: str, descending: bool) -> list[dict[str, str | None]]:
    """Each sortable header: the link that sorts by it (flipping the current one) and aria-sort."""
    columns = []
    for key, (title, _) in SORTS.items():
        current = key == sort_key
        columns.append({
            "key": key, "title": title, "num": key in MONEY_COLUMNS,
            "sort": key if not current or descending else f"-{key}",
            "aria": ("descending" if descending else "ascending") if current else None,
        })
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
def team_portfolio_csv(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_user(user=request.user, team_id=team_id)
    rows = portfolio_rows(team=team, sort=request.GET.get("sort", "name"))
    response = HttpResponse(portfolio_csv(rows=rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(team, "csv")}"'
    return response


@login_required
def team_portfolio_json(request: HttpRequest, team_id: int) -> HttpResponse:
    team = team_get_for_user(user=request.user, team_id=team_id)
    rows = portfolio_rows(team=team, sort=request.GET.get("sort", "name"))
    body = json.dumps(portfolio_export(team=team, rows=rows), cls=DjangoJSONEncoder, indent=2)
    response = HttpResponse(body, content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="{_filename(team, "json")}"'
    return response


@login_required
def compare(request: HttpRequest) -> HttpResponse:
    """Two sides named by ?a= and ?b=; with either missing, the form to choose them."""
    values = {param: request.GET.get(param, "").strip() for param in ("a", "b")}
    context = {"choices": compare_choices(user=request.user), "selected": dict(values),
               "error": None, "comparison": None}
    if not all(values.values()):
        return render(request, "advisor/compare.html", context)
    try:
        for param, value in values.items():  # a malformed value is a 400 before any lookup
            side_parse(param=param, value=value)
        sides = {param: side_get(user=request.user, param=param, value=value)
                 for param, value in values.items()}
    except SideError as error:
        return render(request, "advisor/compare.html", {**context, "error": str(error)}, status=400)
    except ProfileError as error:
        return render(request, "advisor/compare.html",
                      {**context, "error": f"This version no longer passes today's checks: {error}"},
                      status=400)
    context["selected"] = {param: side.key for param, side in sides.items()}
    context["comparison"] = compare_context(a=sides["a"], b=sides["b"])
    return render(request, "advisor/compare.html", context)
