"""``manage.py advise PROFILE.json [--format json|text]``: advice for one profile.

Touches no database, so it works on a fresh checkout before ``migrate``, and
needs no environment variable: ``manage.py`` gives it ``advisor.config.settings_cli``
unless ``DJANGO_SETTINGS_MODULE`` is set. PROFILE.json may also be a scenario,
``{"profile": ..., "expect": ...}``, whose profile is read. Any problem with the
input ends with a message naming each field on stderr and exit status 2, never
a traceback.
"""

from __future__ import annotations

import json
import secrets
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from advisor.advice_record import Layer, StoredAdvice
from advisor.presentation.advice import LAYER_ORDER, format_value, lever_rows, pricing_notice
from advisor.presentation.money import job_context, money_context
from advisor.workloads.services import profile_evaluate
from placement import simulation
from placement.placements import LAYER_NAMES, label
from placement.profile import ProfileError, parse_profile
from placement.profile_file import profile_document
from placement.wording import humanize, layer_label, unit_for

INVALID = 2


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


class Command(BaseCommand):
    help = "Print where each layer of a workload should run, and why."
    requires_system_checks: list = []
    requires_migrations_checks = False

    def add_arguments(self, parser):
        parser.add_argument(
            "profile",
            help="Path to a profile JSON file (or a scenario file, "
            '{"profile": ..., "expect": ...}, whose profile is read), or - for stdin.',
        )
        parser.add_argument(
            "--format",
            choices=("json", "text"),
            default="text",
            help="json: the Advice object; text: a report for a person.",
        )
        parser.add_argument(
            "--simulate",
            action="store_true",
            help="Also simulate a month of traffic (Monte Carlo), in this process.",
        )
        parser.add_argument(
            "--paths",
            type=int,
            default=simulation.DEFAULT_PATHS,
            help=f"Simulated months (default {simulation.DEFAULT_PATHS}).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=None,
            help="Seed of the simulation (default: a random one, shown in the output).",
        )

    def handle(
        self, *args, profile: str, format: str, simulate: bool, paths: int, seed: int | None, **options
    ):
        data = self._load(profile)
        try:
            advice = profile_evaluate(profile_data=data)
        except ProfileError as exc:
            lines = [f"  {field}: {' '.join(messages)}" for field, messages in exc.errors.items()]
            raise CommandError("Invalid profile:\n" + "\n".join(lines), returncode=INVALID)
        if simulate:
            advice["simulation"] = self._simulate(data, paths, seed)
            advice["simulation"]["findings"] = [
                f.to_dict() for f in simulation.findings(advice["simulation"], advice)
            ]
        if format == "json":
            self.stdout.write(json.dumps(advice, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(render_text(StoredAdvice.from_engine(advice), advice.get("simulation")))

    @staticmethod
    def _simulate(data: Any, paths: int, seed: int | None) -> dict[str, Any]:
        seed = secrets.randbelow(simulation.MAX_SEED) if seed is None else seed
        try:
            return simulation.simulate(parse_profile(data), paths=paths, seed=seed).to_dict()
        except ValueError as exc:  # paths or seed out of range, named in the message
            raise CommandError(f"Invalid simulation option: {exc}", returncode=INVALID)

    def _load(self, path: str) -> Any:
        try:
            if path == "-":
                text = sys.stdin.read()
            else:
                with open(path, encoding="utf-8") as handle:
                    text = handle.read()
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"Cannot read {path}: {exc}", returncode=INVALID)
        try:
            # NaN and Infinity are not JSON, whatever Python's json module allows.
            document = json.loads(text, parse_constant=_reject_constant)
        except ValueError as exc:
            source = "standard input" if path == "-" else path
            raise CommandError(f"{source} is not valid JSON: {exc}", returncode=INVALID)
        return profile_document(document)


def render_text(advice: StoredAdvice, simulated: dict[str, Any] | None = None) -> str:
    """The advice as a report for a person; ``simulated``: the month simulated with --simulate."""
    out = [
        f"Placement advice for {advice.profile['name']}",
        f"rule set {advice.ruleset}" + (f", catalog {advice.catalog}" if advice.catalog else ""),
    ]
    pricing = pricing_notice(advice)
    if pricing:
        out.append(f"WARNING: priced at {pricing['catalog_region']} rates. {pricing['text']}")
    if advice.monthly_cost:
        job = job_context(advice.monthly_cost.job)
        if job:
            out.append(job["headline"])
        out.append(f"Monthly cost: {advice.monthly_cost.monthly_headline}")
    out.append("")
    for name in LAYER_ORDER:
        out += _layer_text(advice.layers[name])
    out += _lever_text(advice)
    out += _cost_text(advice)
    if simulated:
        out += _simulation_text(simulated)
    out.append("Derived facts")
    for key, value in advice.facts.items():
        name, unit = advice.fact_labels.get(key, (humanize(key), ""))
        shown = format_value(value, unit)
        out.append(f"  {name}: {shown}{'' if unit in ('', '0..1') else ' ' + unit_for(value, unit)}")
    return "\n".join(out)


def _layer_text(layer: Layer) -> list[str]:
    name = layer.name
    out = [f"{LAYER_NAMES[name]}: {layer_label(name, layer.placement)}"]
    if layer.front_door:
        out.append(f"  front door: {layer.front_door.label}. {layer.front_door.why}")
    for reason in layer.reasons:
        out.append(f"  because [{reason.rule}] {reason.text}")
        out.append(f"          source: {reason.source}")
    out += [f"  warning: {warning}" for warning in layer.warnings]
    out += [f"  note: {note}" for note in layer.alternative_warnings]
    for excluded in layer.excluded:
        out.append(
            f"  not {layer_label(name, excluded.placement)}: [{excluded.reason.rule}] {excluded.reason.text}"
        )
    if layer.alternatives:
        out.append(f"  alternatives: {', '.join(layer_label(name, p) for p in layer.alternatives)}")
    return out + [""]


def _cost_text(advice: StoredAdvice) -> list[str]:
    money = money_context(advice)
    if money is None:
        return ["Costs: no price catalog for this region.", ""]
    summary = money["summary"]
    out = [
        f"Monthly cost (catalog {money['catalog']})",
        f"  recommended split: {summary['recommended']}"
        + (f"  << INCOMPLETE: {summary['incomplete']}" if summary["incomplete"] else ""),
        f"  everything on containers: {summary['containers']}"
        + (f" (the split {summary['saving_vs_containers']})" if summary["saving_vs_containers"] else ""),
    ]
    if summary["current"]:
        out.append(f"  today's bill: {summary['current']} (the split {summary['saving_vs_current']})")
    commitment = money["commitment"]
    if commitment and commitment["committed"]:
        out.append(
            f"  with {commitment['label']}: {commitment['total_text']} a month "
            f"({commitment['on_demand_text']} on demand"
            + (f"; {commitment['saving_text']})" if commitment["saving_text"] else ")")
        )
        for terms in commitment["layers"]:
            out.append(
                f"    {terms['title']}: {terms['plan']}"
                + (
                    f", {terms['discount_text']} off, {terms['on_demand_text']} on demand, "
                    f"{terms['committed_text']} committed"
                    if terms.get("discount")
                    else f", {terms['committed_text']}"
                )
            )
    job = money["job"]
    if job:
        out.append(
            f"  {job['headline']} ({job['items_text']} items; "
            f"{job['monthly_equivalent_text']} a month while it runs)"
        )
        out += [f"    note: {n}" for n in job["notes"]]
    for layer in money["layers"]:
        out.append(f"  {layer['title']}:")
        for row in layer["rows"]:
            mark = "*" if row["chosen"] else " "
            out.append(f"   {mark} {row['label']:<34} {row['total_text']:>14}")
            if row["chosen"]:
                out += [
                    f"        {line['name']}: ${line['amount']:,.2f} ({line['detail']})"
                    for line in row["lines"]
                ]
                out += [f"        assumes: {a}" for a in row["assumptions"]]
    be = money["break_even"]
    if be is None:
        out += [f"  {name.replace('_', ' ')}: {why}" for name, why in money["not_applicable"].items()]
    elif be["requests_per_day"]:
        out.append(
            f"  break-even: {be['serverless_label']} and {be['provisioned_label']} cost the same at "
            f"about {be['requests_per_day']:,.0f} requests a day "
            f"({be['utilization']:.0%} utilisation; the rule of thumb says 15%)"
        )
    out.append("")
    return out


def _lever_text(advice: StoredAdvice) -> list[str]:
    """The cost levers that apply, best saving first: title, saving, what to do and its source."""
    levers = lever_rows(advice)
    if not levers:
        return []
    out = ["Cost levers"]
    for lever in levers:
        out.append(
            f"  {lever['title']}: "
            + (f"saves about {lever['saving_text']}" if lever["priced"] else "saving not priced")
        )
        out.append(f"    {lever['text']}")
        if lever["source"]:
            out.append(
                f"    source: {lever['source']['url']}"
                + (f" (read {lever['source']['read_on']})" if lever["source"].get("read_on") else "")
            )
    out.append("")
    return out


def _simulation_text(result: dict[str, Any]) -> list[str]:
    out = [
        f"Simulation: {result['paths']:,} paths x {result['days']} days, seed {result['seed']} "
        f"(engine {result['engine_version']})"
    ]
    findings = result.get("findings") or []
    if findings:
        out.append("  What the simulation found:")
        out += [f"  {'warning' if f['severity'] == 'warning' else 'note'}: {f['text']}" for f in findings]
    for layer, placements in result["placements"].items():
        out.append(f"  {LAYER_NAMES[layer]} (monthly cost p10 / median / p90):")
        for name, r in sorted(placements.items(), key=lambda kv: kv[1]["cost"]["p50"] or 0):
            cost = r["cost"]
            refused = (r.get("throttled_share") or {}).get("p50") or 0
            out.append(
                f"    {label(name):<34} ${cost['p10']:>11,.2f} ${cost['p50']:>11,.2f} ${cost['p90']:>11,.2f}"
                + (
                    f"  throttles {refused:.1%}, not billed"
                    if refused > simulation.results.SERVES_ALL_BELOW
                    else ""
                )
            )
    out.append("")
    return out
