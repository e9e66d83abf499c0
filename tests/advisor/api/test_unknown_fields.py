"""Every POST of the API refuses a field it does not know, naming it, instead of ignoring it.

Routes that take a body check it field by field (workloads, evaluate, simulations, imports,
token: tests/advisor/web/test_hostile_input.py); the routes here take none, and a field sent
to them means the client expects something they do not do.
"""

from __future__ import annotations

import pytest

from advisor.models import Assessment, Report, SimulationRun
from advisor.simulations import services as simulations

pytestmark = pytest.mark.django_db(transaction=True)  # the simulation is enqueued on commit


def test_a_misspelt_simulation_request_is_a_400_naming_each_field_and_starts_nothing(api, owner, workload):
    response = api(owner).post(
        f"/api/v1/workloads/{workload.pk}/simulations/", {"path": 50, "sead": 7}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"path": ["Unknown field."], "sead": ["Unknown field."]}
    assert not SimulationRun.objects.exists()


def test_assessing_again_with_a_body_is_a_400_naming_its_fields_and_assesses_nothing(api, owner, workload):
    response = api(owner).post(
        f"/api/v1/workloads/{workload.pk}/assessments/", {"profile_version": 1}, format="json"
    )

    assert response.status_code == 400 and response.json() == {"profile_version": ["Unknown field."]}
    assert Assessment.objects.count() == 1


def test_cancelling_with_a_body_is_a_400_naming_its_fields_and_cancels_nothing(api, owner, workload):
    run = simulations.simulation_request(user=owner, workload=workload, paths=10, seed=1, days=1)
    SimulationRun.objects.filter(pk=run.pk).update(status=SimulationRun.Status.QUEUED)  # not finished yet

    response = api(owner).post(
        f"/api/v1/workloads/{workload.pk}/simulations/{run.pk}/cancel/", {"reason": "too slow"}, format="json"
    )

    assert response.status_code == 400 and response.json() == {"reason": ["Unknown field."]}
    assert SimulationRun.objects.get(pk=run.pk).status == SimulationRun.Status.QUEUED


def test_a_run_that_does_not_exist_is_a_404_whatever_the_body(api, owner, workload):
    response = api(owner).post(
        f"/api/v1/workloads/{workload.pk}/simulations/999999/cancel/", {"x": 1}, format="json"
    )

    assert response.status_code == 404


@pytest.mark.parametrize("route", ["workload", "assessment"])
def test_rendering_a_report_with_a_body_is_a_400_naming_its_fields_and_renders_nothing(
    api, owner, workload, route
):
    assessment = workload.assessments.get()
    url = {
        "workload": f"/api/v1/workloads/{workload.pk}/report.pdf",
        "assessment": f"/api/v1/workloads/{workload.pk}/assessments/{assessment.pk}/report.pdf",
    }[route]

    response = api(owner).post(url, {"format": "pdf"}, format="json")

    assert response.status_code == 400 and response.json() == {"format": ["Unknown field."]}
    assert not Report.objects.exists()


@pytest.mark.parametrize("body", [None, {}])
def test_those_routes_still_take_no_body_or_an_empty_object(api, owner, workload, body):
    response = api(owner).post(f"/api/v1/workloads/{workload.pk}/assessments/", body, format="json")

    assert response.status_code == 201
