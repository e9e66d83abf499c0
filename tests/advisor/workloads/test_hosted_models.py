"""A hosted model is one the price catalog knows, or "other" with its token prices: on every door.

The API's own tests are in test_api.py and the command's in test_commands.py; these are the
form and the portfolio import.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from advisor.models import Workload
from placement.profile import FIELDS
from placement.profile_file import read_profiles, validate_rows

pytestmark = pytest.mark.django_db


def form_data(profile: dict) -> dict:
    """What a browser posts: every field as a string, blanks for unset optional fields."""
    data = {}
    for spec in FIELDS:
        value = profile.get(spec.name, spec.default)
        if spec.kind == "bool" and not spec.nullable:
            if value:
                data[spec.name] = "on"
        else:
            data[spec.name] = (
                "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            )
    return data


def test_the_form_shows_an_unknown_model_next_to_its_field_with_the_nearest_known_one(owner_client, profile):
    response = owner_client.post(
        reverse("workload-create"), form_data({**profile, "hosted_model": "claud-sonnet-4.5"})
    )

    assert response.status_code == 400
    [message] = response.context["form"].errors["hosted_model"]
    assert "did you mean claude-sonnet-4.5" in message
    assert not Workload.objects.exists()


def test_the_form_takes_another_model_with_its_token_prices(owner_client, profile):
    other = {
        **profile,
        "hosted_model": "other",
        "hosted_input_usd_per_million_tokens": 3,
        "hosted_output_usd_per_million_tokens": 15,
    }

    response = owner_client.post(reverse("workload-create"), form_data(other))

    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    stored = Workload.objects.get().profile
    assert stored["hosted_model"] == "other" and stored["hosted_output_usd_per_million_tokens"] == 15


def test_an_imported_row_with_an_unknown_model_is_a_row_error_naming_the_field():
    content = (
        "name,requests_per_day,hosted_model,hosted_input_usd_per_million_tokens,"
        "hosted_output_usd_per_million_tokens\n"
        "Good bot,10,claude-haiku-4.5,,\n"
        "Typo bot,10,nova-prp,,\n"
        "Own model bot,10,other,0.5,1.5\n"
    )

    valid, errors = validate_rows(read_profiles(content, "csv"))

    assert [row.profile["name"] for row in valid] == ["Good bot", "Own model bot"]
    assert [(e.row, e.field) for e in errors] == [(3, "hosted_model")]
    assert "did you mean nova-pro" in errors[0].message
