"""Engine tests touch no database: they build profiles and ask the engine."""

import pytest

from placement import advise, parse_profile


@pytest.fixture
def advice_for():
    """Advice for a profile given as keyword overrides of a small valid workload."""

    def _advice(**fields):
        return advise(parse_profile({"name": "test workload", "requests_per_day": 1000, **fields}))

    return _advice
