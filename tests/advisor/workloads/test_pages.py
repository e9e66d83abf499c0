"""HTML pages: the list, the three cards, the forms, history, isolation and roles."""

from __future__ import annotations

import json
import re
from html import unescape
from pathlib import Path

import pytest
from django.urls import reverse

from advisor.models import Assessment, Membership, ProfileVersion, Workload
from placement.profile import FIELDS

pytestmark = pytest.mark.django_db


def _counts():
    return (Workload.objects.count(), ProfileVersion.objects.count(), Assessment.objects.count())


def form_data(profile: dict, **changes) -> dict:
    """What a browser posts: every field as a string, blanks for unset optional fields."""
    data = {}
    for spec in FIELDS:
        value = {**profile, **changes}.get(spec.name, spec.default)
        if spec.kind == "bool" and not spec.nullable:
            if value:
                data[spec.name] = "on"
        elif value is None:
            data[spec.name] = ""
        elif isinstance(value, bool):
            data[spec.name] = "true" if value else "false"
        else:
            data[spec.name] = str(value)
    return data


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("workload-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_user_signs_in_and_out(client, owner):
    response = client.post(reverse("login"), {"username": "owner", "password": "pw-owner"})
    assert response.status_code == 302
    assert client.get(reverse("workload-list")).status_code == 200
    client.post(reverse("logout"))
    assert client.get(reverse("workload-list")).status_code == 302


def test_the_list_shows_the_three_placements_of_my_workloads_only(owner_client, workload, other_workload):
    html = owner_client.get(reverse("workload-list")).content.decode()
    assert "Support ticket bot" in html
    assert "Their secret workload" not in html
    assessment = workload.assessments.get()
    from placement.placements import label

    for layer in ("brain", "memory", "nerves"):
        assert label(assessment.placement(layer)) in html


def test_the_detail_page_splits_the_advice_into_three_cards_with_reasons(owner_client, workload):
    response = owner_client.get(reverse("workload-detail", args=[workload.pk]))
    html = response.content.decode()
    result = workload.assessments.get().result
    for layer in ("brain", "memory", "nerves"):
        assert f'class="layer-card layer-{layer}"' in html
        for reason in result["layers"][layer]["reasons"]:
            assert reason["rule"] in html
    assert "Derived facts" in html and "Reasoning trace" in html
    assert "Profile versions" in html and "Assessments" in html


def test_an_old_assessment_has_its_own_page(owner_client, workload):
    assessment = workload.assessments.get()
    response = owner_client.get(reverse("assessment-detail", args=[workload.pk, assessment.pk]))
    assert response.status_code == 200
    assert assessment.ruleset_version in response.content.decode()


def test_the_create_form_is_grouped_by_layer_with_units_and_defaults(owner_client):
    html = owner_client.get(reverse("workload-create")).content.decode()
    for legend in ("Nerves: orchestration", "Brain: inference", "Memory: context"):
        assert legend in html
    for spec in FIELDS:
        assert f'for="id_{spec.name}"' in html, spec.name
    assert 'value="0.5"' in html  # wait_fraction default
    assert "Default: 36." in html


def test_a_preset_prefills_the_form(owner_client):
    html = owner_client.get(reverse("workload-create") + "?preset=rag_chatbot").content.decode()
    assert 'value="RAG chatbot"' in html
    assert 'value="2000000"' in html  # vector_count


def test_a_valid_form_creates_a_workload_and_shows_its_cards(owner_client, team, profile):
    response = owner_client.post(reverse("workload-create"), form_data(profile), follow=True)
    assert response.status_code == 200
    workload = Workload.objects.get()
    assert workload.team == team and workload.profile["hosted_model"] == "claude-haiku-4.5"
    assert response.content.decode().count('class="layer-card layer-') == 3


def test_a_blank_field_is_not_given_and_follows_its_default_null_where_null_is_allowed(owner_client, profile):
    """A blank form field reads as an empty CSV cell does (placement.profile.decode_value)."""
    data = form_data(profile, latency_slo_ms=None)
    data["peak_to_average"] = ""
    owner_client.post(reverse("workload-create"), data)
    stored = Workload.objects.get().profile
    assert "latency_slo_ms" not in stored and "peak_to_average" not in stored
    assessed = Assessment.objects.get().profile
    assert assessed["latency_slo_ms"] is None and assessed["peak_to_average"] == 3.0


@pytest.mark.parametrize(
    "field,value",
    [
        ("requests_per_day", "lots"),
        ("requests_per_day", "-5"),
        ("requests_per_day", "nan"),
        ("wait_fraction", "1.5"),
        ("orchestration_steps", "2.5"),
        ("memory_mb", "64"),
        ("pattern", "weekly"),
        ("gpu_required", "maybe"),
        ("name", ""),
        ("region", "moon-base-1"),
        ("max_duration_s", "1"),  # shorter than the average duration
    ],
)
def test_bad_form_input_is_shown_next_to_its_field_and_nothing_is_stored(
    owner_client, team, profile, field, value
):
    data = form_data(profile)
    data[field] = value
    before = _counts()
    response = owner_client.post(reverse("workload-create"), data)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert f'id="id_{field}_error"' in response.content.decode()
    assert _counts() == before


def test_editing_keeps_every_earlier_version_and_assessment(owner_client, workload, profile):
    response = owner_client.post(
        reverse("workload-edit", args=[workload.pk]), form_data(profile, requests_per_day=123456)
    )
    assert response.status_code == 302
    workload.refresh_from_db()
    assert workload.version == 2
    assert workload.versions.get(version=1).profile["requests_per_day"] == 2000
    assert workload.versions.get(version=2).profile["requests_per_day"] == 123456
    assert list(workload.assessments.values_list("profile_version", flat=True)) == [2, 1]


def test_the_edit_form_shows_the_stored_profile(owner_client, workload):
    html = owner_client.get(reverse("workload-edit", args=[workload.pk])).content.decode()
    assert 'value="claude-haiku-4.5"' in html and 'value="2000"' in html


def test_a_bad_edit_changes_nothing(owner_client, workload, profile):
    before = _counts()
    response = owner_client.post(
        reverse("workload-edit", args=[workload.pk]), form_data(profile, wait_fraction="2")
    )
    assert response.status_code == 400
    workload.refresh_from_db()
    assert workload.version == 1 and _counts() == before


def test_deleting_asks_first_then_removes_the_workload(owner_client, workload):
    url = reverse("workload-delete", args=[workload.pk])
    assert owner_client.get(url).status_code == 200
    assert owner_client.post(url).status_code == 302
    assert not Workload.objects.exists()


def test_re_assessing_adds_an_assessment_and_leaves_the_old_one(owner_client, workload):
    old = workload.assessments.get()
    owner_client.post(reverse("assessment-create", args=[workload.pk]))
    assert workload.assessments.count() == 2
    assert Assessment.objects.get(pk=old.pk).result == old.result


def test_the_preview_shows_advice_without_storing_anything(owner_client, profile):
    before = _counts()
    response = owner_client.post(reverse("profile-preview"), form_data(profile), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().count('class="layer-card layer-') == 3
    assert _counts() == before


def test_a_preview_of_a_bad_profile_names_the_field(owner_client, profile):
    response = owner_client.post(reverse("profile-preview"), form_data(profile, wait_fraction="7"))
    assert "wait_fraction" in response.content.decode()


def test_a_user_in_several_teams_picks_the_team(owner_client, owner, other_team, profile):
    Membership.objects.create(user=owner, team=other_team, role="member")
    html = owner_client.get(reverse("workload-create")).content.decode()
    assert '<select name="team"' in html
    owner_client.post(reverse("workload-create"), {**form_data(profile), "team": other_team.pk})
    assert Workload.objects.get().team == other_team


def test_a_team_i_cannot_write_to_is_not_offered(owner_client, owner, other_team, team, profile):
    Membership.objects.create(user=owner, team=other_team, role="viewer")
    response = owner_client.post(reverse("workload-create"), {**form_data(profile), "team": other_team.pk})
    assert response.status_code == 400 and "team" in response.context["form"].errors
    assert not Workload.objects.exists()


def _page_routes(w):
    a = w.assessments.get().pk
    return [
        ("get", reverse("workload-detail", args=[w.pk])),
        ("get", reverse("workload-edit", args=[w.pk])),
        ("post", reverse("workload-edit", args=[w.pk])),
        ("get", reverse("workload-delete", args=[w.pk])),
        ("post", reverse("workload-delete", args=[w.pk])),
        ("post", reverse("assessment-create", args=[w.pk])),
        ("get", reverse("assessment-detail", args=[w.pk, a])),
    ]


def test_another_teams_workload_is_404_on_every_page(owner_client, other_workload, profile):
    for method, url in _page_routes(other_workload):
        response = getattr(owner_client, method)(url, form_data(profile) if method == "post" else {})
        assert response.status_code == 404, (method, url)
    other_workload.refresh_from_db()
    assert other_workload.version == 1 and other_workload.assessments.count() == 1


def test_a_viewer_can_read_but_not_create_edit_or_delete(viewer_client, workload, profile):
    assert viewer_client.get(reverse("workload-detail", args=[workload.pk])).status_code == 200
    html = viewer_client.get(reverse("workload-list")).content.decode()
    assert "Support ticket bot" in html and "New workload" not in html
    for method, url in _page_routes(workload)[1:-1]:
        response = getattr(viewer_client, method)(url, form_data(profile) if method == "post" else {})
        assert response.status_code == 403, (method, url)
    assert viewer_client.get(reverse("workload-create")).status_code == 403
    assert viewer_client.post(reverse("workload-create"), form_data(profile)).status_code == 403
    workload.refresh_from_db()
    assert workload.version == 1 and workload.assessments.count() == 1


# ---- words a manager can read: no internal codes, no bare identifiers, real plurals ----

DEMO = json.loads(
    (Path(__file__).resolve().parents[3] / "advisor" / "demo" / "workloads.json").read_text(encoding="utf-8")
)
INTERNAL_CODES = re.compile(r"seeds? 0\d\d|DOMAIN\.md|PRICES\.md|DESIGN\.md|shared/seeds", re.IGNORECASE)
SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
BAD_PLURALS = re.compile(r"(?<![\d.,])1 (?:steps|slots|tasks|requests|instances|GPUs)\b")


def visible_text(html: str) -> str:
    """What a reader sees: no scripts, styles, attributes, nor the <code> an identifier is shown in
    next to its label."""
    html = re.sub(r"(?s)<(script|style|code)\b[^>]*>.*?</\1>", " ", html)
    return unescape(re.sub(r"<[^>]+>", " ", html))


def assert_readable(text: str, where: str) -> None:
    assert not INTERNAL_CODES.search(text), (where, INTERNAL_CODES.search(text).group(0))
    snake = sorted(set(SNAKE_CASE.findall(text)))
    assert not snake, (where, snake[:20])
    assert not BAD_PLURALS.search(text), (where, BAD_PLURALS.search(text).group(0))
    assert "on Nothing needed" not in text, where


def test_pages_show_public_sources_and_labels_not_codes(owner_client, owner, team):
    from advisor.workloads import services

    workloads = [
        services.workload_create(user=owner, team=team, profile_data=case["profile"])
        for case in DEMO["demo_team"]
    ]
    pages = [reverse("workload-list"), reverse("price-list")]
    for workload in workloads:
        assessment = workload.assessments.latest("created_at")
        pages += [
            reverse("workload-detail", args=[workload.pk]),
            reverse("assessment-detail", args=[workload.pk, assessment.pk]),
        ]
    seen_source = False
    for url in pages:
        response = owner_client.get(url)
        assert response.status_code == 200, url
        text = visible_text(response.content.decode())
        assert_readable(text, url)
        seen_source |= "“Why Serverless Isn’t Dead for GenAI — It’s Just Misunderstood”" in text
    assert seen_source
