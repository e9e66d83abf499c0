"""Use cases: one function each, keyword-only, named ``<entity>_<action>``.

Views, API views and commands validate input, call one of these and render.
Every write that changes a workload's profile keeps the old one and stores a
fresh assessment, so nothing a team was once told is lost.
"""

from __future__ import annotations

from datetime import timedelta
from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from advisor.accounts.audit import audit_record
from advisor.accounts.selectors import api_token_get_for_user, team_can_write
from advisor.accounts.tokens import token_digest, token_generate, token_prefix
from advisor.models import ApiToken, Membership, Team


def team_write_require(*, user: User, team: Team, action: str) -> None:
    """The one owner-or-member check of every write: PermissionDenied naming ``action`` for a viewer
    (or a stranger); pages and the API answer it as 403."""
    if not team_can_write(user=user, team=team):
        raise PermissionDenied(f"Only owners and members of this team may {action}.")


@transaction.atomic
def team_membership_ensure(
    *, user: User, team: Team, role: str = Membership.Role.MEMBER, actor: User | None = None
) -> Membership:
    before = Membership.objects.filter(user=user, team=team).values_list("role", flat=True).first()
    membership, _ = Membership.objects.update_or_create(user=user, team=team, defaults={"role": role})
    if before != role:
        audit_record(
            actor=actor,
            team=team,
            action="membership.change",
            target=membership,
            details={"user": user.get_username(), "from": before, "to": role},
        )
    return membership


# last_used_at is for people ("was this token used this week?"), not an audit
# log: refreshing it at most once a minute spares a write on every API call.
API_TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """A new token for the user. The plain token is returned here, once, and never stored."""
    plain = token_generate()
    prefix = cast(str, token_prefix(plain))  # None only for a malformed token, and this one is new
    api_token = ApiToken.objects.create(
        user=user, name=name.strip(), prefix=prefix, digest=token_digest(plain)
    )
    return api_token, plain


def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; another user's id is a 404. Revoking twice is harmless."""
    api_token = api_token_get_for_user(user=user, token_id=token_id)
    if api_token.revoked_at is None:
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
    return api_token


def api_token_mark_used(*, api_token: ApiToken) -> None:
    now = timezone.now()
    if api_token.last_used_at is not None and now - api_token.last_used_at < API_TOKEN_USE_RESOLUTION:
        return
    ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    api_token.last_used_at = now
