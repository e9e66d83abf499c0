"""The calibration page's rows: each profile field declared against measured, the figures
measured beside them, and the advice of the saved profile against the measured one."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.advice_record import StoredAdvice
from advisor.presentation.advice import field_value, format_value
from advisor.presentation.dashboards import whatif_context
from placement.calibration import Calibration
from placement.profile import FIELDS_BY_NAME
from placement.wording import humanize

# Measured figures shown in their own table (the bill) or already in the field rows.
_SHOWN_ELSEWHERE = {"bill", "field_sources"}


def calibration_context(
    calibration: Calibration, *, saved: StoredAdvice | None, measured: StoredAdvice
) -> dict[str, Any]:
    sources = calibration.measured.get("field_sources") or {}
    return {
        "rows": [
            {
                **_field_row(change.field, change.declared, change.measured),
                "source": sources.get(change.field, ""),
            }
            for change in calibration.changes
        ],
        "measured": [
            {"label": _label(name), "value": _measured_text(name, value)}
            for name, value in calibration.measured.items()
            if name not in _SHOWN_ELSEWHERE and _shown(value)
        ],
        "bill": calibration.measured.get("bill"),
        "sources": list(calibration.sources),
        "advice": whatif_context(saved=saved, variant=measured) if saved is not None else None,
    }


def _field_row(name: str, declared: Any, measured: Any) -> dict[str, str]:
    return {
        "name": name,
        "label": FIELDS_BY_NAME[name].label,
        "declared": _field_text(name, declared),
        "measured": _field_text(name, measured),
    }


def _field_text(name: str, value: Any) -> str:
    text, unit = field_value(name, value)
    return f"{text} {unit}" if unit and value is not None else text


def _shown(value: Any) -> bool:
    """A number or text, or a few named ones; deeper structures stay in the JSON (API, CLI)."""
    if isinstance(value, Mapping):
        return all(not isinstance(v, Mapping | list) for v in value.values())
    return not isinstance(value, list)


def _label(name: str) -> str:
    text = humanize(name)
    return text[0].upper() + text[1:]


def _measured_text(name: str, value: Any) -> str:
    """A figure, or a few named ones (mean, p95, max...) on one line; a share as a percentage."""
    if isinstance(value, Mapping):
        return " · ".join(f"{humanize(key).lower()} {format_value(v)}" for key, v in value.items())
    return format_value(value, "0..1" if name.endswith("_share") else "")
