"""Calibrate a workload profile from measured usage the team exports from AWS.

A team uploads files it can export without giving the tool credentials (Lambda
REPORT lines, CloudWatch metric CSVs, a Cost and Usage Report or a Cost Explorer
CSV); ``calibrate`` reads them (``detect.read_export``), derives the profile fields
they support (``derive``) and returns the measured profile beside the declared one.
Only fields the files support change; every other field keeps its declared value.
``measured["field_sources"]`` says which file (and which reading of it) gave each
field, and ``requests_per_day_source`` which source won when several count requests.
Nothing is stored: a caller saves the measured profile as a new version only once
this returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from placement.calibration.derive import Derived, derive
from placement.calibration.detect import Export, read_export
from placement.calibration.errors import ExportError
from placement.profile import FIELDS, FIELDS_BY_NAME, WorkloadProfile, parse_profile

__all__ = ["Calibration", "Change", "ExportError", "calibrate", "read_export"]

MAX_FILES = 50
NO_FILE = "(no file)"


@dataclass(frozen=True)
class Change:
    """A field whose measured value differs from the declared one."""

    field: str
    declared: Any
    measured: Any

    def to_dict(self) -> dict[str, Any]:
        return {"field": self.field, "declared": self.declared, "measured": self.measured}


@dataclass(frozen=True)
class Calibration:
    """The measured profile (normalised), the measured figures, the changes and the files read."""

    profile: dict[str, Any]
    measured: dict[str, Any]
    changes: tuple[Change, ...]
    sources: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "profile": dict(self.profile),
            "measured": dict(self.measured),
            "changes": [change.to_dict() for change in self.changes],
            "sources": list(self.sources),
        }


def calibrate(profile: Mapping[str, Any], exports: Sequence[tuple[str, bytes]]) -> Calibration:
    """The profile as the exports measure it. Raises ProfileError or ExportError.

    ``exports`` are ``(filename, content)`` pairs; the filename only names the file in messages.
    """
    declared = parse_profile(profile)
    readings = _read_all(exports)
    derived = derive(readings)
    updates = _applicable(declared, derived)
    measured_profile = parse_profile(_merged(profile, declared, updates)).to_dict()
    before = declared.to_dict()
    changes = tuple(
        Change(spec.name, before[spec.name], measured_profile[spec.name])
        for spec in FIELDS
        if measured_profile[spec.name] != before[spec.name]
    )
    measured = {**derived.measured, "field_sources": dict(derived.field_sources)}
    return Calibration(measured_profile, measured, changes, tuple(r.describe() for r in readings))


def _read_all(exports: Sequence[tuple[str, bytes]]) -> list[Export]:
    if not exports:
        raise ExportError(
            NO_FILE, "no usage exports given: upload Lambda REPORT logs, CloudWatch metric CSVs or a bill"
        )
    if len(exports) > MAX_FILES:
        raise ExportError(NO_FILE, f"{len(exports)} files given; at most {MAX_FILES} are read at once")
    return [read_export(filename, data) for filename, data in exports]


def _applicable(declared: WorkloadProfile, derived: Derived) -> dict[str, Any]:
    """The derived fields the profile can take, each within its field's bounds."""
    updates = {name: _bounded(name, value) for name, value in derived.fields.items()}
    if declared.one_off:
        # A one-off job's daily rate follows from its volume and deadline, not from a past rate.
        updates.pop("requests_per_day", None)
    return updates


def _bounded(name: str, value: Any) -> Any:
    spec = FIELDS_BY_NAME[name]
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return value
    if spec.maximum is not None:
        value = min(value, type(value)(spec.maximum))
    if spec.minimum is not None and not spec.exclusive_minimum:
        value = max(value, type(value)(spec.minimum))
    return value


def _merged(given: Mapping[str, Any], declared: WorkloadProfile, updates: dict[str, Any]) -> dict[str, Any]:
    merged = {**given, **updates}
    # A measured average above the declared worst case (and no worst case measured) would
    # contradict it: the worst case then follows the average, as when it is left blank.
    worst = merged.get("max_duration_s")
    if (
        "max_duration_s" not in updates
        and worst is not None
        and worst < merged.get("request_duration_s", declared.request_duration_s)
    ):
        merged["max_duration_s"] = None
    return merged
