"""Read queries, each scoped to what the asking user may see."""
from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from advisor.models import (
    ApiToken, Assessment, IdempotencyKey, Membership, PortfolioImport, SimulationRun, Team, Workload,
)
from advisor.tokens import token_digest, token_prefix
from placement.pricing import PRICES_DIR, catalog_versions, read_catalog
from placement.wording import rate_label

LAYERS = ("brain", "memory", "nerves")


def team_list_for_user(*, user: AbstractBaseUser, writable: bool = False) -> QuerySet[Team]:
    memberships = Membership.objects.filter(user=user)
    if writable:
        memberships = memberships.filter(role__in=Membership.WRITE_ROLES)
    return Team.objects.filter(pk__in=memberships.values("team_id")).order_by("name", "pk")


def team_can_write(*, user: AbstractBaseUser, team: Team) -> bool:
    """Owners and members change a team's workloads; viewers and outsiders do not."""
    return Membership.objects.filter(user=user, team=team,
                                     role__in=Membership.WRITE_ROLES).exists()


def workload_list_for_user(*, user: AbstractBaseUser) -> QuerySet[Workload]:
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


def workload_get_for_user(*, user: AbstractBaseUser, workload_id: int) -> Workload:
    """The workload, or Http404 when it does not exist or belongs to another team.

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


def assessment_latest(*, workload: Workload) -> Assessment | None:
    return workload.assessments.order_by("-created_at", "-id").first()


def assessment_list(*, workload: Workload) -> QuerySet[Assessment]:
    return workload.assessments.order_by("-created_at", "-id")


def assessment_get(*, workload: Workload, assessment_id: int) -> Assessment:
    assessment = workload.assessments.filter(pk=assessment_id).first()
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
            catalogs.append({"region": catalog.region, "version": catalog.version,
                             "read_on": catalog.read_on,
                             "versions": [v.stem for v in versions],
                             "rates": [{"key": k, "label": rate_label(k), **r}
                                       for k, r in sorted(catalog.rates.items())]})
    return catalogs


def simulation_list(*, workload: Workload) -> QuerySet[SimulationRun]:
    return workload.simulations.defer("result", "profile").select_related("requested_by")


def simulation_get(*, workload: Workload, run_id: int) -> SimulationRun:
    """A run of this workload; any other id, another team's included, is a 404."""
    try:
        return workload.simulations.get(pk=run_id)
    except SimulationRun.DoesNotExist:
        raise Http404("No such simulation.")


def simulation_for_assessment(*, assessment: Assessment) -> SimulationRun | None:
    """The newest finished simulation of the profile version this assessment judged.

    Versions are immutable, so a run of the same version simulated the same profile.
    A run of an older version describes other traffic: the dashboard and the report
    would rather show deterministic figures, labelled as such, than a stale band.
    """
    return (SimulationRun.objects.filter(workload_id=assessment.workload_id,
                                         profile_version=assessment.profile_version,
                                         status=SimulationRun.Status.SUCCEEDED, result__isnull=False)
            .order_by("-finished_at", "-id").first())


def api_token_list_for_user(*, user: AbstractBaseUser) -> QuerySet[ApiToken]:
    """The user's own tokens, revoked ones included (newest first); never anyone else's."""
    return ApiToken.objects.filter(user=user)


def api_token_get_for_user(*, user: AbstractBaseUser, token_id: int) -> ApiToken:
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
    return (ApiToken.objects.select_related("user")
            .filter(digest=token_digest(token)).first())


def import_list(*, team: Team) -> QuerySet[PortfolioImport]:
    # The stored rows can be megabytes; a list shows counts only.
    return team.imports.defer("profiles", "errors").order_by("-created_at", "-id")


def import_get(*, team: Team, import_id: int) -> PortfolioImport:
    """One import of the team; any other id, another team's included, is a 404."""
    job = team.imports.defer("profiles").filter(pk=import_id).first()
    if job is None:
        raise Http404("No such import.")
    return job


def idempotency_keys_expired() -> QuerySet[IdempotencyKey]:
    """Keys older than ``IDEMPOTENCY_KEY_DAYS``: a request with one counts as new; beat deletes them."""
    cutoff = timezone.now() - timedelta(days=settings.IDEMPOTENCY_KEY_DAYS)
    return IdempotencyKey.objects.filter(created_at__lt=cutoff)
