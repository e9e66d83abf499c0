"""What-if: sliders re-evaluate the saved profile statelessly; saving makes a new version."""

from __future__ import annotations

import math

import pytest
from django.urls import reverse

from advisor.models import Assessment, ProfileVersion

pytestmark = pytest.mark.django_db


def sliders(workload, **moved) -> dict:
    """The slider positions of the saved profile, with some moved."""
    profile = workload.assessments.get().profile
    return {
        "requests_log10": round(math.log10(profile["requests_per_day"]), 2),
        "wait_fraction": profile["wait_fraction"],
        "duration_log10": round(math.log10(profile["request_duration_s"]), 2),
        "peak_to_average": profile["peak_to_average"],
        **moved,
    }


def whatif(client, workload, **moved):
    return client.post(
        reverse("workload-whatif", args=[workload.pk]), sliders(workload, **moved), HTTP_HX_REQUEST="true"
    )


def test_pushing_volume_past_the_break_even_moves_the_nerves_onto_containers(owner_client, workload):
    assert workload.assessments.get().result["layers"]["nerves"]["placement"] == "lambda"
    html = whatif(owner_client, workload, requests_log10=7).content.decode()
    assert "The advice changes." in html
    assert 'data-placement="fargate"' in html and "changed, was AWS Lambda" in html
    assert "10,000,000 a day" in html  # the slider's readout follows


def test_a_what_if_stores_nothing(owner_client, workload):
    before = (ProfileVersion.objects.count(), Assessment.objects.count(), dict(workload.profile))
    assert whatif(owner_client, workload, requests_log10=7, wait_fraction=0.2).status_code == 200
    workload.refresh_from_db()
    assert (ProfileVersion.objects.count(), Assessment.objects.count(), workload.profile) == before


def test_sliders_left_alone_keep_the_saved_values_exactly(owner_client, workload):
    html = whatif(owner_client, workload).content.decode()
    saved = workload.assessments.get().result["monthly_cost"]["total"]
    assert "Same placements as saved." in html
    assert f"+$0.00 against the saved ${saved:,.2f}" in html
    assert "Save as version" not in html  # nothing moved, nothing to save


def test_saving_a_what_if_makes_the_next_version_with_only_the_moved_value_changed(owner_client, workload):
    response = owner_client.post(
        reverse("workload-whatif-save", args=[workload.pk]), sliders(workload, requests_log10=4.5)
    )
    assert response.status_code == 302
    workload.refresh_from_db()
    assert workload.version == 2
    assert workload.profile["requests_per_day"] == 31600  # 10**4.5 to three significant figures
    assert workload.profile["request_duration_s"] == 4  # untouched slider, saved value kept
    assert workload.assessments.count() == 2


def test_a_longer_request_stretches_a_given_worst_case_with_it(owner_client, workload):
    owner_client.post(
        reverse("workload-whatif-save", args=[workload.pk]), sliders(workload, duration_log10=1.3)
    )
    workload.refresh_from_db()
    assert workload.profile["request_duration_s"] == 20
    assert workload.profile["max_duration_s"] == pytest.approx(8 * 20 / 4)


def test_a_viewer_may_explore_but_not_save(viewer_client, workload):
    assert whatif(viewer_client, workload, requests_log10=6).status_code == 200
    assert "Save as version" not in whatif(viewer_client, workload, requests_log10=6).content.decode()
    response = viewer_client.post(
        reverse("workload-whatif-save", args=[workload.pk]), sliders(workload, requests_log10=6)
    )
    assert response.status_code == 403 and workload.versions.count() == 1


@pytest.mark.parametrize(
    "field,value", [("wait_fraction", "1.5"), ("requests_log10", "lots"), ("peak_to_average", "")]
)
def test_a_bad_slider_value_is_a_400_naming_the_field(owner_client, workload, field, value):
    response = whatif(owner_client, workload, **{field: value})
    assert response.status_code == 400 and field in response.content.decode()


def test_another_teams_workload_is_404_for_what_if_and_save(owner_client, other_workload):
    for name in ("workload-whatif", "workload-whatif-save"):
        response = owner_client.post(reverse(name, args=[other_workload.pk]), sliders(other_workload))
        assert response.status_code == 404
    assert other_workload.versions.count() == 1
