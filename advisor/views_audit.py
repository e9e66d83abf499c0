"""The team's audit log, for its owners."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from advisor.audit import audit_event_list
from advisor.models import Membership
from advisor.portfolio import team_get_for_user

PAGE_SIZE = 50


@login_required
def team_audit(request: HttpRequest, team_id: int) -> HttpResponse:
    # Another team's id is a 404, like everywhere; a member or viewer of this one, a 403.
    team = team_get_for_user(user=request.user, team_id=team_id)
    if not Membership.objects.filter(user=request.user, team=team, role=Membership.Role.OWNER).exists():
        raise PermissionDenied("Only the team's owners may read its audit log.")
    page = Paginator(audit_event_list(team=team), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "advisor/team_audit.html", {"team": team, "page": page})
