"""Every scenario (the shared ones and our own) lands inside its accepted set."""

import json
from pathlib import Path

import pytest

from placement import advise, parse_profile

SCENARIOS = sorted(Path(__file__).with_name("scenarios").glob("*.json"))


def test_the_shared_scenarios_are_all_here():
    names = {p.stem for p in SCENARIOS}
    assert {"agent-fleet", "contract-analysis", "gpu-agent", "internal-slm", "support-bot"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_the_scenario_gets_an_accepted_placement(path):
    case = json.loads(path.read_text())
    advice = advise(parse_profile(case["profile"])).to_dict()
    for layer, accepted in case["expect"].items():
        if layer == "warning_text":
            warnings = json.dumps(advice["warnings"]).lower()
            assert any(text in warnings for text in accepted), advice["warnings"]
        elif layer == "any_text":
            everything = json.dumps(advice, ensure_ascii=False).lower()
            assert any(text in everything for text in accepted), accepted
        elif layer == "front_door":
            assert advice["layers"]["nerves"]["front_door"] in accepted, advice["layers"]["nerves"]
        elif layer == "complete":
            assert advice["monthly_cost"]["complete"] is accepted, advice["monthly_cost"]["headline"]
        else:
            assert advice["layers"][layer]["placement"] in accepted, (
                layer,
                advice["layers"][layer]["ranking"],
            )
