"""Read queries, each scoped to what the asking user may see."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db.models import OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Lower
from django.http import Http404

from advisor.models import (
    Assessment,
    Team,
    Workload,
)
from placement.placements import LAYERS
from placement.pricing import PRICES_DIR, catalog_versions, read_catalog
from placement.wording import rate_label


def workload_list_for_user(*, user: User) -> QuerySet[Workload]:
    """Workloads of the user's teams, each annotated with its latest placements."""
    latest = Assessment.objects.filter(workload=OuterRef("pk")).order_by("-created_at", "-id")
    annotations = {
        f"{layer}_placement": Subquery(latest.values(f"result__layers__{layer}__placement")[:1])
        for layer in LAYERS
    }
    return (
        Workload.objects.filter(team__memberships__user=user)
        .select_related("team")
        .annotate(**annotations)
        .order_by("-updated_at", "-id")
    )


def workload_name_holder(*, team: Team, name: str, exclude_id: int | None = None) -> str | None:
    """The name of the team's workload that ``name`` would clash with (the same in any case), if any.

    Folded by the database's lower(), the function of the ``workload_unique_name_per_team`` constraint,
    so this check and the constraint never disagree.
    """
    workloads = Workload.objects.filter(team=team)
    if exclude_id is not None:
        workloads = workloads.exclude(pk=exclude_id)
    return (
        workloads.alias(folded=Lower("name"))
        .filter(folded=Lower(Value(name)))
        .values_list("name", flat=True)
        .first()
    )


def workload_names_held(*, team: Team, names: Iterable[str]) -> dict[str, str]:
    """For many names at once (an import): {folded name: the name a workload of the team has}.

    Folded by Python's lower() on the names given, the database's on the names stored: the
    same for every name but a few outside Latin scripts, which the constraint still stops.
    """
    folded = {name.lower() for name in names}
    held = (
        Workload.objects.filter(team=team)
        .annotate(folded=Lower("name"))
        .filter(folded__in=folded)
        .values_list("folded", "name")
    )
    return dict(held)


def assessment_latest(*, workload: Workload) -> Assessment | None:
    return workload.assessments.order_by("-created_at", "-id").first()


def assessment_list(*, workload: Workload) -> QuerySet[Assessment]:
    """Newest first, each with its number within the workload (``Assessment.number``)."""
    return workload.assessments.with_number().order_by("-created_at", "-id")


def assessment_get(*, workload: Workload, assessment_id: int) -> Assessment:
    assessment = workload.assessments.with_number().filter(pk=assessment_id).first()
    if assessment is None:
        raise Http404("No such assessment.")
    return assessment


def price_catalogs() -> list[dict]:
    """The newest price catalog of every region, rates sorted by key, for the prices page."""
    catalogs = []
    for folder in sorted(p for p in PRICES_DIR.iterdir() if p.is_dir()):
        versions = catalog_versions(folder.name)
        if versions:
            catalog = read_catalog(versions[-1])
            catalogs.append(
                {
                    "region": catalog.region,
                    "version": catalog.version,
                    "read_on": catalog.read_on,
                    "versions": [v.stem for v in versions],
                    "rates": [
                        {"key": k, "label": rate_label(k), **r} for k, r in sorted(catalog.rates.items())
                    ],
                }
            )
    return catalogs
