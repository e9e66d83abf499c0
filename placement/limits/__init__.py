"""AWS hard limits and default quotas as data, each with the page it comes from.

``aws.yaml`` holds one entry per limit the advice relies on (timeouts, payload
and item sizes, memory, default quotas): its value, unit, whether a Service
Quotas increase can raise it, the AWS documentation page, that page's title,
the date it was read and how sure we are (A = read on the AWS page, B = AWS
reference material agreeing with it, C = one secondary source). Bedrock's
per-model default quotas sit under ``bedrock_quotas`` and are exposed as
``bedrock_rpm.<model>`` and ``bedrock_tpm.<model>`` limits; a quota recorded as
null (not enforced, or no default found to cite) yields no limit, so the rules
must treat a missing name as "unknown: check the account's Service Quotas".

A malformed file is refused at load with a :class:`LimitsError` naming the
entry, never at advice time. Like the prices and the decision matrix, the file
is versioned by a short hash of its bytes (``LIMITS_VERSION``).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

LIMITS_PATH = Path(__file__).with_name("aws.yaml")
UNITS = frozenset(
    {
        "s",
        "ms",
        "KB",
        "MB",
        "GB",
        "count",
        "per_s",
        "per_min",
        "vcpu",
    }
)
CONFIDENCE = frozenset({"A", "B", "C"})
_FIELDS = ("value", "unit", "adjustable", "title", "source", "source_title", "read_on", "confidence")
_OPTIONAL = ("note",)
_QUOTA_FIELDS = (
    "requests_per_minute",
    "tokens_per_minute",
    "adjustable",
    "title",
    "source",
    "source_title",
    "read_on",
    "confidence",
)
_QUOTA_VALUES = ("requests_per_minute", "tokens_per_minute")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_MODEL = re.compile(r"^[a-z0-9][a-z0-9.\-]*$")


class LimitsError(ValueError):
    """The limits file is missing, malformed, or an entry lacks a field; names the entry."""


@dataclass(frozen=True)
class Limit:
    name: str
    value: float
    unit: str
    adjustable: bool  # True: a Service Quotas increase can raise it; False: a hard limit
    title: str
    source: str
    source_title: str
    read_on: str
    confidence: str
    note: str | None = None


@dataclass(frozen=True)
class _Loaded:
    version: str
    limits: Mapping[str, Limit]


def load_limits(path: Path = LIMITS_PATH) -> dict[str, Limit]:
    """Every limit by name, Bedrock quotas included. Read once per path; a fresh dict each call."""
    return dict(_load(Path(path)).limits)


def limit_values(path: Path = LIMITS_PATH) -> dict[str, float]:
    """Name -> value, for the rules engine's constants."""
    return {name: limit.value for name, limit in _load(Path(path)).limits.items()}


def limits_version(path: Path = LIMITS_PATH) -> str:
    return _load(Path(path)).version


@lru_cache(maxsize=4)
def _load(path: Path) -> _Loaded:
    try:
        raw_bytes = path.read_bytes()
    except OSError as exc:
        raise LimitsError(f"{path.name}: cannot read: {exc}") from exc
    try:
        raw = yaml.safe_load(raw_bytes)
    except yaml.YAMLError as exc:
        raise LimitsError(f"{path.name}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict) or not {"version", "limits", "bedrock_quotas"} <= set(raw):
        raise LimitsError(f"{path.name}: needs version, limits and bedrock_quotas")
    extra = set(raw) - {"version", "limits", "bedrock_quotas"}
    if extra:
        raise LimitsError(f"{path.name}: unknown top-level keys {sorted(extra)}")
    if not isinstance(raw["limits"], dict) or not raw["limits"]:
        raise LimitsError(f"{path.name}: limits must be a non-empty mapping")
    if not isinstance(raw["bedrock_quotas"], dict):
        raise LimitsError(f"{path.name}: bedrock_quotas must be a mapping of model -> quotas")

    limits: dict[str, Limit] = {}
    for name, entry in raw["limits"].items():
        limits[name] = _limit(name, entry)
    for model, entry in raw["bedrock_quotas"].items():
        for limit in _bedrock(model, entry):
            limits[limit.name] = limit

    digest = hashlib.sha256(raw_bytes).hexdigest()[:8]
    return _Loaded(version=f"{raw['version']}+{digest}", limits=MappingProxyType(limits))


def _limit(name: Any, entry: Any) -> Limit:
    if not isinstance(name, str) or not _NAME.match(name):
        raise LimitsError(f"limit {name!r}: names are lower_snake_case")
    if not isinstance(entry, dict):
        raise LimitsError(f"limit {name}: must be a mapping of {', '.join(_FIELDS)}")
    _check_keys(f"limit {name}", entry, _FIELDS, _OPTIONAL)
    value = entry["value"]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
        raise LimitsError(f"limit {name}: value must be a positive number, got {value!r}")
    if entry["unit"] not in UNITS:
        raise LimitsError(f"limit {name}: unit {entry['unit']!r} is not one of {sorted(UNITS)}")
    _check_common(f"limit {name}", entry)
    note = entry.get("note")
    if note is not None and (not isinstance(note, str) or not note.strip()):
        raise LimitsError(f"limit {name}: note, when given, is a sentence")
    return Limit(
        name=name,
        value=float(value),
        unit=entry["unit"],
        adjustable=entry["adjustable"],
        title=entry["title"],
        source=entry["source"],
        source_title=entry["source_title"],
        read_on=entry["read_on"],
        confidence=entry["confidence"],
        note=note,
    )


def _bedrock(model: Any, entry: Any) -> tuple[Limit, ...]:
    """A model's quotas as limits. An explicit null (no default to cite, or not enforced) emits none."""
    if not isinstance(model, str) or not _MODEL.match(model):
        raise LimitsError(f"bedrock quota {model!r}: model keys are catalog names like 'claude-sonnet-4.5'")
    where = f"bedrock quota {model}"
    if not isinstance(entry, dict):
        raise LimitsError(f"{where}: must be a mapping of {', '.join(_QUOTA_FIELDS)}")
    _check_keys(where, entry, _QUOTA_FIELDS, _OPTIONAL, nullable=_QUOTA_VALUES)
    for key in _QUOTA_VALUES:
        value = entry[key]
        if value is None:
            if not entry.get("note"):
                raise LimitsError(f"{where}: {key} is null, so a note must say why")
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value <= 0:
            raise LimitsError(f"{where}: {key} must be a positive number or null, got {value!r}")
    _check_common(where, entry)
    shared = dict(
        adjustable=entry["adjustable"],
        source=entry["source"],
        source_title=entry["source_title"],
        read_on=entry["read_on"],
        confidence=entry["confidence"],
        note=entry.get("note"),
    )
    limits = []
    for key, prefix, what in (
        ("requests_per_minute", "bedrock_rpm", "requests per minute"),
        ("tokens_per_minute", "bedrock_tpm", "tokens per minute"),
    ):
        if entry[key] is not None:
            limits.append(
                Limit(
                    name=f"{prefix}.{model}",
                    value=float(entry[key]),
                    unit="per_min",
                    title=f"{entry['title']}: {what}",
                    **shared,
                )
            )
    return tuple(limits)


def _check_keys(
    where: str,
    entry: dict[str, Any],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    nullable: tuple[str, ...] = (),
) -> None:
    missing = [k for k in required if k not in entry or (entry[k] is None and k not in nullable)]
    if missing:
        raise LimitsError(f"{where}: missing {', '.join(missing)}")
    unknown = sorted(set(entry) - set(required) - set(optional))
    if unknown:
        raise LimitsError(f"{where}: unknown fields {', '.join(unknown)}")


def _check_common(where: str, entry: dict[str, Any]) -> None:
    if not isinstance(entry["adjustable"], bool):
        raise LimitsError(f"{where}: adjustable must be true or false")
    for key in ("title", "source_title"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise LimitsError(f"{where}: {key} must be non-empty text")
    source = entry["source"]
    if not isinstance(source, str) or not source.startswith("https://"):
        raise LimitsError(f"{where}: source must be an https URL, got {source!r}")
    read_on = entry["read_on"]
    if isinstance(read_on, date):  # YAML reads an unquoted 2026-11-30 as a date
        read_on = entry["read_on"] = read_on.isoformat()
    try:
        date.fromisoformat(read_on)
    except (TypeError, ValueError):
        raise LimitsError(f"{where}: read_on must be a date like 2026-11-30, got {read_on!r}") from None
    if entry["confidence"] not in CONFIDENCE:
        raise LimitsError(f"{where}: confidence must be one of {sorted(CONFIDENCE)}")


LIMITS_VERSION = limits_version()
