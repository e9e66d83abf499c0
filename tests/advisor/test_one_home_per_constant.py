"""Constants with one home: the layer tuple lives in placement.placements, nowhere else."""

from __future__ import annotations

import re
from pathlib import Path

from placement.placements import DECISION_ORDER, LAYER_NAMES, LAYERS

ROOT = Path(__file__).resolve().parents[2]
# The three layer names written out as a tuple or list, in any order.
_WRITTEN_OUT = re.compile(
    r"""[(\[]\s*(["'](brain|memory|nerves)["']\s*,\s*){2}["'](brain|memory|nerves)["']"""
)


def test_the_layers_are_the_names_of_layer_names_in_the_order_pages_show_them():
    assert LAYERS == tuple(LAYER_NAMES) == ("brain", "memory", "nerves")
    assert sorted(DECISION_ORDER) == sorted(LAYERS)


def test_no_module_of_the_product_writes_the_layer_tuple_out_again():
    copies = [
        f"{path.relative_to(ROOT)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in sorted((ROOT / "advisor").rglob("*.py")) + sorted((ROOT / "placement").rglob("*.py"))
        if path.name != "placements.py" and "migrations" not in path.parts
        for text in [path.read_text()]
        for match in _WRITTEN_OUT.finditer(text)
    ]
    assert copies == []
