"""Does a changed engine give today's answers? ``advise`` of many profiles, dumped and compared.

    # in each tree (the old one a clone of the commit before the change):
    .venv/bin/python benchmarks/engine_equality.py dump OUT.json [--varied 400]
    # then:
    .venv/bin/python benchmarks/engine_equality.py compare OLD.json NEW.json

The profiles: every scenario under ``tests/placement/scenarios`` and ``../shared/scenarios``,
every preset, and ``--varied`` seeded variations of the presets (``bodies.varied_body``, as the
load benchmark sends them, one-off jobs included), each advised twice: the full answer (wait
sweep included) and evaluate's (without it).

``compare`` walks both answers leaf by leaf. Strings, booleans and structure must be equal;
numbers may differ by less than half a cent (0.005) or, for large numbers such as a break-even
volume, by a relative 1e-5 (the break-even search pins a crossing to within 0.001%). Anything
else is listed, path by path, and the exit status is 1.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bodies import varied_body  # noqa: E402

from placement import advise, parse_profile  # noqa: E402
from placement.presets import PRESETS  # noqa: E402

SCENARIO_DIRS = (ROOT / "tests" / "placement" / "scenarios", ROOT.parent / "shared" / "scenarios")
CENT_TOLERANCE = 0.005
RELATIVE_TOLERANCE = 1e-5


def profiles(varied: int) -> dict[str, dict[str, Any]]:
    bodies: dict[str, dict[str, Any]] = {}
    for folder in SCENARIO_DIRS:
        for path in sorted(folder.glob("*.json")):
            bodies[f"scenario:{folder.parent.name}/{path.stem}"] = json.loads(path.read_text())["profile"]
    bases = [dict(p.profile) for p in PRESETS.values()]
    for name, preset in PRESETS.items():
        bodies[f"preset:{name}"] = dict(preset.profile)
    rng = random.Random("engine-equality")
    for n in range(varied):
        bodies[f"varied:{n}"] = varied_body(rng, bases, f"equality-{n}")
    return bodies


def dump(out: Path, varied: int) -> None:
    answers = {}
    for key, body in profiles(varied).items():
        profile = parse_profile(body)
        answers[key] = {
            "full": advise(profile).to_dict(),
            "evaluate": advise(profile, wait_sweep=False).to_dict(),
        }
    out.write_text(json.dumps(answers, sort_keys=True))
    print(f"{len(answers)} profiles advised twice, written to {out}")


def differences(old: Any, new: Any, path: str = "") -> Iterator[str]:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new), key=str):
            if key not in old or key not in new:
                yield f"{path}.{key}: only in {'new' if key in new else 'old'}"
            else:
                yield from differences(old[key], new[key], f"{path}.{key}")
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            yield f"{path}: {len(old)} items, now {len(new)}"
        else:
            for i, (a, b) in enumerate(zip(old, new, strict=True)):
                yield from differences(a, b, f"{path}[{i}]")
    elif _numbers(old, new):
        if not _close(float(old), float(new)):
            yield f"{path}: {old!r} -> {new!r}"
    elif old != new:
        yield f"{path}: {old!r} -> {new!r}"


def _numbers(a: Any, b: Any) -> bool:
    def number(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool)

    return number(a) and number(b)


def _close(a: float, b: float) -> bool:
    return abs(a - b) < CENT_TOLERANCE or abs(a - b) <= RELATIVE_TOLERANCE * max(abs(a), abs(b))


def compare(old_path: Path, new_path: Path, show: int) -> int:
    old, new = json.loads(old_path.read_text()), json.loads(new_path.read_text())
    found = [d for key in sorted(old) for d in differences(old[key], new.get(key), key)]
    print(f"{len(old)} profiles (x2 answers) compared: {len(found)} differences")
    for line in found[:show]:
        print("  " + line)
    return 1 if found else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("dump")
    d.add_argument("out", type=Path)
    d.add_argument("--varied", type=int, default=400)
    c = sub.add_parser("compare")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    c.add_argument("--show", type=int, default=40)
    args = parser.parse_args()
    if args.command == "dump":
        dump(args.out, args.varied)
        return 0
    return compare(args.old, args.new, args.show)


if __name__ == "__main__":
    sys.exit(main())
