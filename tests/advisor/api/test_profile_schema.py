"""The OpenAPI schema of the profile says what FIELDS says, field by field, word for word."""

from __future__ import annotations

import json

import pytest

from placement.profile import FIELDS

_TYPES = {"text": "string", "number": "number", "integer": "integer", "bool": "boolean"}
COMPONENTS = ("ProfileRequest", "PatchedProfileRequest", "WorkloadCreateRequest")


@pytest.fixture
def schema(client, owner) -> dict:
    client.force_login(owner)
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return json.loads(response.content)


def _property(schema: dict, component: str, name: str) -> dict:
    """A property with its enum component (drf-spectacular's allOf $ref) folded in."""
    prop = dict(schema["components"]["schemas"][component]["properties"][name])
    for ref in prop.pop("allOf", []):
        prop = {**schema["components"]["schemas"][ref["$ref"].rsplit("/", 1)[-1]], **prop}
    return prop


@pytest.mark.parametrize("component", COMPONENTS)
def test_every_profile_field_is_documented_as_fields_describes_it(schema, component):
    for spec in FIELDS:
        prop = _property(schema, component, spec.name)
        expected_type = _TYPES.get(spec.kind) or (
            "integer" if all(isinstance(c, int) for c in spec.choices) else "string"
        )
        assert prop["type"] == expected_type, spec.name
        assert prop.get("enum") == (list(spec.choices) if spec.kind == "choice" else None), spec.name
        assert prop.get("minimum") == spec.minimum, spec.name
        assert prop.get("exclusiveMinimum", False) == spec.exclusive_minimum, spec.name
        assert prop.get("maximum") == spec.maximum, spec.name
        assert prop.get("nullable", False) == spec.nullable, spec.name
        if spec.required:
            assert "default" not in prop, spec.name
        else:
            assert "default" in prop and prop["default"] == spec.default, spec.name
        assert prop["title"] == spec.label and spec.help in prop["description"], spec.name
        if spec.kind == "text":
            assert prop["maxLength"] == spec.max_length, spec.name
            assert prop.get("pattern") == (spec.pattern.pattern if spec.pattern else None), spec.name


@pytest.mark.parametrize("component", ("ProfileRequest", "WorkloadCreateRequest"))
def test_a_field_is_required_in_the_schema_only_when_no_other_field_can_stand_for_it(schema, component):
    required = set(schema["components"]["schemas"][component].get("required", []))
    assert required == {spec.name for spec in FIELDS if spec.required and not spec.required_unless}
    described = _property(schema, component, "requests_per_day")["description"]
    assert "Required unless job_total_requests is given." in described


def test_a_one_off_job_without_a_daily_rate_is_valid_as_the_schema_says(api, owner):
    answer = api(owner).post(
        "/api/v1/evaluate/",
        {"name": "Backfill", "job_total_requests": 1_000_000, "job_deadline_days": 10},
        format="json",
    )
    assert answer.status_code == 200
