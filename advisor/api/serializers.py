"""API serializers.

The profile serializer's fields are generated from ``placement.profile.FIELDS``
so the OpenAPI schema documents each field's type, default, bounds and help;
validation itself is delegated to ``parse_profile``, the single judge shared
with the form and the CLI.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import empty

from advisor.background import retry_notice
from advisor.models import Assessment, SimulationRun, Workload
from advisor.simulations import simulation_findings
from placement.profile import FIELDS, FieldSpec, ProfileError, parse_profile, unknown_field_errors


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


class JsonIntegerField(serializers.IntegerField):
    """A whole number sent as a JSON number: ``"100"`` and ``true`` are refused, not converted."""

    default_error_messages = {"not_a_number": "Must be a JSON number, not a string or true/false."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("not_a_number")
        return super().to_internal_value(data)

_FIELD_CLASSES = {
    "text": serializers.CharField,
    "number": serializers.FloatField,
    "integer": serializers.IntegerField,
    "bool": serializers.BooleanField,
}


def _help(spec: FieldSpec) -> str:
    text = spec.help
    if spec.unit and spec.unit != "0..1":
        text += f" Unit: {spec.unit}."
    if spec.exclusive_minimum and spec.minimum is not None:
        text += f" Must be greater than {spec.minimum:g}."
    return text


def _declare(spec: FieldSpec) -> serializers.Field:
    kwargs: dict[str, Any] = {"help_text": _help(spec), "label": spec.label}
    if spec.required:
        kwargs["required"] = True
    else:
        kwargs["default"] = spec.default
    if spec.nullable:
        kwargs["allow_null"] = True
    if spec.kind == "choice":
        return serializers.ChoiceField(choices=list(spec.choices), **kwargs)
    if spec.kind in ("number", "integer"):
        if spec.minimum is not None:
            kwargs["min_value"] = spec.minimum
        if spec.maximum is not None:
            kwargs["max_value"] = spec.maximum
    if spec.kind == "text":
        kwargs["max_length"] = spec.max_length
        if spec.pattern is not None:
            return serializers.RegexField(spec.pattern.pattern, **kwargs)
    return _FIELD_CLASSES[spec.kind](**kwargs)


class _ProfileValidation:
    """Validate the whole body with parse_profile instead of field by field.

    Returns the body as given (a dict) once it is known to be valid: services
    take raw profile data so that omitted fields keep following their defaults.
    """

    extra_fields: tuple[str, ...] = ()

    def run_validation(self, data=empty):
        if data is empty or data is None:
            data = {}
        if not isinstance(data, dict):
            raise serializers.ValidationError(
                {"non_field_errors": ["The request body must be a JSON object."]})
        profile = {k: v for k, v in data.items() if k not in self.extra_fields}
        errors: dict[str, list[str]] = {}
        try:
            parse_profile(profile)
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
        return {"profile": profile, **extras}


ProfileSerializer = type("ProfileSerializer", (_ProfileValidation, serializers.Serializer), {
    "__doc__": "A workload profile: only name and requests_per_day are required.",
    **{spec.name: _declare(spec) for spec in FIELDS},
})


class WorkloadCreateSerializer(ProfileSerializer):
    """The flat profile plus, optionally, the slug of the team that will own it."""

    extra_fields = ("team",)
    team = serializers.SlugField(required=False,
                                 help_text="Team slug; defaults to your first team you can write to.")


class EvaluateQuerySerializer(serializers.Serializer):
    """What ``POST /evaluate/`` adds to the advice on request, in its query string."""

    include = serializers.MultipleChoiceField(
        choices=["wait_sweep"], required=False,
        help_text="wait_sweep: also the break-even at wait fractions 0, 25, 50, 75 and 90% "
                  "(economics.break_even.by_wait_fraction, null without it). It is four fifths of "
                  "the work for a new profile, so it is left out unless asked for; a stored "
                  "workload's assessment always has it.")


class LayerAdviceSerializer(serializers.Serializer):
    placement = serializers.CharField()
    label = serializers.CharField()
    alternatives = serializers.ListField(child=serializers.CharField())
    ranking = serializers.ListField(child=serializers.DictField())
    reasons = serializers.ListField(child=serializers.DictField())
    excluded = serializers.ListField(child=serializers.DictField())
    warnings = serializers.ListField(child=serializers.CharField())
    alternative_warnings = serializers.ListField(
        child=serializers.CharField(), required=False,
        help_text="Warnings about placements that were not chosen, each saying which.")
    front_door = serializers.CharField(
        required=False, help_text="Nerves only: api_gateway_rest, api_gateway_http, api_gateway_websocket, "
                                  "alb, function_url, sqs, eventbridge, schedule or none.")
    front_door_detail = serializers.DictField(
        required=False, help_text="Nerves only: the door's label, why it was chosen and its warnings.")


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
    id = serializers.CharField(help_text="prompt_caching, bedrock_batch, provisioned_throughput, "
                                         "cross_region_inference, quota, savings_plans, spot, ...")
    layer = serializers.ChoiceField(choices=["brain", "memory", "nerves"])
    title = serializers.CharField()
    text = serializers.CharField(help_text="What to do and what it saves, in a sentence.")
    monthly_saving = serializers.FloatField(
        allow_null=True, help_text="USD a month; null when the lever cannot be priced (the text says why).")
    source = AdviceSourceSerializer(required=False, allow_null=True)


class LayerTermsSerializer(serializers.Serializer):
    placement = serializers.CharField()
    plan = serializers.CharField(help_text='e.g. "Compute Savings Plan, 1-year, no upfront", "EC2 Spot", '
                                           '"On demand".')
    discount = serializers.FloatField(help_text="0..1, off the on-demand rate.")
    on_demand = serializers.FloatField()
    committed = serializers.FloatField()
    source = AdviceSourceSerializer(required=False, allow_null=True)


class CommitmentSerializer(serializers.Serializer):
    term = serializers.CharField(help_text='"none", "1y" or "3y", as the profile\'s commitment.')
    spot_allowed = serializers.BooleanField()
    label = serializers.CharField(help_text='e.g. "1-year Savings Plans, Spot allowed".')
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
    total = serializers.FloatField(allow_null=True, help_text="USD a month under the profile's chosen "
                                                              "terms (commitment, Spot).")
    currency = serializers.CharField()
    complete = serializers.BooleanField()
    unpriced_layers = serializers.ListField(child=serializers.CharField())
    headline = serializers.CharField(help_text='e.g. "$12,345.67 a month with 1-year Savings Plans '
                                               '($15,000.00 on demand)".')
    commitment = CommitmentSerializer(required=False, allow_null=True)
    job = OneOffJobSerializer(required=False, allow_null=True, help_text="Null for a continuing workload.")
    lines = serializers.ListField(child=serializers.DictField(),
                                  help_text="layer, placement, name, amount (committed), detail, and "
                                            "on_demand where a commitment discounts it.")
    assumptions = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    common_assumptions = serializers.ListField(child=serializers.CharField(), required=False)


class PricingSerializer(serializers.Serializer):
    region = serializers.CharField(help_text="The profile's region.")
    catalog_region = serializers.CharField(help_text="The region whose catalog priced it.")
    fallback = serializers.BooleanField(help_text="True when another region's rates stood in (a warning "
                                                  "says so and how to import the region's prices).")


class AdviceSerializer(serializers.Serializer):
    """Documents Advice.to_dict(); responses pass the engine's dict through unchanged."""

    profile = serializers.DictField()
    facts = serializers.DictField()
    fact_labels = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))
    layers = LayersSerializer()
    warnings = serializers.ListField(child=serializers.CharField())
    trace = serializers.ListField(child=serializers.DictField())
    monthly_cost = MonthlyCostSerializer(allow_null=True)
    levers = LeverSerializer(many=True, required=False,
                             help_text="The cost levers that apply to this advice, best saving first.")
    pricing = PricingSerializer(required=False, allow_null=True)
    # Null when the region has no price catalog (the engine then prices nothing).
    costs = serializers.DictField(required=False, allow_null=True)
    economics = serializers.DictField(required=False, allow_null=True)
    ruleset = serializers.CharField()
    catalog = serializers.CharField(allow_null=True)


@extend_schema_field(AdviceSerializer)
class AdviceField(serializers.JSONField):
    """The stored Advice, passed through whole: a later engine's extra keys are never dropped."""


class AssessmentSerializer(serializers.ModelSerializer):
    result = AdviceField(read_only=True)
    profile = serializers.DictField(read_only=True)

    class Meta:
        model = Assessment
        fields = ["id", "workload", "profile_version", "ruleset_version", "catalog_version",
                  "created_at", "profile", "result"]
        read_only_fields = fields


class AssessmentSummarySerializer(serializers.ModelSerializer):
    placements = serializers.SerializerMethodField()

    class Meta:
        model = Assessment
        fields = ["id", "profile_version", "ruleset_version", "catalog_version", "created_at",
                  "placements", "monthly_cost", "monthly_cost_complete"]
        read_only_fields = fields

    monthly_cost = serializers.SerializerMethodField(
        help_text="Monthly cost of the recommended split in USD (priced layers; null without a catalog).")
    monthly_cost_complete = serializers.SerializerMethodField(
        help_text="False when a layer of the split could not be priced, so monthly_cost leaves it out "
                  "(the assessment's monthly_cost.headline says which); null without a catalog.")

    def get_placements(self, assessment: Assessment) -> dict[str, str]:
        return {layer: assessment.placement(layer) for layer in ("brain", "memory", "nerves")}

    def get_monthly_cost(self, assessment: Assessment) -> float | None:
        return (assessment.result.get("monthly_cost") or {}).get("total")

    def get_monthly_cost_complete(self, assessment: Assessment) -> bool | None:
        return (assessment.result.get("monthly_cost") or {}).get("complete")


class WorkloadSerializer(serializers.ModelSerializer):
    team = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    profile = serializers.DictField(read_only=True,
                                    help_text="The profile as given; omitted fields use defaults.")
    latest_assessment = serializers.SerializerMethodField()

    class Meta:
        model = Workload
        fields = ["id", "team", "name", "version", "profile", "created_at", "updated_at",
                  "latest_assessment"]
        read_only_fields = fields

    @extend_schema_field(AssessmentSummarySerializer(allow_null=True))
    def get_latest_assessment(self, workload: Workload) -> dict | None:
        latest = workload.assessments.order_by("-created_at", "-id").first()
        return AssessmentSummarySerializer(latest).data if latest else None


class SimulationRequestSerializer(StrictSerializer):
    paths = JsonIntegerField(min_value=1, max_value=100_000, default=1000,
                             help_text="Simulated months of traffic.")
    seed = JsonIntegerField(min_value=0, max_value=2**31 - 1, required=False, allow_null=True,
                            help_text="Blank: a random seed, recorded with the run.")
    days = JsonIntegerField(min_value=1, max_value=31, default=30)


class SimulationFindingSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["throttling", "cold_starts", "under_provisioned", "p90_cheapest"])
    severity = serializers.ChoiceField(choices=["warning", "notice"])
    layer = serializers.CharField(help_text="brain, memory or nerves.")
    placement = serializers.CharField(help_text="The placement the finding is about.")
    text = serializers.CharField(help_text="The finding in plain words, with its numbers.")
    values = serializers.DictField(help_text="The numbers the text quotes, by name.")


class SimulationRunSerializer(serializers.ModelSerializer):
    progress = serializers.FloatField(read_only=True, help_text="Share of chunks done, 0 to 1.")
    result = serializers.JSONField(read_only=True, help_text="Cost bands per placement once finished.")
    findings = serializers.SerializerMethodField(
        help_text="Once finished: what the run found about the recommended split (throttled requests, "
                  "cold starts, minutes below demand, a p90 month with another cheapest placement), "
                  "warnings first. Empty while running or when nothing stands out.")

    retry_notice = serializers.SerializerMethodField(
        help_text="Set when no worker has reported for too long: when the run was last seen and by "
                  "when beat sends it again; empty otherwise.")

    class Meta:
        model = SimulationRun
        fields = ["id", "workload", "status", "progress", "chunks_done", "chunks_total", "note",
                  "retry_notice", "error", "seed", "paths", "days", "profile_version", "engine_version",
                  "catalog_version", "created_at", "started_at", "finished_at", "result", "findings"]
        read_only_fields = fields

    @extend_schema_field(SimulationFindingSerializer(many=True))
    def get_findings(self, run: SimulationRun) -> list[dict]:
        return simulation_findings(run=run)

    def get_retry_notice(self, run: SimulationRun) -> str:
        return retry_notice(run)
