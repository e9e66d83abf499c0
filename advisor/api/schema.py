"""The project's OpenAPI generator: drf-spectacular's, plus the headers our mixins honour."""
from drf_spectacular.openapi import AutoSchema

from advisor.api import idempotency


class AdvisorAutoSchema(AutoSchema):
    def get_override_parameters(self):
        return [*super().get_override_parameters(), *idempotency.schema_parameters(self.view, self.method)]
