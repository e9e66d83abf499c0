"""The REST API: CRUD, history, evaluation, errors naming fields, team isolation."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from advisor.accounts import services as account_services
from advisor.advice_record import unstamped
from advisor.models import Assessment, ProfileVersion, Workload
from advisor.workloads import services

pytestmark = pytest.mark.django_db

LIST = "/api/v1/workloads/"


def detail(w) -> str:
    return f"/api/v1/workloads/{w.pk}/"


def _counts():
    return (Workload.objects.count(), ProfileVersion.objects.count(), Assessment.objects.count())


def test_an_owner_creates_a_workload_and_gets_its_placements(api, owner, profile):
    response = api(owner).post(LIST, profile, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["team"] == "alpha" and body["version"] == 1
    assert set(body["latest_assessment"]["placements"]) == {"brain", "memory", "nerves"}
    workload = Workload.objects.get(pk=body["id"])
    assert workload.versions.count() == 1 and workload.assessments.count() == 1


def test_the_list_shows_only_the_users_teams_workloads(api, owner, workload, other_workload):
    body = api(owner).get(LIST).json()
    assert [w["id"] for w in body["results"]] == [workload.pk]


def test_a_workload_is_retrieved_with_its_latest_assessment(api, owner, workload):
    body = api(owner).get(detail(workload)).json()
    assert body["name"] == "Support ticket bot"
    assert body["latest_assessment"]["ruleset_version"]


def test_put_replaces_the_profile_and_keeps_every_earlier_version(api, owner, workload, profile):
    first = workload.assessments.get()
    first_result = first.result
    response = api(owner).put(detail(workload), {**profile, "requests_per_day": 900_000}, format="json")
    assert response.status_code == 200, response.content
    workload.refresh_from_db()
    assert workload.version == 2
    assert list(workload.versions.values_list("version", flat=True)) == [2, 1]
    assert workload.versions.get(version=1).profile["requests_per_day"] == 2000
    assert workload.assessments.count() == 2
    first.refresh_from_db()
    assert first.result == first_result and first.profile_version == 1


def test_patch_changes_only_the_given_fields(api, owner, workload):
    response = api(owner).patch(detail(workload), {"wait_fraction": 0.2}, format="json")
    assert response.status_code == 200, response.content
    workload.refresh_from_db()
    assert workload.profile["wait_fraction"] == 0.2
    assert workload.profile["hosted_model"] == "claude-haiku-4.5"
    assert workload.version == 2


def test_delete_removes_the_workload(api, owner, workload):
    assert api(owner).delete(detail(workload)).status_code == 204
    assert not Workload.objects.filter(pk=workload.pk).exists()


def test_assessments_are_listed_and_each_one_is_returned_exactly(api, owner, workload, profile):
    api(owner).patch(detail(workload), {"requests_per_day": 10}, format="json")
    url = f"{detail(workload)}assessments/"
    items = api(owner).get(url).json()["results"]
    assert [a["profile_version"] for a in items] == [2, 1]
    one = api(owner).get(f"{url}{items[1]['id']}/").json()
    stored = Assessment.objects.get(pk=items[1]["id"])
    assert one["result"] == unstamped(stored.result)  # the engine's JSON, without the store's version
    assert one["profile"]["requests_per_day"] == 2000


def test_a_member_can_ask_for_a_fresh_assessment_and_the_old_one_stays(api, owner, workload):
    old = workload.assessments.get()
    response = api(owner).post(f"{detail(workload)}assessments/")
    assert response.status_code == 201
    assert response.json()["profile_version"] == 1
    assert workload.assessments.count() == 2
    assert Assessment.objects.get(pk=old.pk).result == old.result


def test_evaluate_returns_advice_and_stores_nothing(api, owner, profile):
    before = _counts()
    response = api(owner).post("/api/v1/evaluate/", profile, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body["layers"]) == {"brain", "memory", "nerves"}
    assert body["ruleset"] and "trace" in body and "facts" in body
    assert _counts() == before


def test_evaluate_leaves_the_wait_sweep_out_unless_asked_and_a_stored_assessment_has_it(api, owner, profile):
    quick = api(owner).post("/api/v1/evaluate/", profile, format="json").json()
    swept = api(owner).post("/api/v1/evaluate/?include=wait_sweep", profile, format="json").json()
    assert quick["economics"]["break_even"]["by_wait_fraction"] is None
    assert [w for w, _ in swept["economics"]["break_even"]["by_wait_fraction"]] == [0, 0.25, 0.5, 0.75, 0.9]
    # Everything else is the same answer.
    swept["economics"]["break_even"]["by_wait_fraction"] = None
    assert quick == swept
    stored = api(owner).post(LIST, profile, format="json").json()
    assessment = Assessment.objects.get(workload_id=stored["id"])
    assert len(assessment.result["economics"]["break_even"]["by_wait_fraction"]) == 5


def test_evaluate_refuses_an_unknown_include_by_name(api, owner, profile):
    response = api(owner).post("/api/v1/evaluate/?include=everything", profile, format="json")
    assert response.status_code == 400
    assert "include" in response.json()


def test_a_team_slug_picks_the_team_for_a_user_in_several_teams(api, owner, other_team, profile):
    from advisor.models import Membership

    Membership.objects.create(user=owner, team=other_team, role="member")
    response = api(owner).post(LIST, {**profile, "team": "other"}, format="json")
    assert response.status_code == 201
    assert response.json()["team"] == "other"


def test_a_team_the_user_is_not_in_is_refused_by_name(api, owner, other_team, profile):
    response = api(owner).post(LIST, {**profile, "team": "other"}, format="json")
    assert response.status_code == 400
    assert "team" in response.json()


BAD_BODIES = [
    ('{"name": "x", "requests_per_day": 1', "non_field_errors"),  # truncated JSON
    ('{"name": "x", "requests_per_day": NaN}', "non_field_errors"),
    ('{"name": "x", "requests_per_day": Infinity}', "non_field_errors"),
    ("[1, 2]", "non_field_errors"),
    ('"just a string"', "non_field_errors"),
    ('{"name": "x", "requests_per_day": 5, "colour": "blue"}', "colour"),
    ('{"name": "x", "requests_per_day": "many"}', "requests_per_day"),
    ('{"name": "x", "requests_per_day": true}', "requests_per_day"),
    ('{"name": "x", "requests_per_day": -1}', "requests_per_day"),
    ('{"name": "x", "requests_per_day": 5, "wait_fraction": 1.5}', "wait_fraction"),
    ('{"name": "x", "requests_per_day": 5, "pattern": "weekly"}', "pattern"),
    ('{"name": "x\\u0000y", "requests_per_day": 5}', "name"),
    ('{"name": "x", "requests_per_day": 5, "orchestration_steps": 2.5}', "orchestration_steps"),
    ('{"requests_per_day": 5}', "name"),
    ('{"name": "x", "requests_per_day": 5, "memory_mb": 1e400}', "memory_mb"),
    ('{"name": "x", "requests_per_day": 5, "hosted_model": "claud-sonnet-4.5"}', "hosted_model"),
    ('{"name": "x", "requests_per_day": 5, "hosted_model": "other"}', "hosted_input_usd_per_million_tokens"),
]


@pytest.mark.parametrize("body,field", BAD_BODIES)
@pytest.mark.parametrize("url", [LIST, "/api/v1/evaluate/"])
def test_bad_input_is_a_400_naming_the_field_and_stores_nothing(api, owner, team, url, body, field):
    before = _counts()
    response = api(owner).generic("POST", url, body, content_type="application/json")
    assert response.status_code == 400, response.content
    errors = response.json()
    assert field in errors and all(isinstance(m, str) for m in errors[field])
    assert _counts() == before


@pytest.mark.parametrize("url", [LIST, "/api/v1/evaluate/"])
def test_an_unknown_hosted_model_is_a_400_naming_the_field_and_the_nearest_known_models(
    api, owner, profile, url
):
    response = api(owner).post(url, {**profile, "hosted_model": "claud-sonnet-4.5"}, format="json")

    assert response.status_code == 400, response.content
    assert set(response.json()) == {"hosted_model"}
    [message] = response.json()["hosted_model"]
    assert message.startswith("Unknown model 'claud-sonnet-4.5'; did you mean claude-sonnet-4.5")
    assert '"other"' in message


def test_another_model_with_its_token_prices_is_stored_and_priced_at_them(api, owner, profile):
    other = {
        **profile,
        "hosted_model": "other",
        "hosted_input_usd_per_million_tokens": 2.5,
        "hosted_output_usd_per_million_tokens": 10,
    }

    response = api(owner).post("/api/v1/evaluate/", other, format="json")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["profile"]["hosted_input_usd_per_million_tokens"] == 2.5
    assert body["layers"]["brain"]["placement"] == "hosted_api"


@pytest.mark.parametrize("body,field", BAD_BODIES[5:])
def test_a_bad_update_is_refused_and_the_workload_is_unchanged(api, owner, workload, body, field):
    before = _counts()
    response = api(owner).generic("PUT", detail(workload), body, content_type="application/json")
    assert response.status_code == 400 and field in response.json()
    workload.refresh_from_db()
    assert workload.version == 1 and _counts() == before


def test_patch_cannot_move_a_workload_to_another_team(api, owner, workload):
    response = api(owner).patch(detail(workload), {"team": "other"}, format="json")
    assert response.status_code == 400 and "team" in response.json()


def _routes(w):
    return [
        ("get", detail(w)),
        ("put", detail(w)),
        ("patch", detail(w)),
        ("delete", detail(w)),
        ("get", f"{detail(w)}assessments/"),
        ("post", f"{detail(w)}assessments/"),
        ("get", f"{detail(w)}assessments/{w.assessments.get().pk}/"),
    ]


def test_another_teams_workload_is_404_on_every_api_route(api, owner, other_workload, profile):
    client = api(owner)
    for method, url in _routes(other_workload):
        response = getattr(client, method)(url, profile, format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    other_workload.refresh_from_db()
    assert other_workload.version == 1


def test_an_assessment_of_another_workload_is_404_under_mine(api, owner, workload, other_workload):
    foreign = other_workload.assessments.get().pk
    assert api(owner).get(f"{detail(workload)}assessments/{foreign}/").status_code == 404


def test_a_viewer_reads_but_cannot_write_through_the_api(api, viewer, workload, profile):
    client = api(viewer)
    assert client.get(detail(workload)).status_code == 200
    assert client.get(LIST).json()["count"] == 1
    assert client.post(LIST, profile, format="json").status_code == 403
    assert client.put(detail(workload), profile, format="json").status_code == 403
    assert client.patch(detail(workload), {"wait_fraction": 0.1}, format="json").status_code == 403
    assert client.delete(detail(workload)).status_code == 403
    assert client.post(f"{detail(workload)}assessments/").status_code == 403
    workload.refresh_from_db()
    assert workload.version == 1


def test_anonymous_requests_are_refused_with_401_and_a_bearer_challenge(client, workload):
    for response in (client.get(LIST), client.post("/api/v1/evaluate/", {}, content_type="application/json")):
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_authenticates_api_calls(client, owner, workload):
    _, token = account_services.api_token_create(user=owner, name="test")
    response = client.get(LIST, HTTP_AUTHORIZATION=f"Token {token}")
    assert response.status_code == 200 and response.json()["count"] == 1


def test_a_token_is_issued_for_a_username_and_password(client, owner):
    response = client.post(
        "/api/v1/auth/token/", {"username": "owner", "password": "pw-owner"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["token"]


def test_the_openapi_schema_documents_each_profile_field(client, owner):
    client.force_login(owner)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    profile = schema["components"]["schemas"]["ProfileRequest"]
    wait = profile["properties"]["wait_fraction"]
    assert wait["type"] == "number" and wait["minimum"] == 0 and wait["maximum"] == 1
    assert wait["default"] == 0.5 and wait["description"]
    # requests_per_day too, unless a one-off job gives its volume (the description says so).
    assert set(profile["required"]) == {"name"}
    assert "/api/v1/evaluate/" in schema["paths"]
    price = profile["properties"]["hosted_input_usd_per_million_tokens"]
    assert price["minimum"] == 0 and price.get("nullable") is True


def test_the_swagger_page_loads_its_javascript_from_our_own_static_files(client, owner):
    client.force_login(owner)
    html = client.get(reverse("swagger-ui")).content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()


def test_the_workload_list_pages_searches_and_orders(api, owner, team):
    for name in ("Bravo bot", "Alpha agent", "Charlie cache"):
        services.workload_create(user=owner, team=team, profile_data={"name": name, "requests_per_day": 10})
    client = api(owner)
    ordered = client.get("/api/v1/workloads/", {"ordering": "name"}).json()
    assert [w["name"] for w in ordered["results"]] == ["Alpha agent", "Bravo bot", "Charlie cache"]
    assert ordered["count"] == 3 and ordered["next"] is None
    found = client.get("/api/v1/workloads/", {"search": "bot"}).json()["results"]
    assert [w["name"] for w in found] == ["Bravo bot"]
    paged = client.get("/api/v1/workloads/", {"ordering": "-name", "page_size": 1, "page": 2}).json()
    assert [w["name"] for w in paged["results"]] == ["Bravo bot"] and paged["count"] == 3
