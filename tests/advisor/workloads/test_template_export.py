"""The recommended split as an AWS SAM template: downloaded from the dashboard and the API,
made from the stored advice, and only ever a team's own."""

from __future__ import annotations

import pytest
import yaml

from advisor.workloads import services

pytestmark = pytest.mark.django_db


def template(response) -> dict:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/yaml; charset=utf-8"
    return yaml.safe_load(response.content)


def test_the_dashboard_offers_the_template_of_the_latest_assessment(owner_client, workload):
    page = owner_client.get(f"/workloads/{workload.pk}/").content.decode()
    assert f'href="/workloads/{workload.pk}/template.yaml" download' in page

    response = owner_client.get(f"/workloads/{workload.pk}/template.yaml")

    body = template(response)
    assert body["Transform"] == "AWS::Serverless-2016-10-31"
    assert response["Content-Disposition"] == 'attachment; filename="support-ticket-bot-v1-sam.yaml"'
    assert "Support ticket bot" in body["Description"]


def test_the_template_follows_the_stored_advice_not_todays_rules(owner_client, workload):
    assessment = workload.assessments.get()
    nerves = assessment.result["layers"]["nerves"]["placement"]

    body = template(owner_client.get(f"/workloads/{workload.pk}/template.yaml"))

    kinds = {resource["Type"] for resource in body["Resources"].values()}
    assert nerves == "lambda" and "AWS::Serverless::Function" in kinds


def test_a_viewer_may_download_it_and_an_outsider_gets_404(viewer_client, client, outsider, workload):
    assert viewer_client.get(f"/workloads/{workload.pk}/template.yaml").status_code == 200
    client.force_login(outsider)
    assert client.get(f"/workloads/{workload.pk}/template.yaml").status_code == 404


def test_the_api_gives_the_latest_and_a_given_assessments_template(api, owner, workload):
    assessment = services.assessment_request(user=owner, workload=workload)

    latest = api(owner).get(f"/api/v1/workloads/{workload.pk}/template.yaml", HTTP_ACCEPT="application/yaml")
    given = api(owner).get(f"/api/v1/workloads/{workload.pk}/assessments/{assessment.pk}/template.yaml")

    assert template(latest) == template(given)


def test_the_api_answers_404_in_json_for_another_teams_workload(api, outsider, workload):
    response = api(outsider).get(
        f"/api/v1/workloads/{workload.pk}/template.yaml", HTTP_ACCEPT="application/yaml"
    )

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"


def test_an_assessment_of_another_workload_is_not_found(api, owner, workload, other_workload):
    theirs = other_workload.assessments.get()

    response = api(owner).get(f"/api/v1/workloads/{workload.pk}/assessments/{theirs.pk}/template.yaml")

    assert response.status_code == 404
