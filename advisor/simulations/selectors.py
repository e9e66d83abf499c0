"""Read queries, each scoped to what the asking user may see."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from advisor.models import (
    Assessment,
    SimulationRun,
    Workload,
)


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
    return (
        SimulationRun.objects.filter(
            workload_id=assessment.workload_id,
            profile_version=assessment.profile_version,
            status=SimulationRun.Status.SUCCEEDED,
            result__isnull=False,
        )
        .order_by("-finished_at", "-id")
        .first()
    )
