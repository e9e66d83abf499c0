"""The project's OpenAPI generator: drf-spectacular's, plus what every view shares.

Views document their own answers; the errors that come from the layers around every
view (authentication, throttling, the JSON parser, Idempotency-Key, pagination,
the id lookups) are added here, with their bodies, so a client (and the fuzzer in
``tests/advisor/api/test_api_fuzzing.py``) finds every status code the API can send.
"""

from typing import Any, cast

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent, build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework.filters import SearchFilter
from rest_framework.generics import GenericAPIView

from advisor.api import idempotency

_DETAIL = ResolvedComponent(
    name="ErrorDetail",
    type=ResolvedComponent.SCHEMA,
    object="ErrorDetail",
    schema={
        "type": "object",
        "properties": {"detail": build_basic_type(OpenApiTypes.STR)},
        "required": ["detail"],
        "description": "Why the request was refused, in words.",
    },
)
# build_basic_type answers None only for a type it does not know; STR it knows.
_STRINGS = build_array_type(cast(dict[str, Any], build_basic_type(OpenApiTypes.STR)))
_FIELD_ERRORS = ResolvedComponent(
    name="FieldErrors",
    type=ResolvedComponent.SCHEMA,
    object="FieldErrors",
    schema={
        "type": "object",
        "additionalProperties": _STRINGS,
        "description": "{field: [messages]}; a problem with the request as a whole is under "
        "non_field_errors, a bad header under its name.",
    },
)
_RETRY_AFTER = {
    "Retry-After": {
        "schema": build_basic_type(OpenApiTypes.INT),
        "description": "Seconds to wait before trying again.",
    }
}
_LOCATION = {
    "Location": {
        "schema": build_basic_type(OpenApiTypes.URI),
        "description": "Absolute URL of the created or accepted resource.",
    }
}
_WRITES = ("POST", "PUT", "PATCH", "DELETE")


class AdvisorAutoSchema(AutoSchema):
    def get_override_parameters(self):
        return [*super().get_override_parameters(), *idempotency.schema_parameters(self.view, self.method)]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (component, description) in self._shared_errors().items():
            self.registry.register_on_missing(component)
            documented = responses.setdefault(code, {"description": description})
            # A view may name a code without a body ({404: None}); the body is still ours.
            documented.setdefault("content", {"application/json": {"schema": component.ref}})
            documented["description"] = documented.get("description") or description
            if code == "429":
                documented.setdefault("headers", _RETRY_AFTER)
        for code in ("201", "202"):  # every one carries it (advisor.api.responses)
            if code in responses:
                responses[code].setdefault("headers", {}).update(_LOCATION)
        return dict(sorted(responses.items()))

    def _shared_errors(self) -> dict[str, tuple[ResolvedComponent, str]]:
        errors = {"429": (_FIELD_ERRORS, "Too many requests: wait Retry-After seconds.")}
        if self.get_auth():
            errors["401"] = (_DETAIL, "No credentials, or a token that is unknown, revoked or malformed.")
        if self.method in _WRITES and self.get_auth():
            errors["403"] = (
                _DETAIL,
                "Your role in the team may not change it (or a session call without its CSRF token).",
            )
        if self.method in ("POST", "PUT", "PATCH") or self._searches():
            errors["400"] = (_FIELD_ERRORS, "Invalid input: {field: [messages]} naming each field.")
        if self.method in ("POST", "PUT", "PATCH"):
            errors["415"] = (_FIELD_ERRORS, "The body is not in a media type the operation reads.")
        if self._takes_an_id() or self._is_paginated():
            errors["404"] = (_DETAIL, "No such object in your teams (or no such page).")
        if self.method == "POST" and isinstance(self.view, idempotency.IdempotentPostMixin):
            errors["409"] = (_DETAIL, "A request with this Idempotency-Key is still running.")
            errors["422"] = (_DETAIL, "This Idempotency-Key was used for a different request.")
        return errors

    def _takes_an_id(self) -> bool:
        return "{" in self.path

    def _searches(self) -> bool:
        # ?search= with a NUL character is refused: PostgreSQL cannot compare one.
        return self.method == "GET" and any(
            issubclass(backend, SearchFilter) for backend in getattr(self.view, "filter_backends", ())
        )

    def _is_paginated(self) -> bool:
        return (
            self.method == "GET"
            and isinstance(self.view, GenericAPIView)
            and self.view.pagination_class is not None
        )


def profile_alternatives(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: a profile field "required unless" another (``requests_per_day`` unless
    ``job_total_requests``) becomes ``anyOf`` two ``required`` lists on every full-profile request
    component, so the schema says what the API checks and generated clients send valid bodies."""
    from placement.profile import FIELDS

    pairs = [(spec.name, spec.required_unless) for spec in FIELDS if spec.required_unless]
    for name, component in result.get("components", {}).get("schemas", {}).items():
        properties = component.get("properties", {})
        if name.startswith("Patched"):
            continue  # a PATCH may leave both out: the stored profile keeps its own
        for field, other in pairs:
            if field in properties and other in properties:
                component["anyOf"] = [{"required": [field]}, {"required": [other]}]
    return result
