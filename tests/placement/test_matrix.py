"""The decision matrix is data; a malformed one fails at load, naming the rule."""
import subprocess
import sys
from pathlib import Path

import pytest

from placement.rules import MATRIX_PATH, MatrixError, load_matrix

HEADER = """
version: "t"
constants: {limit: 900}
layers:
  nerves: {candidates: [lambda, fargate]}
  brain: {candidates: [bedrock]}
  memory: {candidates: [none]}
rules:
"""


def load(tmp_path, rules):
    path = tmp_path / "matrix.yaml"
    path.write_text(HEADER + rules)
    return load_matrix(path)


def test_the_shipped_matrix_loads_and_every_rule_has_a_source():
    matrix = load_matrix(MATRIX_PATH)
    assert len(matrix.rules) >= 40
    assert all(rule.source.strip() for rule in matrix.rules)


def test_a_valid_custom_matrix_loads(tmp_path):
    matrix = load(tmp_path, """
  - {id: X1, layer: nerves, title: t, when: max_duration_s > limit, exclude: [lambda], reason: "{max_duration_s}", source: s}
""")
    assert matrix.rules[0].symbols == ("max_duration_s", "limit")


@pytest.mark.parametrize("rule,message", [
    ('{id: X1, layer: nerves, title: t, when: max_duraton_s > 1, warn: true, reason: r, source: s}', "X1"),
    ('{id: X1, layer: nerves, title: t, when: "1 >", warn: true, reason: r, source: s}', "condition"),
    ('{id: X1, layer: nerves, title: t, when: "true", prefer: {ec2_gpu: 1}, reason: r, source: s}', "candidate"),
    ('{id: X1, layer: nerves, title: t, when: "true", warn: true, reason: r, source: ""}', "source"),
    ('{id: X1, layer: nerves, title: t, when: "true", warn: true, exclude: [lambda], reason: r, source: s}', "exactly one"),
    ('{id: X1, layer: nerves, title: t, when: "true", warn: true, reason: "{nope}", source: s}', "nope"),
    ('{id: X1, layer: nerves, title: t, when: "true", prefer: {lambda: -1}, reason: r, source: s}', "positive"),
])
def test_a_malformed_rule_is_refused_at_load_naming_the_problem(tmp_path, rule, message):
    with pytest.raises(MatrixError, match=message):
        load(tmp_path, f"  - {rule}\n")


def test_duplicate_rule_ids_are_refused(tmp_path):
    rule = '  - {id: X1, layer: nerves, title: t, when: "true", warn: true, reason: r, source: s}\n'
    with pytest.raises(MatrixError, match="duplicate"):
        load(tmp_path, rule * 2)


def test_the_engine_never_imports_django():
    code = "import sys, placement; placement.advise(placement.parse_profile({'name': 'x', 'requests_per_day': 1})); " \
           "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "[]"
