"""What the doors share: the SAM events of what they start, their Metadata, and target tracking."""

from __future__ import annotations

from typing import Any

from placement import sizing
from placement.infrastructure._context import Context
from placement.infrastructure._template import Json, Stack, ref
from placement.infrastructure.nerves import Entry


def events_of(stack: Stack, entry: Entry) -> Json:
    """The SAM ``Events`` of the function or state machine the door starts."""
    properties = stack.resources[entry.name]["Properties"]
    events: Json = properties.setdefault("Events", {})
    return events


def door_why(ctx: Context, note: str) -> dict[str, Any]:
    detail = ctx.advice["layers"]["nerves"].get("front_door_detail") or {}
    return {
        "layer": "nerves",
        "front_door": ctx.door,
        "why": detail.get("why", ""),
        "warnings": list(detail.get("warnings", [])),
        "note": note,
    }


def scaling_policy(stack: Stack, entry: Entry, configuration: Json, why: str) -> None:
    stack.add(
        f"{entry.name}ScalingPolicy",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyName": "target-tracking",
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": ref(f"{entry.name}ScalingTarget"),
            "TargetTrackingScalingPolicyConfiguration": configuration,
        },
        {"note": why},
    )


def cpu_scaling(stack: Stack, entry: Entry) -> None:
    """Services with no door that counts their work scale on CPU at the report's target."""
    if entry.kind != "service" or f"{entry.name}ScalingPolicy" in stack.resources:
        return
    scaling_policy(
        stack,
        entry,
        {
            "TargetValue": sizing.TARGET_UTILIZATION * 100,
            "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        },
        "CPU at the report's target utilisation.",
    )
