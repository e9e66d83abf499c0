"""Placement Advisor's domain core: pure Python, never imports Django.

>>> from placement import parse_profile, advise
>>> advice = advise(parse_profile({"name": "bot", "requests_per_day": 2000}))
>>> advice.layers["nerves"].placement in PLACEMENTS
True
"""

from placement.advice import Advice, advise
from placement.placements import LAYER_NAMES, PLACEMENTS
from placement.profile import FIELDS, ProfileError, WorkloadProfile, parse_profile
from placement.rules import RULESET_VERSION

__all__ = [
    "FIELDS",
    "LAYER_NAMES",
    "PLACEMENTS",
    "RULESET_VERSION",
    "Advice",
    "ProfileError",
    "WorkloadProfile",
    "advise",
    "parse_profile",
]
