"""Team isolation, proved by walking every URL pattern as a member of another team.

Every route that names an object (a workload, an assessment, a simulation, a team...) is
requested with the ids of another team's objects, with every method it accepts: each must
answer 404, exactly like an id that does not exist. Routes without ids (lists, exports,
the portfolio chooser) must not mention the other team's workload. A new route with an id
this walk does not know fails the test until it is added to ``IDS`` below, so isolation
cannot be forgotten.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from advisor.accounts import services as account_services
from advisor.api.errors import ROUTE_NOT_FOUND
from advisor.models import Membership, SimulationRun
from advisor.portfolio import imports
from advisor.simulations import services as simulations

pytestmark = pytest.mark.django_db(transaction=True)  # the simulation is enqueued on commit

SKIPPED_PREFIXES = ("admin/", "api/schema/", "api/docs/", "accounts/")  # not team data
PARAMETER = re.compile(r"<(?:(?P<converter>\w+):)?(?P<name>\w+)>")
SECRET = "Their secret workload"


def routes(patterns=None, prefix: str = ""):
    """Every concrete route of the project, as (route text, view name)."""
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from routes(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.name


@pytest.fixture
def theirs(outsider, other_team, other_workload):
    """Ids of another team's objects, one per kind of URL parameter."""
    run = simulations.simulation_request(user=outsider, workload=other_workload, paths=100, seed=1)
    token, _ = account_services.api_token_create(
        user=outsider, name="their intake bot"
    )  # tokens are per user
    job = imports.portfolio_import_start(
        user=outsider,
        team=other_team,
        file_format="csv",
        mode="valid_rows",
        content="name,requests_per_day\nTheir imported workload,5\nbad,-1\n",
    )
    return {
        "workload_id": other_workload.pk,
        "assessment_id": other_workload.assessments.get().pk,
        "run_id": SimulationRun.objects.get(pk=run.pk).pk,
        "team_id": other_team.pk,
        "token_id": token.pk,
        "import_id": job.pk,
    }


def fill(route: str, ids: dict[str, int]) -> str:
    def value(match):
        name = match.group("name")
        assert name in ids, f"route {route!r} takes <{name}>: add it to the isolation walk"
        return str(ids[name])

    return "/" + PARAMETER.sub(value, route).lstrip("^").rstrip("$")


def team_routes():
    # The API's last route answers 404 to any URL: it holds no team data.
    return [
        (route, name)
        for route, name in routes()
        if not route.startswith(SKIPPED_PREFIXES) and name != ROUTE_NOT_FOUND
    ]


def test_the_walk_covers_pages_api_exports_progress_and_pdfs():
    names = {name for _, name in team_routes()}
    for expected in (
        "workload-detail",
        "simulation-progress",
        "team-portfolio-csv",
        "workload-report",
        "api-workload-detail",
        "assessment-report",
        "workload-whatif",
        "team-import-progress",
        "api-team-import-detail",
        "team-workloads-csv",
        "api-team-workloads-json",
    ):
        assert expected in names


def test_every_route_with_an_id_answers_404_to_another_team(client, owner, theirs):
    client.force_login(owner)
    checked = []
    for route, name in team_routes():
        if not PARAMETER.search(route):
            continue
        url = fill(route, theirs)
        for method in ("get", "post", "put", "patch", "delete"):
            response = (
                getattr(client, method)(url, content_type="application/json")
                if method != "get"
                else client.get(url)
            )
            if response.status_code == 405:
                continue
            assert response.status_code == 404, f"{method.upper()} {url} ({name}) -> {response.status_code}"
            assert SECRET.encode() not in response.content
            checked.append((method, name))
    assert len(checked) >= 30  # pages, API, exports, progress and PDFs, with their methods


def test_routes_without_ids_never_show_another_teams_workload(client, owner, theirs):
    client.force_login(owner)
    for route, name in team_routes():
        if PARAMETER.search(route):
            continue
        response = client.get(fill(route, {}), follow=True)
        assert response.status_code in (200, 405), f"GET /{route} ({name}) -> {response.status_code}"
        assert SECRET.encode() not in response.content, f"/{route} ({name}) shows another team's workload"


def test_the_walk_would_see_a_leak(client, owner, theirs, other_team):
    # The same requests, made by a member of that team, succeed: the 404s above are isolation,
    # not broken routes.
    Membership.objects.create(user=owner, team=other_team, role=Membership.Role.VIEWER)
    client.force_login(owner)
    assert client.get(f"/workloads/{theirs['workload_id']}/").status_code == 200
    assert client.get(f"/api/v1/workloads/{theirs['workload_id']}/").status_code == 200
    assert client.get(f"/teams/{theirs['team_id']}/portfolio.csv").status_code == 200


def test_ids_in_query_strings_are_isolated_too(client, owner, workload, theirs):
    client.force_login(owner)
    response = client.get("/compare/", {"a": workload.pk, "b": theirs["workload_id"]})
    assert response.status_code == 404 and SECRET.encode() not in response.content
