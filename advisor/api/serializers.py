"""API serializers.

The profile serializer's fields are generated from ``placement.profile.FIELDS``
so the OpenAPI schema documents each field's type, default, bounds and help;
validation itself is delegated to ``parse_profile``, the single judge shared
with the form and the CLI.
"""

from __future__ import annotations

from collections.abc import Mapping

from rest_framework import serializers

from placement.profile import unknown_field_errors


class StrictSerializer(serializers.Serializer):
    """A request serializer that names unknown fields instead of ignoring them.

    A misspelt field (``"path": 100``) would otherwise be dropped without a word and
    its default used; the profile is checked the same way (``parse_profile``).
    """

    def to_internal_value(self, data):
        unknown = unknown_field_errors(data, self.fields) if isinstance(data, Mapping) else {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as exc:
            if isinstance(exc.detail, dict):
                raise serializers.ValidationError({**unknown, **exc.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class NoBodySerializer(StrictSerializer):
    """The body of a POST that takes none (assess again, cancel, render): empty or ``{}``.

    A field sent there (``{"paths": 100}`` to cancel) means the client expects something
    this route does not do: a 400 naming it, as for any unknown field.
    """


class JsonIntegerField(serializers.IntegerField):
    """A whole number sent as a JSON number: ``"100"`` and ``true`` are refused, not converted."""

    default_error_messages = {"not_a_number": "Must be a JSON number, not a string or true/false."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("not_a_number")
        return super().to_internal_value(data)
