"""Compare with a side that names nothing of the user's, or the same thing twice: said on the page.

A missing workload once raised Http404, which DEBUG (``make run``) turns into Django's page
listing every URL pattern; a malformed one already had a message on the compare page.
"""

from __future__ import annotations

import html

import pytest

from advisor.workloads import services

pytestmark = pytest.mark.django_db

URL = "/compare/"


@pytest.fixture(params=[True, False], ids=["debug", "production"])
def debug(request, settings):
    settings.DEBUG = request.param


def message(response) -> str:
    return html.unescape(response.content.decode())


def test_a_workload_that_does_not_exist_is_named_on_the_compare_page(owner_client, workload, debug):
    response = owner_client.get(URL, {"a": "999999", "b": workload.pk})

    page = message(response)
    assert response.status_code == 404 and "URL patterns" not in page
    assert "Parameter “a”: your teams have no workload 999999." in page
    assert 'id="compare-a"' in page  # the form to choose again


def test_another_teams_workload_reads_like_one_that_does_not_exist(
    owner_client, workload, other_workload, debug
):
    response = owner_client.get(URL, {"a": workload.pk, "b": other_workload.pk})

    page = message(response)
    assert response.status_code == 404 and "Their secret workload" not in page
    assert f"Parameter “b”: your teams have no workload {other_workload.pk}." in page


def test_a_version_that_does_not_exist_is_named_with_the_current_one(owner_client, workload, debug):
    response = owner_client.get(URL, {"a": f"{workload.pk}:v7", "b": workload.pk})

    assert response.status_code == 404
    assert f"Parameter “a”: “{workload.name}” has no version 7 (its current one is v1)." in message(response)


@pytest.mark.parametrize("b", ["{pk}", "{pk}:v1"])
def test_comparing_a_workload_with_itself_says_so_instead_of_a_table_of_nothing(owner_client, workload, b):
    response = owner_client.get(URL, {"a": workload.pk, "b": b.format(pk=workload.pk)})

    page = message(response)
    assert response.status_code == 200
    assert f"A and B are the same: “{workload.name}” v1 (current). Nothing differs" in page
    assert "compare-table" not in page


def test_two_versions_of_one_workload_are_still_compared(owner_client, owner, workload, profile):
    services.workload_update(
        user=owner, workload=workload, profile_data={**profile, "requests_per_day": 20_000}
    )
    response = owner_client.get(URL, {"a": f"{workload.pk}:v1", "b": workload.pk})

    assert response.status_code == 200 and "compare-table" in message(response)
    assert "A and B are the same" not in message(response)
