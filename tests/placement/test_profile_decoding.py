"""One reading of a profile value, whichever door it came through (placement.profile.decode_value).

A form field and a CSV cell are text; an API body is JSON. The text is read the
same way for both text doors, and what it reads to is judged by the same rules,
in the same words, as the JSON a client sends.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from placement.profile import (
    FIELDS,
    FIELDS_BY_NAME,
    OMITTED,
    FieldSpec,
    ProfileError,
    clean_value,
    decode_value,
    parse_given,
    value_text,
)
from placement.profile_file import read_profiles, validate_rows, write_profiles

SPEC = FIELDS_BY_NAME


def outcome(spec: FieldSpec, value):
    """What clean_value makes of a value: the cleaned value, or its message."""
    try:
        return "value", clean_value(spec, value)
    except ValueError as exc:
        return "error", str(exc)


def json_values(spec: FieldSpec) -> st.SearchStrategy:
    """JSON values of the field's own type, inside and outside its bounds."""
    if spec.kind == "bool":
        values = st.booleans()
    elif spec.kind == "choice":
        values = st.sampled_from(spec.choices)
    elif spec.kind == "text":
        # Text a text door can carry: not blank (blank means "not given"), no control
        # characters, and not the word that means null where null is allowed.
        values = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=60).filter(
            lambda t: t.strip() and not (spec.nullable and t.strip().lower() == "null")
        )
    else:
        values = st.one_of(
            st.integers(-(10**20), 10**20), st.floats(allow_nan=True, allow_infinity=True), st.booleans()
        )
    return st.one_of(values, st.none()) if spec.nullable else values


@st.composite
def field_and_value(draw):
    spec = draw(st.sampled_from(FIELDS))
    return spec, draw(json_values(spec))


@given(field_and_value())
def test_every_field_reads_from_its_text_as_from_json(case):
    spec, value = case
    text = value_text(value)
    assert outcome(spec, decode_value(spec, text, source="text")) == outcome(spec, value)


@given(st.sampled_from(FIELDS), st.text(max_size=30))
def test_any_text_reads_the_same_in_a_csv_cell_as_in_a_form_field(spec, text):
    """The CSV import reads each cell through decode_value, as the form does."""
    if spec.name == "name" or any(c in text for c in ',"\n\r\x00') or text.strip().startswith("'"):
        return  # one plain cell of a two-column file, beside a valid name
    rows = read_profiles(f"name,{spec.name}\nbot,{text}\n", "csv")
    expected = decode_value(spec, text.strip(), source="text")
    assert rows[0].data.get(spec.name, OMITTED) == expected or (
        isinstance(expected, float) and math.isnan(expected)
    )


@pytest.mark.parametrize(
    "text, value",
    [("true", True), ("Yes", True), (" 1 ", True), ("false", False), ("NO", False), ("0", False)],
)
def test_a_bool_reads_true_yes_1_false_no_0_in_any_case(text, value):
    assert decode_value(SPEC["streaming"], text, source="text") is value


def test_a_blank_text_is_not_given_and_null_is_null_only_where_null_is_allowed():
    assert decode_value(SPEC["latency_slo_ms"], "  ", source="text") is OMITTED
    assert decode_value(SPEC["latency_slo_ms"], "NULL", source="text") is None
    assert decode_value(SPEC["peak_to_average"], "null", source="text") == "null"  # then "Must be a number."


@pytest.mark.parametrize("text", ["1_000", "１２", "1,000", "0x10", "ten"])
def test_a_number_is_ascii_digits_and_anything_else_is_refused_as_the_api_refuses_a_string(text):
    with pytest.raises(ProfileError) as refused:
        parse_given({"name": "bot", "requests_per_day": text}, source="text")
    assert refused.value.errors == {"requests_per_day": ["Must be a number."]}
    with pytest.raises(ProfileError) as from_json:
        parse_given({"name": "bot", "requests_per_day": text})
    assert from_json.value.errors == refused.value.errors


def test_a_numeric_choice_reads_16_0_as_16_as_json_does():
    assert (
        parse_given(
            {"name": "b", "requests_per_day": "1", "quantization_bits": "16.0"}, source="text"
        ).fields["quantization_bits"]
        == 16
    )
    assert (
        parse_given({"name": "b", "requests_per_day": 1, "quantization_bits": 16.0}).fields[
            "quantization_bits"
        ]
        == 16
    )


@pytest.mark.parametrize("text", ["nan", "-Infinity", "1e999"])
def test_a_non_finite_number_is_refused_in_the_words_the_api_uses(text):
    with pytest.raises(ProfileError) as refused:
        parse_given({"name": "bot", "requests_per_day": 1, "state_kb": text}, source="text")
    assert refused.value.errors == {"state_kb": ["Must be a finite number (no NaN or Infinity)."]}


@given(st.lists(field_and_value(), max_size=6))
def test_a_csv_export_imports_back_to_what_the_api_reads_from_the_same_json(cases):
    profile = {"name": "bot", "requests_per_day": 2000, **{spec.name: value for spec, value in cases}}
    try:
        expected = ("valid", parse_given(profile).profile)
    except ProfileError as exc:
        expected = ("invalid", exc.errors)
    valid, errors = validate_rows(read_profiles(write_profiles([profile], "csv"), "csv"))
    got = (
        ("valid", parse_given(valid[0].profile).profile)
        if valid
        else ("invalid", {e.field: [m.message for m in errors if m.field == e.field] for e in errors})
    )
    assert got == expected
