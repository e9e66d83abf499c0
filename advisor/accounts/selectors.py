"""Read queries, each scoped to what the asking user may see."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from advisor.accounts.tokens import token_digest, token_prefix
from advisor.models import (
    ApiToken,
    Membership,
    Team,
    Workload,
)


def team_list_for_user(*, user: User, writable: bool = False) -> QuerySet[Team]:
    memberships = Membership.objects.filter(user=user)
    if writable:
        memberships = memberships.filter(role__in=Membership.WRITE_ROLES)
    return Team.objects.filter(pk__in=memberships.values("team_id")).order_by("name", "pk")


def team_can_write(*, user: User, team: Team) -> bool:
    """Owners and members change a team's workloads; viewers and outsiders do not."""
    return Membership.objects.filter(user=user, team=team, role__in=Membership.WRITE_ROLES).exists()


def workload_writable(*, user: User, workload: Workload) -> bool:
    """Whether the user may change the workload (edit, delete, simulate): the pages' buttons."""
    return team_can_write(user=user, team=workload.team)


def api_token_list_for_user(*, user: User) -> QuerySet[ApiToken]:
    """The user's own tokens, revoked ones included (newest first); never anyone else's."""
    return ApiToken.objects.filter(user=user)


def api_token_get_for_user(*, user: User, token_id: int) -> ApiToken:
    """One of the user's tokens; another user's id is a 404, like one that does not exist."""
    try:
        return ApiToken.objects.get(user=user, pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("No such API token.")


def api_token_get_by_plain(*, token: str) -> ApiToken | None:
    """The row of a presented token, revoked or not; None when it is not one of ours.

    The lookup is by digest, so no comparison ever runs on the secret itself and
    response time reveals nothing about how much of a guess was right.
    """
    if token_prefix(token) is None:
        return None
    return ApiToken.objects.select_related("user").filter(digest=token_digest(token)).first()


def team_get_for_user(*, user: User, team_id: int) -> Team:
    """The team, or Http404 when it does not exist or the user is not in it."""
    team = Team.objects.filter(
        pk=team_id, pk__in=Membership.objects.filter(user=user).values("team_id")
    ).first()
    if team is None:
        raise Http404("No such team.")
    return team


def workload_get_for_user(*, user: User, workload_id: int) -> Workload:
    """The workload if one of the user's teams owns it, else Http404. Every door reads a workload
    through this, so a team sees only its own.

    Both cases answer the same so an id does not reveal another team's data.
    """
    workload = (
        Workload.objects.filter(pk=workload_id, team__memberships__user=user)
        .select_related("team", "created_by")
        .first()
    )
    if workload is None:
        raise Http404("No such workload.")
    return workload


class NotAMember(LookupError):
    """A team named by slug that the user does not belong to (or that does not exist)."""


def team_for_new_workload(*, user: User, slug: str | None) -> Team:
    """The team a new workload goes to: the one named, else the first the user may write to.

    A pure viewer falls through to their first team, so the create service answers 403 (may not
    write) rather than 400; a user in no team gets PermissionDenied.
    """
    teams = team_list_for_user(user=user)
    if slug is None:
        team = team_list_for_user(user=user, writable=True).first() or teams.first()
        if team is None:
            raise PermissionDenied("You belong to no team.")
        return team
    team = teams.filter(slug=slug).first()
    if team is None:
        # Echoed back cut short: a slug can be as long as the body.
        raise NotAMember(f"You are not a member of a team {slug[:50]!r}.")
    return team
