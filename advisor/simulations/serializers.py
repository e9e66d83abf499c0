"""API serializers of simulation runs.

A run's bounds (paths, seed, days) are the engine's own (``placement.simulation``),
so the API, its schema, the form and the service accept the same values.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from advisor.api.serializers import JsonIntegerField, StrictSerializer
from advisor.jobs import retry_notice
from advisor.models import JobReason, SimulationRun
from advisor.simulations.services import simulation_findings
from placement import simulation


class SimulationRequestSerializer(StrictSerializer):
    paths = JsonIntegerField(
        min_value=1,
        max_value=simulation.MAX_PATHS,
        default=simulation.DEFAULT_PATHS,
        help_text="Simulated months of traffic.",
    )
    seed = JsonIntegerField(
        min_value=0,
        max_value=simulation.MAX_SEED,
        required=False,
        allow_null=True,
        help_text="Blank: a random seed, recorded with the run.",
    )
    days = JsonIntegerField(
        min_value=1,
        max_value=simulation.MAX_DAYS,
        default=simulation.DEFAULT_DAYS,
        help_text="Days of traffic each path simulates, scaled to a 730-hour month.",
    )


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
        "warnings first. Empty while running or when nothing stands out."
    )

    retry_notice = serializers.SerializerMethodField(
        help_text="Set when no worker has reported for too long: when the run was last seen and by "
        "when beat sends it again; empty otherwise."
    )
    note = serializers.CharField(
        read_only=True,
        help_text=(
            "What to know about a state that is no failure, e.g. queued while the task queue is unreachable."
        ),
    )
    reason = serializers.ChoiceField(
        read_only=True,
        choices=JobReason.choices,
        help_text=(
            "Why it waits or ended as it did, as a code (broker_unreachable, attempts_exhausted, timed_out, "
            "cancelled, invalid_input, error); empty otherwise. `note` or `error` holds the words."
        ),
    )

    class Meta:
        model = SimulationRun
        fields = [
            "id",
            "workload",
            "status",
            "progress",
            "chunks_done",
            "chunks_total",
            "note",
            "reason",
            "retry_notice",
            "error",
            "seed",
            "paths",
            "days",
            "profile_version",
            "engine_version",
            "catalog_version",
            "created_at",
            "started_at",
            "finished_at",
            "result",
            "findings",
        ]
        read_only_fields = fields

    @extend_schema_field(SimulationFindingSerializer(many=True))
    def get_findings(self, run: SimulationRun) -> list[dict]:
        return simulation_findings(run=run)

    def get_retry_notice(self, run: SimulationRun) -> str:
        return retry_notice(run)
