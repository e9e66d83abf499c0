"""API serializers.

The profile serializer's fields are generated from ``placement.profile.FIELDS``,
each documented in the OpenAPI schema by ``profile_property`` (type, enum, bounds,
default, nullable, help), straight from its FieldSpec; validation itself is
delegated to ``parse_given``, the single judge shared with the form, the CSV
import and the CLI.
"""

from __future__ import annotations

from typing import Any, cast

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from advisor.advice_record import unstamped
from advisor.models import Assessment, Team, Workload
from placement.placements import LAYERS
from placement.profile import FIELDS, FieldSpec, ProfileError, parse_given

_TYPES = {"text": "string", "number": "number", "integer": "integer", "bool": "boolean"}
_INT32_MAX = 2**31 - 1


def _help(spec: FieldSpec) -> str:
    text = spec.help
    if spec.unit and spec.unit != "0..1":
        text += f" Unit: {spec.unit}."
    if spec.exclusive_minimum and spec.minimum is not None:
        text += f" Must be greater than {spec.minimum:g}."
    if spec.required_unless:
        text += f" Required unless {spec.required_unless} is given."
    return text


def _required(spec: FieldSpec) -> bool:
    return spec.required and not spec.required_unless


def profile_property(spec: FieldSpec) -> dict[str, Any]:
    """The OpenAPI 3.0 property of one profile field, every word of it from its FieldSpec."""
    if spec.kind == "choice":
        whole = all(isinstance(choice, int) for choice in spec.choices)
        schema: dict[str, Any] = {"type": "integer" if whole else "string", "enum": list(spec.choices)}
    else:
        schema = {"type": _TYPES[spec.kind]}
    if spec.kind == "number":
        schema["format"] = "double"
    if spec.kind == "integer" and spec.maximum is not None and spec.maximum > _INT32_MAX:
        schema["format"] = "int64"
    if spec.kind == "text":
        schema["maxLength"] = spec.max_length
        if spec.required:
            schema["minLength"] = 1
        if spec.pattern is not None:
            schema["pattern"] = spec.pattern.pattern
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
        if spec.exclusive_minimum:
            schema["exclusiveMinimum"] = True
    if spec.maximum is not None:
        schema["maximum"] = spec.maximum
    if spec.nullable:
        schema["nullable"] = True
    if not spec.required:
        schema["default"] = spec.default
    return {**schema, "title": spec.label, "description": _help(spec)}


class ProfileValueField(serializers.Field):
    """One profile field: documented by ``profile_property``, validated with the whole profile."""

    def __init__(self, *, spec: FieldSpec, **kwargs: Any):
        self.spec = spec
        super().__init__(required=_required(spec), **kwargs)


class ProfileValueFieldExtension(OpenApiSerializerFieldExtension):
    target_class = ProfileValueField

    def map_serializer_field(self, auto_schema, direction):
        return profile_property(self.target.spec)


def _declare(spec: FieldSpec) -> serializers.Field:
    return ProfileValueField(spec=spec)


class _ProfileValidation:
    """Validate the whole body with parse_given instead of field by field.

    Returns the profile parsed once (a GivenProfile: the fields as given, cleaned, and
    the normalised profile), for the services to store and advise on without parsing
    it again; omitted fields keep following their defaults.
    """

    extra_fields: tuple[str, ...] = ()

    def run_validation(self, data=empty):
        if data is empty or data is None:
            data = {}
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["The request body must be a JSON object."]}
            )
        profile = {k: v for k, v in data.items() if k not in self.extra_fields}
        errors: dict[str, list[str]] = {}
        given = None
        try:
            given = parse_given(profile)
        except ProfileError as exc:
            errors.update(exc.errors)
        extras = {}
        for name in self.extra_fields:
            if name in data:
                try:
                    extras[name] = self.fields[name].run_validation(data[name])
                except serializers.ValidationError as exc:
                    errors[name] = list(exc.detail)
        if errors:
            raise serializers.ValidationError(errors)
        return {"profile": given, **extras}


ProfileSerializer = type(
    "ProfileSerializer",
    (_ProfileValidation, serializers.Serializer),
    {
        "__doc__": "A workload profile: only name is always required, and requests_per_day unless "
        "a one-off job gives job_total_requests.",
        **{spec.name: _declare(spec) for spec in FIELDS},
    },
)


class WorkloadCreateSerializer(ProfileSerializer):  # type: ignore[valid-type, misc]  # built by type() above
    """The flat profile plus, optionally, the slug of the team that will own it."""

    extra_fields = ("team",)
    team = serializers.SlugField(
        required=False, help_text="Team slug; defaults to your first team you can write to."
    )


class EvaluateQuerySerializer(serializers.Serializer):
    """What ``POST /evaluate/`` adds to the advice on request, in its query string."""

    include = serializers.MultipleChoiceField(
        choices=["wait_sweep"],
        required=False,
        help_text="wait_sweep: also the break-even at wait fractions 0, 25, 50, 75 and 90% "
        "(economics.break_even.by_wait_fraction, null without it). It is four fifths of "
        "the work for a new profile, so it is left out unless asked for; a stored "
        "workload's assessment always has it.",
    )


class LayerAdviceSerializer(serializers.Serializer):
    placement = serializers.CharField()
    # A field named like a Field attribute (label, source): DRF's metaclass moves declared fields
    # off the class, so nothing is shadowed; the stubs see an assignment to the attribute.
    label = serializers.CharField()  # type: ignore[assignment]
    alternatives = serializers.ListField(child=serializers.CharField())
    ranking = serializers.ListField(child=serializers.DictField())
    reasons = serializers.ListField(child=serializers.DictField())
    excluded = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.CharField())
    alternative_warnings = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Warnings about placements that were not chosen, each saying which.",
    )
    front_door = serializers.CharField(
        required=False,
        help_text="Nerves only: api_gateway_rest, api_gateway_http, api_gateway_websocket, "
        "alb, function_url, sqs, eventbridge, schedule or none.",
    )
    front_door_detail = serializers.DictField(
        required=False, help_text="Nerves only: the door's label, why it was chosen and its warnings."
    )


class LayersSerializer(serializers.Serializer):
    brain = LayerAdviceSerializer()
    memory = LayerAdviceSerializer()
    nerves = LayerAdviceSerializer()


class AdviceSourceSerializer(serializers.Serializer):
    url = serializers.CharField()
    title = serializers.CharField(required=False)
    read_on = serializers.CharField(required=False, help_text="The date the source was read, YYYY-MM-DD.")
    confidence = serializers.CharField(required=False, help_text="A, B or C (C: derived; see its note).")


class LeverSerializer(serializers.Serializer):
    id = serializers.CharField(
        help_text="prompt_caching, bedrock_batch, provisioned_throughput, "
        "cross_region_inference, quota, savings_plans, spot, ..."
    )
    layer = serializers.ChoiceField(choices=list(LAYERS))
    title = serializers.CharField()
    text = serializers.CharField(help_text="What to do and what it saves, in a sentence.")
    monthly_saving = serializers.FloatField(
        allow_null=True, help_text="USD a month; null when the lever cannot be priced (the text says why)."
    )
    source = AdviceSourceSerializer(required=False, allow_null=True)  # type: ignore[assignment]


class LayerTermsSerializer(serializers.Serializer):
    placement = serializers.CharField()
    plan = serializers.CharField(
        help_text='e.g. "Compute Savings Plan, 1-year, no upfront", "EC2 Spot", "On demand".'
    )
    discount = serializers.FloatField(help_text="0..1, off the on-demand rate.")
    on_demand = serializers.FloatField()
    committed = serializers.FloatField()
    source = AdviceSourceSerializer(required=False, allow_null=True)  # type: ignore[assignment]


class CommitmentSerializer(serializers.Serializer):
    term = serializers.CharField(help_text='"none", "1y" or "3y", as the profile\'s commitment.')
    spot_allowed = serializers.BooleanField()
    label = serializers.CharField(  # type: ignore[assignment]
        help_text='e.g. "1-year Savings Plans, Spot allowed".'
    )
    total = serializers.FloatField(help_text="USD a month under these terms.")
    on_demand_total = serializers.FloatField(help_text="USD a month on demand, for comparison.")
    saving = serializers.FloatField(help_text="USD a month against on demand.")
    by_layer = serializers.DictField(child=LayerTermsSerializer(), help_text="brain, memory, nerves.")


class OneOffJobSerializer(serializers.Serializer):
    items = serializers.FloatField()
    deadline_days = serializers.FloatField()
    total = serializers.FloatField(help_text="USD for the whole job.")
    monthly_equivalent = serializers.FloatField(help_text="USD a month while the job runs.")
    headline = serializers.CharField(help_text='e.g. "One-off job: $40,120.00 in total over 10 days".')
    notes = serializers.ListField(child=serializers.CharField(), required=False)


class MonthlyCostSerializer(serializers.Serializer):
    total = serializers.FloatField(
        allow_null=True, help_text="USD a month under the profile's chosen terms (commitment, Spot)."
    )
    currency = serializers.CharField()
    complete = serializers.BooleanField()
    unpriced_layers = serializers.ListField(child=serializers.CharField())
    headline = serializers.CharField(
        help_text='e.g. "$12,345.67 a month with 1-year Savings Plans ($15,000.00 on demand)".'
    )
    commitment = CommitmentSerializer(required=False, allow_null=True)
    job = OneOffJobSerializer(required=False, allow_null=True, help_text="Null for a continuing workload.")
    lines = serializers.ListField(
        child=serializers.DictField(),
        help_text="layer, placement, name, amount (committed), detail, and "
        "on_demand where a commitment discounts it.",
    )
    assumptions = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    common_assumptions = serializers.ListField(child=serializers.CharField(), required=False)


class PricingSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="The profile's region.")
    catalog_region = serializers.CharField(help_text="The region whose catalog priced it.")
    fallback = serializers.BooleanField(
        help_text="True when another region's rates stood in (a warning "
        "says so and how to import the region's prices)."
    )


class AdviceSerializer(serializers.Serializer):
    """Documents Advice.to_dict(); responses pass the engine's dict through unchanged."""

    profile = serializers.DictField()
    facts = serializers.DictField()
    fact_labels = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    layers = LayersSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    trace = serializers.ListField(child=serializers.DictField())
    monthly_cost = MonthlyCostSerializer(allow_null=True)
    levers = LeverSerializer(
        many=True, required=False, help_text="The cost levers that apply to this advice, best saving first."
    )
    pricing = PricingSerializer(required=False, allow_null=True)
    # Null when the region has no price catalog (the engine then prices nothing).
    costs = serializers.DictField(required=False, allow_null=True)
    economics = serializers.DictField(required=False, allow_null=True)
    ruleset = serializers.CharField()
    catalog = serializers.CharField(allow_null=True)


@extend_schema_field(AdviceSerializer)
class AdviceField(serializers.JSONField):
    """The stored Advice, passed through whole: a later engine's extra keys are never dropped.

    Its ``schema_version`` says how the store reads it back (advisor.advice_record), not what
    the engine answered: left out, so the answer is the engine's JSON as it always was.
    """

    def to_representation(self, value: Any) -> Any:
        return super().to_representation(unstamped(value))


_NUMBER_HELP = 'Its number within its workload, 1 for the first: what the pages call it ("assessment 3").'


class AssessmentSerializer(serializers.ModelSerializer):
    result = AdviceField(read_only=True)
    profile = serializers.DictField(read_only=True)
    number = serializers.IntegerField(read_only=True, help_text=_NUMBER_HELP)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "number",
            "workload",
            "profile_version",
            "ruleset_version",
            "catalog_version",
            "created_at",
            "profile",
            "result",
        ]
        read_only_fields = fields


class AssessmentSummarySerializer(serializers.ModelSerializer):
    placements = serializers.SerializerMethodField()
    number = serializers.IntegerField(read_only=True, help_text=_NUMBER_HELP)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "number",
            "profile_version",
            "ruleset_version",
            "catalog_version",
            "created_at",
            "placements",
            "monthly_cost",
            "monthly_cost_complete",
        ]
        read_only_fields = fields

    monthly_cost = serializers.SerializerMethodField(
        help_text="Monthly cost of the recommended split in USD (priced layers; null without a catalog)."
    )
    monthly_cost_complete = serializers.SerializerMethodField(
        help_text="False when a layer of the split could not be priced, so monthly_cost leaves it out "
        "(the assessment's monthly_cost.headline says which); null without a catalog."
    )

    def get_placements(self, assessment: Assessment) -> dict[str, str]:
        # The return annotation is the OpenAPI schema (drf-spectacular): an assessment places every layer.
        return {layer: cast(str, assessment.placement(layer)) for layer in LAYERS}

    def get_monthly_cost(self, assessment: Assessment) -> float | None:
        monthly = assessment.advice.monthly_cost
        return monthly.total if monthly else None

    def get_monthly_cost_complete(self, assessment: Assessment) -> bool | None:
        monthly = assessment.advice.monthly_cost
        return monthly.complete if monthly else None


class WorkloadSerializer(serializers.ModelSerializer):
    team: serializers.SlugRelatedField[Team] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    profile = serializers.DictField(
        read_only=True, help_text="The profile as given; omitted fields use defaults."
    )
    latest_assessment = serializers.SerializerMethodField()

    class Meta:
        model = Workload
        fields = ["id", "team", "name", "version", "profile", "created_at", "updated_at", "latest_assessment"]
        read_only_fields = fields

    @extend_schema_field(AssessmentSummarySerializer(allow_null=True))
    def get_latest_assessment(self, workload: Workload) -> dict | None:
        latest = workload.assessments.with_number().order_by("-created_at", "-id").first()
        return AssessmentSummarySerializer(latest).data if latest else None
