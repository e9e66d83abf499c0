"""A workload's profile against what production measured (placement.calibration), and the
measured profile kept as the workload's next version."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from advisor.models import Workload
from advisor.workloads import services as workloads
from placement.calibration import Calibration, ExportError, calibrate

__all__ = [
    "CalibrationResult",
    "ExportError",
    "StaleCalibration",
    "workload_calibrate",
    "workload_calibration_save",
]


class StaleCalibration(ValueError):
    """The profile changed since the calibration was made: its changes would overwrite newer ones."""


@dataclass(frozen=True)
class CalibrationResult:
    calibration: Calibration
    version: int  # the profile version the files were measured against
    advice: dict[str, Any]  # the measured profile's advice (the engine's JSON), stored nowhere

    @property
    def changes(self) -> dict[str, Any]:
        """The fields the files measured differently, as a PATCH of the profile would give them."""
        return {change.field: change.measured for change in self.calibration.changes}


def workload_calibrate(*, workload: Workload, exports: Sequence[tuple[str, bytes]]) -> CalibrationResult:
    """The workload's current profile calibrated from exported usage files, with the measured
    profile's advice. Stores nothing. Raises ExportError naming the file, row and column."""
    calibration = calibrate(workload.profile, exports)
    advice = workloads.profile_evaluate(profile_data=calibration.profile, wait_sweep=False)
    return CalibrationResult(calibration, workload.version, advice)


def workload_calibration_save(
    *, user: User, workload: Workload, version: int, changes: Mapping[str, Any]
) -> Workload:
    """The measured values become the next version (and its assessment). Only the fields
    measured change: a field the team left at its default keeps following it."""
    if version != workload.version:
        raise StaleCalibration(
            f"The profile changed since it was calibrated (version {version}, now {workload.version}): "
            "calibrate again from the files."
        )
    return workloads.workload_update(
        user=user, workload=workload, profile_data={**workload.profile, **changes}
    )
