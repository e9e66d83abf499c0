"""``manage.py advise PROFILE.json [--format json|text|markdown]``: advice for one profile.

``--baseline OLD_RESULT.json`` compares it with a result ``--format json`` saved earlier
(placement/gate.py) and ``--fail-on`` makes a change fail the job (exit 1), for a CI gate;
``--export sam`` prints the recommended split as an AWS SAM template instead.

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
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from advisor.advice_record import Layer, StoredAdvice
from advisor.management.inputs import INVALID, invalid_profile, read_json
from advisor.presentation.advice import LAYER_ORDER, format_value, lever_rows, pricing_notice
from advisor.presentation.money import job_context, money_context
from advisor.workloads.services import profile_evaluate
from placement import gate, simulation
from placement.infrastructure import sam_yaml
from placement.placements import LAYER_NAMES, label
from placement.profile import ProfileError, parse_profile
from placement.profile_file import profile_document
from placement.wording import humanize, layer_label, unit_for

GATE_FAILED = 1


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
            choices=("json", "text", "markdown"),
            default="text",
            help="json: the Advice object; text: a report for a person; markdown: a summary for a "
            "pull-request comment (with --baseline: what changed).",
        )
        parser.add_argument(
            "--baseline",
            metavar="OLD_RESULT.json",
            help="Compare with a result saved earlier with --format json: placements changed, cost "
            "change per layer, new warnings.",
        )
        parser.add_argument(
            "--fail-on",
            action="append",
            default=[],
            metavar="CONDITION",
            help=f"With --baseline, exit 1 when this holds: {gate.FAIL_ON_HELP}. Repeat it, or "
            "separate conditions with commas.",
        )
        parser.add_argument(
            "--export",
            choices=("sam",),
            help="sam: print the recommended split as an AWS SAM template (YAML) instead of the advice.",
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
        self,
        *args,
        profile: str,
        format: str,
        simulate: bool,
        paths: int,
        seed: int | None,
        baseline: str | None = None,
        fail_on: list[str] | None = None,
        export: str | None = None,
        **options,
    ):
        thresholds = self._thresholds(fail_on or [], baseline, export)
        saved = self._baseline(baseline) if baseline else None
        data = self._load(profile)
        try:
            advice = profile_evaluate(profile_data=data)
        except ProfileError as exc:
            raise invalid_profile(exc)
        if simulate:
            advice["simulation"] = self._simulate(data, paths, seed)
            advice["simulation"]["findings"] = [
                f.to_dict() for f in simulation.findings(advice["simulation"], advice)
            ]
        if export == "sam":
            self.stdout.write(sam_yaml(advice), ending="")
        elif saved is not None:
            self._gate(advice, saved, thresholds, format)
        elif format == "json":
            self.stdout.write(json.dumps(advice, indent=2, ensure_ascii=False))
        elif format == "markdown":
            self.stdout.write(gate.summary_markdown(advice), ending="")
        else:
            self.stdout.write(render_text(StoredAdvice.from_engine(advice), advice.get("simulation")))

    def _gate(
        self, advice: dict[str, Any], saved: Any, thresholds: tuple[gate.Threshold, ...], format: str
    ) -> None:
        """The advice against the baseline, in the format asked; exit 1 when a --fail-on holds."""
        comparison = gate.compare(saved, advice)
        failures = comparison.failures(thresholds)
        if format == "json":
            result = {**advice, "gate": gate.comparison_dict(comparison, failures)}
            self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
        else:
            if format == "text":
                self.stdout.write(render_text(StoredAdvice.from_engine(advice), advice.get("simulation")))
            self.stdout.write(gate.markdown(comparison, failures, thresholds), ending="")
        if failures:
            raise CommandError("Gate failed: " + "; ".join(failures), returncode=GATE_FAILED)

    @staticmethod
    def _thresholds(
        fail_on: list[str], baseline: str | None, export: str | None
    ) -> tuple[gate.Threshold, ...]:
        if export and baseline:
            raise CommandError("--export prints a template: it does not take --baseline", returncode=INVALID)
        if fail_on and not baseline:
            raise CommandError(
                "--fail-on needs --baseline OLD_RESULT.json to compare with", returncode=INVALID
            )
        try:
            return gate.parse_thresholds(fail_on)
        except gate.BaselineError as exc:
            raise CommandError(str(exc), returncode=INVALID)

    def _baseline(self, path: str) -> Any:
        """The saved result, checked: bad JSON or another kind of file ends with exit 2."""
        try:
            return gate.check_result(read_json(path), path)
        except gate.BaselineError as exc:
            raise CommandError(str(exc), returncode=INVALID)

    @staticmethod
    def _simulate(data: Any, paths: int, seed: int | None) -> dict[str, Any]:
        seed = secrets.randbelow(simulation.MAX_SEED) if seed is None else seed
        try:
            return simulation.simulate(parse_profile(data), paths=paths, seed=seed).to_dict()
        except ValueError as exc:  # paths or seed out of range, named in the message
            raise CommandError(f"Invalid simulation option: {exc}", returncode=INVALID)

    def _load(self, path: str) -> Any:
        return profile_document(read_json(path))


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
