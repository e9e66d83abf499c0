"""The template being built: parameters, resources and notes, and CloudFormation's intrinsics.

Intrinsic functions are written in their JSON form (``{"Ref": ...}``) so ``yaml.safe_dump``
writes them without custom tags; CloudFormation and SAM read both forms alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]


def ref(name: str) -> Json:
    return {"Ref": name}


def get_att(name: str, attribute: str) -> Json:
    return {"Fn::GetAtt": [name, attribute]}


def sub(text: str) -> Json:
    return {"Fn::Sub": text}


@dataclass
class Stack:
    """Everything one template holds, filled layer by layer, then dumped in CloudFormation's order."""

    description: str
    parameters: dict[str, Json] = field(default_factory=dict)
    resources: dict[str, Json] = field(default_factory=dict)
    outputs: dict[str, Json] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # IAM statements the orchestration needs to reach the Brain and the Memory it was given.
    access: list[Json] = field(default_factory=list)
    environment: dict[str, Any] = field(default_factory=dict)

    def parameter(self, name: str, description: str, **settings: Any) -> Json:
        """A value the team fills in at deploy time; returns a Ref to it."""
        self.parameters.setdefault(name, {"Type": "String", "Description": description, **settings})
        return ref(name)

    def add(self, name: str, kind: str, properties: Json, why: Json, **extra: Any) -> Json:
        """A resource, with the advice it comes from in its Metadata; returns a Ref to it."""
        resource: Json = {"Type": kind, "Properties": properties}
        resource.update(extra)
        resource["Metadata"] = {"PlacementAdvisor": why}
        self.resources[name] = resource
        return ref(name)

    def allow(self, actions: list[str], resource: Any) -> None:
        self.access.append({"Effect": "Allow", "Action": actions, "Resource": resource})

    def has(self, name: str) -> bool:
        return name in self.resources

    def to_dict(self, metadata: Json) -> Json:
        template: Json = {
            "AWSTemplateFormatVersion": "2010-09-09",
            "Transform": "AWS::Serverless-2016-10-31",
            "Description": self.description,
            "Metadata": {"PlacementAdvisor": {**metadata, "notes": self.notes}},
        }
        if self.parameters:
            template["Parameters"] = self.parameters
        template["Resources"] = self.resources
        if self.outputs:
            template["Outputs"] = self.outputs
        return template


def log_retention(stack: Stack) -> None:
    """The LogRetentionDays parameter every log group uses."""
    stack.parameter(
        "LogRetentionDays",
        "Days CloudWatch Logs keeps the logs (the team's retention policy).",
        Type="Number",
        Default=30,
        AllowedValues=[1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653],
    )
