"""Where Amazon Bedrock serves a model, per region: placement/regions.yaml, with its sources.

Data residency turns on it: a model served in a region only through cross-region
inference sends prompts to other regions. A model a region's table does not list
has no recorded availability ("unknown"), and the advice says so rather than guess.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

REGIONS_PATH = Path(__file__).with_name("regions.yaml")
SERVED = ("in_region", "cross_region", "not_served")
UNKNOWN = "unknown"
# How each is said where a reader sees it (the facts, a rule's values).
SERVED_WORDS = {
    "in_region": "in the region",
    "cross_region": "by cross-region inference only",
    "not_served": "not served",
    UNKNOWN: "not recorded",
}


@dataclass(frozen=True)
class Availability:
    model: str
    region: str
    served: str  # one of SERVED, or UNKNOWN
    profiles: str = ""  # the cross-region inference profiles that reach it, in words
    source: str = ""  # "title (url), read YYYY-MM-DD"; empty when unknown
    confidence: str = ""
    note: str = ""


class RegionsError(ValueError):
    """regions.yaml is malformed: a row without a known source or a known kind of service."""


@lru_cache(maxsize=1)
def _table() -> dict[str, dict[str, Availability]]:
    raw = yaml.safe_load(REGIONS_PATH.read_text())
    sources = raw["sources"]
    table: dict[str, dict[str, Availability]] = {}
    for region, models in raw["regions"].items():
        for model, row in models.items():
            if row.get("served") not in SERVED or row.get("source") not in sources:
                raise RegionsError(
                    f"regions.yaml: {region} {model} needs served in {SERVED} and a known source"
                )
            src = sources[row["source"]]
            table.setdefault(region, {})[model] = Availability(
                model=model,
                region=region,
                served=row["served"],
                profiles=row.get("profiles", ""),
                source=f"“{src['title']}” ({src['url']}), read {src['read_on']}",
                confidence=row.get("confidence", ""),
                note=row.get("note", ""),
            )
    return table


@lru_cache(maxsize=256)
def bedrock_availability(model: str, region: str) -> Availability:
    """How Bedrock serves ``model`` in ``region``, as regions.yaml records it (UNKNOWN if it does not)."""
    found = _table().get(region, {}).get(model)
    return found or Availability(model=model, region=region, served=UNKNOWN)


@lru_cache(maxsize=64)
def served_models(region: str) -> frozenset[str]:
    """Models the table records as served in ``region``, in the region or through a profile."""
    return frozenset(m for m, a in _table().get(region, {}).items() if a.served != "not_served")


@lru_cache(maxsize=64)
def not_served_models(region: str) -> frozenset[str]:
    return frozenset(m for m, a in _table().get(region, {}).items() if a.served == "not_served")
