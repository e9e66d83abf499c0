"""Read queries, each scoped to what the asking user may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from advisor.models import (
    PortfolioImport,
    Team,
)


def import_list(*, team: Team) -> QuerySet[PortfolioImport]:
    # The stored rows can be megabytes; a list shows counts only.
    return team.imports.defer("profiles", "errors").order_by("-created_at", "-id")


def import_get(*, team: Team, import_id: int) -> PortfolioImport:
    """One import of the team; any other id, another team's included, is a 404."""
    job = team.imports.defer("profiles").filter(pk=import_id).first()
    if job is None:
        raise Http404("No such import.")
    return job
