"""The decision matrix's own thresholds, for the code that prices and sizes.

Each threshold has one home, ``matrix.yaml``'s ``constants`` (AWS's limits have
theirs, ``limits/aws.yaml``). The rules read them there; facts, sizing and the
calculators read them here, so a threshold changed in the matrix changes
everywhere at once. Read with plain YAML: this module sits below the rules
engine and must not import it.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType

import yaml

MATRIX_PATH = Path(__file__).with_name("matrix.yaml")
MATRIX_CONSTANTS = MappingProxyType(dict(yaml.safe_load(MATRIX_PATH.read_bytes())["constants"]))
