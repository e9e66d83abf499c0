"""The presets offered on the intake form are valid profiles (no database needed)."""

import pytest

from placement import advise, parse_profile
from placement.presets import PRESETS


@pytest.mark.parametrize("preset_id", sorted(PRESETS))
def test_every_preset_is_a_valid_profile_the_engine_can_place(preset_id):
    advice = advise(parse_profile(PRESETS[preset_id].profile))
    assert set(advice.layers) == {"brain", "memory", "nerves"}


def test_the_four_promised_presets_exist():
    assert {"agent_orchestrator", "rag_chatbot", "batch_document_analysis", "self_hosted_small_model"} <= set(
        PRESETS
    )


def test_presets_import_no_django():
    import subprocess
    import sys

    code = (
        "import sys, placement.presets; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
