"""The front-end files the app serves itself: pinned, present, and safe under the CSP."""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))
from fetch_static import ASSETS  # noqa: E402

from advisor.presentation.charts import PLOTLY_JS  # noqa: E402

# A call of eval or of the Function constructor: what 'unsafe-eval' would be needed for.
EVAL_CALL = re.compile(r"(?<![\w$.])eval\(|new Function\(|(?<![\w$.])Function\(")


def test_the_plotly_bundle_the_pages_load_is_the_pinned_one_and_is_there():
    destinations = {asset[4] for asset in ASSETS}
    assert f"static/{PLOTLY_JS}" in destinations
    bundle = ROOT / "static" / PLOTLY_JS
    stamp = bundle.with_suffix(bundle.suffix + ".sha512")
    pinned = next(asset[2] for asset in ASSETS if asset[4] == f"static/{PLOTLY_JS}")
    assert bundle.is_file() and stamp.read_text() == pinned


def test_the_plotly_bundle_never_evaluates_strings():
    source = (ROOT / "static" / PLOTLY_JS).read_text(encoding="utf-8")
    assert source.startswith("/**\n* plotly.js")
    assert EVAL_CALL.findall(source) == []


def test_the_eval_check_would_see_an_eval():
    assert EVAL_CALL.findall("a=1;eval(x);new Function('y')") == ["eval(", "new Function("]
    assert EVAL_CALL.findall("x.revalue(3);t.validateFunction(e)") == []
