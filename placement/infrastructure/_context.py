"""What the exporter reads: the advice dict, the profile and facts behind it, and the limits.

Every size comes from the engine's own functions on the advice's profile (placement/sizing.py,
placement/stores.py, placement/serving.py), so the template says what the report says.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from placement import sizing
from placement.facts import Facts, derive_facts
from placement.limits import limit_values
from placement.pricing import Catalog, catalog_for_pricing
from placement.profile import WorkloadProfile, parse_profile

LIMITS = limit_values()
# From this share of a limit the advice calls a value "close" (the matrix's threshold): the
# timeout goes to the limit itself, and alarms fire there.
CLOSE: float = sizing.LIMIT_WARNING_SHARE


@dataclass(frozen=True)
class Context:
    advice: Mapping[str, Any]
    profile: WorkloadProfile
    facts: Facts

    @classmethod
    def of(cls, advice: Mapping[str, Any]) -> Context:
        profile = parse_profile(dict(advice["profile"]))
        return cls(advice, profile, derive_facts(profile))

    def placement(self, layer: str) -> str:
        return str(self.advice["layers"][layer]["placement"])

    @property
    def door(self) -> str:
        return str(self.advice["layers"]["nerves"].get("front_door") or "none")

    def rules(self, layer: str) -> list[str]:
        """The rule ids behind a layer's placement, for the resources' Metadata."""
        return [reason["rule"] for reason in self.advice["layers"][layer].get("reasons", [])]

    def why(self, layer: str, note: str) -> dict[str, Any]:
        return {
            "layer": layer,
            "placement": self.placement(layer),
            "rules": self.rules(layer),
            "note": note,
        }

    @cached_property
    def catalog(self) -> Catalog | None:
        catalog, _ = catalog_for_pricing(self.profile.region)
        return catalog

    @property
    def synchronous(self) -> bool:
        return self.profile.trigger == "api"

    @property
    def steps(self) -> int:
        return max(1, self.profile.orchestration_steps)

    @property
    def human_wait_s(self) -> int:
        return math.ceil(self.facts.human_wait_seconds)

    def warnings_mentioning(self, text: str) -> list[str]:
        return [w for w in self.advice.get("warnings", []) if text.lower() in str(w).lower()]


def timeout_s(worst_case_s: float, limit_s: float) -> int:
    """A timeout with the worst case (the profile's p99) at the "close" share of it, so a request
    slower than planned still finishes and the duration alarm, set at that share, stays quiet
    until the tail grows past the plan; from that share of the limit on, the limit itself, as
    the advice says ("set the timeout to the maximum, alarm on duration")."""
    if worst_case_s >= limit_s * CLOSE:
        return int(limit_s)
    return max(1, math.ceil(worst_case_s / CLOSE))
