"""Usage exports for the calibration tests: tests/fixtures/usage, written by its make_fixtures.py."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

USAGE = Path(__file__).resolve().parents[2] / "fixtures" / "usage"
SUPPORT_BOT = {
    "name": "Support ticket bot",
    "requests_per_day": 2000,
    "pattern": "business_hours",
    "trigger": "event",
    "request_duration_s": 4,
    "max_duration_s": 8,
    "wait_fraction": 0.85,
    "orchestration_steps": 3,
    "memory_mb": 512,
    "inference": "hosted_api",
    "hosted_model": "claude-haiku-4.5",
    "input_tokens": 1500,
    "output_tokens": 300,
}


@pytest.fixture
def usage() -> Callable[[str], tuple[str, bytes]]:
    """``usage("lambda-metrics.csv")``: the fixture file as an upload, (name, content)."""

    def _read(name: str) -> tuple[str, bytes]:
        return name, (USAGE / name).read_bytes()

    return _read


@pytest.fixture
def support_bot() -> dict:
    return dict(SUPPORT_BOT)
