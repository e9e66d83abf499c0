"""A profile is parsed once per request: the form or serializer parses it, and the services,
the engine and the pages take that parse along (placement.profile.GivenProfile)."""

from __future__ import annotations

import sys
from unittest import mock

import pytest
from django.urls import get_resolver

import placement.profile
from advisor.workloads.forms import display_value
from placement.profile import FIELDS


@pytest.fixture
def parses(monkeypatch) -> mock.Mock:
    """Counts calls to parse_profile, however a module imported it (every binding is wrapped)."""
    assert get_resolver().url_patterns  # every view module imported first, so none binds the wrapper late
    original = placement.profile.parse_profile
    counter = mock.Mock(wraps=original)
    for module in list(sys.modules.values()):
        try:
            names = [name for name, value in vars(module).items() if value is original]
        except TypeError:
            continue
        for name in names:
            monkeypatch.setattr(module, name, counter)
    return counter


def test_creating_a_workload_through_the_api_parses_its_profile_once(api, owner, profile, parses):
    assert api(owner).post("/api/v1/workloads/", profile, format="json").status_code == 201
    assert parses.call_count == 1


def test_creating_a_workload_through_the_form_parses_its_profile_once(owner_client, profile, parses):
    posted = {spec.name: display_value(profile[spec.name], spec) for spec in FIELDS if spec.name in profile}
    assert owner_client.post("/workloads/new/", posted).status_code == 302
    assert parses.call_count == 1


def test_evaluating_a_profile_parses_it_once(api, owner, profile, parses):
    assert api(owner).post("/api/v1/evaluate/", profile, format="json").status_code == 200
    assert parses.call_count == 1


def test_a_what_if_parses_its_variant_once(owner_client, workload, parses):
    # The workload gives its worst case: moving the duration scales it, without a second parse.
    assert workload.profile["max_duration_s"]
    answer = owner_client.post(
        f"/workloads/{workload.pk}/what-if/",
        {"requests_log10": 4, "wait_fraction": 0.5, "duration_log10": 1, "peak_to_average": 3},
    )
    assert answer.status_code == 200
    assert parses.call_count == 1


def test_an_assessment_page_reads_the_stored_profile_without_parsing_it_again(owner_client, workload, parses):
    assessment = workload.assessments.get()
    assert owner_client.get(f"/workloads/{workload.pk}/assessments/{assessment.pk}/").status_code == 200
    assert parses.call_count <= 1


def test_replacing_a_profile_parses_the_new_one_once_and_the_old_one_for_the_audit(
    api, owner, workload, profile, parses
):
    answer = api(owner).put(
        f"/api/v1/workloads/{workload.pk}/", {**profile, "requests_per_day": 10}, format="json"
    )
    assert answer.status_code == 200
    assert parses.call_count == 2
