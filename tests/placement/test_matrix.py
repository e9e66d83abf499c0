"""The decision matrix is data; a malformed one fails at load, naming the rule."""

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import rule_engine
import yaml

from placement import advise, parse_profile, rules
from placement.presets import PRESETS
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
    matrix = load(
        tmp_path,
        """
  - {id: X1, layer: nerves, title: t, when: max_duration_s > limit, exclude: [lambda], reason: "{max_duration_s}", source: s}
""",
    )
    assert matrix.rules[0].symbols == ("max_duration_s", "limit")


@pytest.mark.parametrize(
    "rule,message",
    [
        (
            "{id: X1, layer: nerves, title: t, when: max_duraton_s > 1, warn: true, reason: r, source: s}",
            "X1",
        ),
        ('{id: X1, layer: nerves, title: t, when: "1 >", warn: true, reason: r, source: s}', "condition"),
        (
            '{id: X1, layer: nerves, title: t, when: "true", prefer: {ec2_gpu: 1}, reason: r, source: s}',
            "candidate",
        ),
        ('{id: X1, layer: nerves, title: t, when: "true", warn: true, reason: r, source: ""}', "source"),
        (
            '{id: X1, layer: nerves, title: t, when: "true", warn: true, exclude: [lambda], reason: r, source: s}',
            "exactly one",
        ),
        ('{id: X1, layer: nerves, title: t, when: "true", warn: true, reason: "{nope}", source: s}', "nope"),
        (
            '{id: X1, layer: nerves, title: t, when: "true", prefer: {lambda: -1}, reason: r, source: s}',
            "positive",
        ),
    ],
)
def test_a_malformed_rule_is_refused_at_load_naming_the_problem(tmp_path, rule, message):
    with pytest.raises(MatrixError, match=message):
        load(tmp_path, f"  - {rule}\n")


def test_duplicate_rule_ids_are_refused(tmp_path):
    rule = '  - {id: X1, layer: nerves, title: t, when: "true", warn: true, reason: r, source: s}\n'
    with pytest.raises(MatrixError, match="duplicate"):
        load(tmp_path, rule * 2)


def test_the_engine_never_imports_django():
    code = (
        "import sys, placement; placement.advise(placement.parse_profile({'name': 'x', 'requests_per_day': 1})); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert out.stdout.strip() == "[]"


# ---- words a manager can read: rules cite public sources, never internal files ----

SOURCES_PATH = Path(__file__).resolve().parents[2] / "placement" / "sources.yaml"
INTERNAL = ("seed 0", "seeds ", "DOMAIN.md", "PRICES.md", "DESIGN.md", "shared/seeds")
FILE_NAME = re.compile(r"\b[\w./-]+\.(?:md|txt|py|ya?ml|json|csv)\b", re.IGNORECASE)


def _source_titles():
    data = yaml.safe_load(SOURCES_PATH.read_text(encoding="utf-8"))
    entries = [entry for group in data.values() for entry in group.values()]
    assert entries and all(entry["title"] and entry["kind"] in {"article", "aws_doc"} for entry in entries)
    titles = [entry["title"] for entry in entries]
    # a rule that checks an AWS limit also cites the limit's page, from the limits data
    from placement.limits import load_limits

    return titles + sorted({limit.source_title for limit in load_limits().values()})


def test_no_rule_text_names_an_internal_file_or_code():
    for rule in load_matrix(MATRIX_PATH).rules:
        for field in ("title", "reason", "source"):
            text = getattr(rule, field)
            assert not any(code.lower() in text.lower() for code in INTERNAL), (rule.id, field, text)
            assert not FILE_NAME.search(text), (rule.id, field, text)


def test_every_rule_source_names_a_public_source_by_its_title():
    titles = _source_titles()
    for rule in load_matrix(MATRIX_PATH).rules:
        assert any(f"“{title}”" in rule.source for title in titles), (rule.id, rule.source)


def test_a_rule_remembered_for_one_profile_answers_another_as_a_fresh_evaluation_would():
    rng = random.Random(17)
    bases = [
        dict(preset.profile) for preset in PRESETS.values() if "job_total_requests" not in preset.profile
    ]
    profiles = [
        parse_profile(
            {
                **rng.choice(bases),
                "name": f"varied {n}",
                "requests_per_day": rng.choice([10, 1_000, 50_000, 2_000_000]),
                "wait_fraction": rng.choice([0.0, 0.5, 0.9]),
            }
        )
        for n in range(40)
    ]
    remembered = [advise(p, wait_sweep=False).trace for p in profiles]
    fresh = []
    for p in profiles:
        rules._outcome.cache_clear()  # nothing remembered from the profiles before
        rules._fired.cache_clear()
        fresh.append(advise(p, wait_sweep=False).trace)
    assert remembered == fresh


def test_a_remembered_reason_prints_a_number_as_this_profile_gave_it(tmp_path):
    matrix = load(
        tmp_path,
        """
  - {id: X1, layer: nerves, title: t, when: max_duration_s > limit, exclude: [lambda], reason: "{max_duration_s}", source: s}
""",
    )
    as_int = rules.evaluate(matrix, {"max_duration_s": 1000, "limit": 900})[0]
    as_float = rules.evaluate(matrix, {"max_duration_s": 1000.0, "limit": 900})[0]
    assert (as_int.text, as_float.text) == ("1000", "1000.0")
    assert not rules.evaluate(matrix, {"max_duration_s": 800, "limit": 900})[0].fired


def test_a_remembered_condition_is_kept_apart_by_the_type_of_a_value_it_compares(tmp_path):
    matrix = load(
        tmp_path,
        """
  - {id: X1, layer: nerves, title: t, when: spot_allowed == true, exclude: [lambda], reason: "{max_duration_s}", source: s}
""",
    )
    assert rules.evaluate(matrix, {"spot_allowed": True, "max_duration_s": 1})[0].fired
    # 1 == True in Python, so a key without the value's type would answer "fired" here.
    with pytest.raises(rule_engine.EngineError):
        rules.evaluate(matrix, {"spot_allowed": 1, "max_duration_s": 2})


def test_a_remembered_condition_answers_a_rule_whose_quoted_value_changed(tmp_path):
    matrix = load(
        tmp_path,
        """
  - {id: X1, layer: nerves, title: t, when: max_duration_s > limit, exclude: [lambda], reason: "{max_duration_s} {lambda_monthly_cost}", source: s}
""",
    )
    first = rules.evaluate(matrix, {"max_duration_s": 1000, "limit": 900, "lambda_monthly_cost": 1.5})[0]
    second = rules.evaluate(matrix, {"max_duration_s": 1000, "limit": 900, "lambda_monthly_cost": 2.5})[0]
    assert (first.fired, first.text, first.values["lambda_monthly_cost"]) == (True, "1000 1.5", 1.5)
    assert (second.fired, second.text, second.values["lambda_monthly_cost"]) == (True, "1000 2.5", 2.5)


def test_a_trace_handed_out_cannot_change_a_remembered_rule(advice_for):
    first = advice_for(requests_per_day=1234)
    for firing in first.to_dict()["trace"]:
        firing["values"].clear()
    assert advice_for(requests_per_day=1234).to_dict()["trace"] == first.to_dict()["trace"]
    assert any(f["values"] for f in first.to_dict()["trace"])
