"""Three doors onto one profile: the form, the CSV import and the API read every field alike.

Each door decodes through ``placement.profile.decode_value`` (text for the form and
the CSV, JSON for the API) and is judged by ``parse_profile``, so the same value gives
the same profile, and the same mistake the same message under the same field.
"""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from advisor.workloads.forms import ProfileForm, display_value
from advisor.workloads.serializers import ProfileSerializer
from placement.profile import FIELDS, FIELDS_BY_NAME, FieldSpec, ProfileError, parse_given
from placement.profile_file import read_profiles, validate_rows, write_profiles

BASE = {"name": "Support bot", "requests_per_day": 2000}


def json_values(spec: FieldSpec) -> st.SearchStrategy:
    """Values of the field's own JSON type, inside and outside its bounds (and a wrong-typed bool)."""
    if spec.kind == "bool":
        values = st.booleans()
    elif spec.kind == "choice":
        values = st.sampled_from(spec.choices)
    elif spec.kind == "text":
        # What a text door can carry: not blank (blank is "not given"), no control characters
        # (a form refuses NUL before the profile sees it), no "null" where null is allowed.
        values = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=40).filter(
            lambda t: t.strip() and not (spec.nullable and t.strip().lower() == "null")
        )
    else:
        values = st.one_of(
            st.integers(-(10**12), 10**12), st.floats(allow_nan=False, allow_infinity=False), st.booleans()
        )
    return st.one_of(values, st.none()) if spec.nullable else values


@st.composite
def profiles(draw) -> dict:
    specs = draw(st.lists(st.sampled_from(FIELDS), min_size=1, max_size=4, unique=True))
    return {**BASE, **{spec.name: draw(json_values(spec)) for spec in specs}}


def outcome(given) -> tuple:
    return ("valid", given.profile) if given is not None else ("invalid", None)


def through_api(profile: dict) -> tuple:
    serializer = ProfileSerializer(data=profile)
    if serializer.is_valid():
        return "valid", serializer.validated_data["profile"].profile
    return "invalid", {name: [str(m) for m in messages] for name, messages in serializer.errors.items()}


def form_data(profile: dict) -> dict:
    """What a browser sends for the profile typed into the form: text, a checkbox sent when ticked."""
    data = {}
    for name, value in profile.items():
        spec = FIELDS_BY_NAME[name]
        if spec.kind == "bool" and not spec.nullable:
            if value is True:
                data[name] = "on"
            elif value is not False:  # a wrong-typed value, as a tampering client would send it
                data[name] = str(value)
            continue
        shown = display_value(value, spec)
        data[name] = "" if shown is None else str(shown)
    return data


def through_form(profile: dict) -> tuple:
    form = ProfileForm(data=form_data(profile))
    if form.is_valid():
        return "valid", form.given.profile
    return "invalid", {name: list(messages) for name, messages in form.errors.items()}


def through_csv(profile: dict) -> tuple:
    valid, errors = validate_rows(read_profiles(write_profiles([profile], "csv"), "csv"))
    if valid:
        return "valid", parse_given(valid[0].profile).profile
    fields = dict.fromkeys(e.field for e in errors)
    return "invalid", {name: [e.message for e in errors if e.field == name] for name in fields}


@settings(max_examples=150, deadline=None)
@given(profiles())
def test_the_form_the_csv_import_and_the_api_read_every_field_alike(profile):
    api = through_api(profile)
    assert through_csv(profile) == api
    if not any(
        FIELDS_BY_NAME[n].kind == "bool" and not FIELDS_BY_NAME[n].nullable and not isinstance(v, bool)
        for n, v in profile.items()
    ):
        # A checkbox sends "on" or nothing: a wrong-typed value cannot reach the form.
        assert through_form(profile) == api


def test_a_yes_for_a_bool_reads_as_true_in_the_form_as_in_a_csv_cell():
    form = ProfileForm(data={**BASE, "gpu_required": "yes"})
    assert form.is_valid(), form.errors
    assert form.given.profile.gpu_required is True


def test_a_number_with_an_underscore_is_refused_by_the_form_as_by_the_csv_import():
    form = ProfileForm(data={**BASE, "requests_per_day": "1_000"})
    assert not form.is_valid()
    assert form.errors["requests_per_day"] == ["Must be a number."]


def test_editing_a_workload_shows_its_gpu_answer_rather_than_derive_it(owner_client, owner, team):
    from advisor.workloads import services

    workload = services.workload_create(user=owner, team=team, profile_data={**BASE, "gpu_required": True})
    page = owner_client.get(f"/workloads/{workload.pk}/edit/").content.decode()
    select = re.search(r'<select name="gpu_required".*?</select>', page, re.S).group(0)
    assert re.search(r'<option value="true" selected>', select)


def test_a_form_shows_a_gpu_answer_it_would_save_back_unchanged():
    for answer in (True, False):
        form = ProfileForm(profile={**BASE, "gpu_required": answer})
        data = {name: form.initial[name] for name in BASE} | {"gpu_required": form.initial["gpu_required"]}
        posted = ProfileForm(data=data)
        assert posted.is_valid(), posted.errors
        assert posted.given.profile.gpu_required is answer


def test_the_api_refuses_a_string_number_the_form_reads(api, owner):
    """JSON is typed: "2000" is text there, a number only in a text door."""
    answer = api(owner).post("/api/v1/evaluate/", {**BASE, "requests_per_day": "2000"}, format="json")
    assert answer.status_code == 400
    assert answer.json() == {"requests_per_day": ["Must be a number."]}
    try:
        parse_given({**BASE, "requests_per_day": "2000"}, source="text")
    except ProfileError:  # pragma: no cover - the assertion below says what went wrong
        raise AssertionError("a text door reads 2000") from None
