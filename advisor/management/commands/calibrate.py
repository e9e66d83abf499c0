"""``manage.py calibrate PROFILE.json EXPORT... [--format json|text]``: the profile as usage measures it.

Reads a profile (or a scenario, whose profile is read; ``-`` for stdin) the way
``advise`` does, and usage files exported from AWS (Lambda REPORT logs, CloudWatch
metric CSVs, a Cost and Usage Report or a Cost Explorer CSV; see
``placement.calibration``), and prints the declared and measured values side by side
(``text``) or ``{"profile", "measured", "changes", "sources"}`` (``json``). Stores
nothing and touches no database; needs no environment variable (``manage.py`` gives
it ``advisor.config.settings_cli``). A bad profile or file ends with a message naming
the file, row and column on stderr and exit status 2, never a traceback.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from advisor.management.inputs import INVALID, invalid_profile, read_json
from placement.calibration import Calibration, ExportError, calibrate
from placement.profile import ProfileError
from placement.profile_file import profile_document


class Command(BaseCommand):
    help = "Compare a workload profile with the usage measured in files exported from AWS."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "profile", help="Path to a profile JSON file (or a scenario file), or - for stdin."
        )
        parser.add_argument(
            "exports",
            nargs="+",
            metavar="EXPORT",
            help="Usage files: Lambda REPORT logs (filter-log-events JSON or text, Logs Insights "
            "CSV or JSON), CloudWatch metric CSVs, a Cost and Usage Report or a Cost Explorer CSV.",
        )
        parser.add_argument(
            "--format",
            choices=("json", "text"),
            default="text",
            help="json: profile, measured, changes and sources; text: a side-by-side table.",
        )

    def handle(self, *args, profile: str, exports: list[str], format: str, **options):
        document = profile_document(read_json(profile))
        files = [(path, self._read(path)) for path in exports]
        try:
            result = calibrate(document, files)
        except ProfileError as exc:
            raise invalid_profile(exc)
        except ExportError as exc:
            raise CommandError(f"Cannot read a usage export: {exc}", returncode=INVALID)
        if format == "json":
            self.stdout.write(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(result))

    @staticmethod
    def _read(path: str) -> bytes:
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}", returncode=INVALID)


def render_text(result: Calibration) -> str:
    """Declared against measured for each field the files support, then the measured figures."""
    sources = result.measured.get("field_sources", {})
    lines = [f"Calibration of {result.profile['name']}", ""]
    lines += _field_table(result) if sources else ["  The files support no profile field."]
    lines += ["", "Measured"]
    lines += [f"  {key}: {_cell(value)}" for key, value in result.measured.items() if key != "field_sources"]
    if sources:
        lines += ["", "Where each field comes from"]
        lines += [f"  {name}: {source}" for name, source in sources.items()]
    lines += ["", "Files read"] + [f"  {source}" for source in result.sources]
    return "\n".join(lines)


def _field_table(result: Calibration) -> list[str]:
    changed = {change.field: change for change in result.changes}
    rows = [("field", "declared", "measured", "")]
    for name in result.measured["field_sources"]:
        change = changed.get(name)
        value = result.profile[name]
        declared = change.declared if change else value
        rows.append((name, _cell(declared), _cell(value), "changed" if change else "same"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return [f"  {a:<{widths[0]}}  {b:>{widths[1]}}  {c:>{widths[2]}}  {d}".rstrip() for a, b, c, d in rows]


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict):
        return ", ".join(f"{key} {_cell(item)}" for key, item in value.items())
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)
