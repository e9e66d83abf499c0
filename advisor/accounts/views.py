"""The user's API tokens: list, create (the plain token shown once), revoke."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from advisor.accounts import selectors as account_selectors
from advisor.accounts import services as account_services
from advisor.accounts.audit import audit_event_list
from advisor.accounts.audit_entries import audit_entries
from advisor.accounts.forms import ApiTokenForm
from advisor.models import Membership
from advisor.web.requests import AuthenticatedHttpRequest


@never_cache  # the POST response carries the plain token: no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    new_token = plain = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            # Rendered into this response only: not in the session, the URL or a
            # message, so a reload or a later visit cannot show it again.
            new_token, plain = account_services.api_token_create(
                user=request.user, name=form.cleaned_data["name"]
            )
            form = ApiTokenForm()
        else:
            status = 400
    return render(
        request,
        "advisor/api_tokens.html",
        {
            "form": form,
            "new_token": new_token,
            "plain_token": plain,
            "tokens": account_selectors.api_token_list_for_user(user=request.user),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: AuthenticatedHttpRequest, token_id: int) -> HttpResponse:
    if request.method == "POST":
        api_token = account_services.api_token_revoke(user=request.user, token_id=token_id)
        messages.success(request, f"Token “{api_token.name}” (pa_{api_token.prefix}…) revoked.")
        return redirect("api-tokens")
    api_token = account_selectors.api_token_get_for_user(user=request.user, token_id=token_id)
    return render(request, "advisor/api_token_revoke.html", {"api_token": api_token})


PAGE_SIZE = 50


@login_required
def team_audit(request: AuthenticatedHttpRequest, team_id: int) -> HttpResponse:
    # Another team's id is a 404, like everywhere; a member or viewer of this one, a 403.
    team = account_selectors.team_get_for_user(user=request.user, team_id=team_id)
    if not Membership.objects.filter(user=request.user, team=team, role=Membership.Role.OWNER).exists():
        raise PermissionDenied("Only the team's owners may read its audit log.")
    page = Paginator(audit_event_list(team=team), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "advisor/team_audit.html",
        {"team": team, "page": page, "entries": audit_entries(events=page.object_list)},
    )
