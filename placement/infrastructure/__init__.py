"""The recommended split as an AWS SAM template (``manage.py advise PROFILE --export sam``).

``sam_template(advice)`` reads the advice dict that ``advise --format json`` prints and
returns the template as a dict; ``sam_yaml(advice)`` writes it as YAML. Sizes come from the
engine's own functions on the advice's profile, so a function's memory and timeout, a task's
size and an endpoint's instances are the ones the report prices. Every resource carries, in
its Metadata, the layer and rules it comes from; the template's Metadata lists the notes a
team must read before deploying (stand-ins, quotas to raise, what is left to them).

Pure: no Django, like the rest of the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from placement.infrastructure import alarms, brain, doors, memory, nerves
from placement.infrastructure._context import Context
from placement.infrastructure._template import Stack
from placement.limits import LIMITS_VERSION
from placement.placements import DECISION_ORDER

__all__ = ["sam_template", "sam_yaml"]

DESCRIPTION_MAX = 1024


def sam_template(advice: Mapping[str, Any]) -> dict[str, Any]:
    """The advice's split (Nerves, Brain, Memory, front door, alarms) as a SAM template."""
    ctx = Context.of(advice)
    stack = Stack(description=_description(advice))
    # Memory and Brain first: the orchestration is given access to what they create.
    memory.build(stack, ctx)
    brain.build(stack, ctx)
    _access_policy(stack)
    entry = nerves.build(stack, ctx)
    door = doors.build(stack, ctx, entry)
    doors.cpu_scaling(stack, entry)
    _access_policy(stack)  # the door may add the queue the orchestration drains
    alarms.build(stack, ctx, entry, door)
    return stack.to_dict(_metadata(advice))


class _Dumper(yaml.SafeDumper):
    """Writes a value shared by two resources twice, rather than as a YAML anchor and alias."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def sam_yaml(advice: Mapping[str, Any]) -> str:
    """The template as YAML, in CloudFormation's section order."""
    return yaml.dump(sam_template(advice), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def _description(advice: Mapping[str, Any]) -> str:
    layers = advice["layers"]
    split = ", ".join(f"{name} on {layers[name]['placement']}" for name in DECISION_ORDER)
    versions = f" Placement Advisor rule set {advice.get('ruleset')}, price catalog {advice.get('catalog')}."
    head = f"{advice['profile']['name']}: the recommended split ({split})."
    # CloudFormation takes at most 1,024 characters: a long workload name is cut, the versions kept.
    return head[: DESCRIPTION_MAX - len(versions)] + versions


def _metadata(advice: Mapping[str, Any]) -> dict[str, Any]:
    layers = advice["layers"]
    return {
        "workload": advice["profile"]["name"],
        "ruleset": advice.get("ruleset"),
        "catalog": advice.get("catalog"),
        "limits": LIMITS_VERSION,
        "split": {name: layers[name]["placement"] for name in DECISION_ORDER},
        "front_door": layers["nerves"].get("front_door"),
        "warnings": list(advice.get("warnings", [])),
    }


def _access_policy(stack: Stack) -> None:
    """One managed policy with everything the orchestration may call, attached to its roles."""
    if not stack.access:
        return
    stack.add(
        "WorkloadAccessPolicy",
        "AWS::IAM::ManagedPolicy",
        {"PolicyDocument": {"Version": "2012-10-17", "Statement": list(stack.access)}},
        {"note": "What the orchestration may call: the model and the context store."},
    )
