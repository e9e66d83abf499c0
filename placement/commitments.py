"""What a commitment takes off a placement's bill: Savings Plans and Spot, at sourced rates.

The profile says what the team will commit to (``commitment``: none, 1y or 3y) and
whether work that tolerates interruption may run on Spot (``spot_allowed``). Every
rate is read from the price catalog, per service and term, with its source, the date
it was read and its grade (``savings_plans.compute.1y.fargate``,
``savings_plans.sagemaker.3y``, ``spot.ec2_gpu``...): no "up to" ceiling stands in
for a rate. Each rule below carries its reason:

- **Which plan covers what.** Compute Savings Plans cover EC2, Fargate and Lambda
  (Lambda's duration and provisioned concurrency, not its requests); SageMaker Savings
  Plans cover SageMaker inference, which Compute Savings Plans do not. Tokens,
  requests, storage and the other services priced here have neither: on demand.
- **Sized to the steady baseline.** A plan is a commitment of dollars an hour, and an
  hour's unused commitment is lost (AWS, "Understanding how Savings Plans are applied
  to your usage", https://docs.aws.amazon.com/savingsplans/latest/userguide/sp-applying.html). So the plan is sized to the quietest hour: always-on servers in
  full, a fleet's always-on tasks, traffic-following usage (Lambda, serverless
  inference) at the quietest hour's rate; everything above is billed on demand.
- **No plan for a one-off job.** A 1- or 3-year commitment would stand idle after it.
- **Spot only where an interruption is survivable.** Asynchronous triggers (queue,
  schedule, event), batch patterns and one-off jobs; never a synchronous API (its
  callers are waiting) and never the Memory layer (its state would be lost). Lambda
  and SageMaker inference have no Spot; Fargate Spot runs x86_64 Linux tasks on ECS
  only, so Fargate's Spot price is the x86 price less the Spot discount, not arm64's.
- **Spot and Savings Plans do not stack.** Where both apply, the deeper saving wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:  # pricing imports this module: no import at run time
    from placement.facts import Facts
    from placement.pricing import Catalog
    from placement.profile import WorkloadProfile
    from placement.sizing import Fleet

HOURS_PER_MONTH = 730.0  # AWS bills a month as 730 hours (as facts.HOURS_PER_MONTH; facts imports pricing)
PURCHASES = ("on_demand", "spot", "savings_1y", "savings_3y")
PLAN_PURCHASE = {"1y": "savings_1y", "3y": "savings_3y"}
TERM_OF = {"savings_1y": "1y", "savings_3y": "3y"}
TERM_WORDS = {"1y": "1-year", "3y": "3-year"}
# Services a Savings Plan covers, and the plan (AWS Savings Plans user guide).
PLAN_OF_SERVICE = {
    "lambda": "compute",
    "fargate": "compute",
    "ec2": "compute",
    "sagemaker_realtime": "sagemaker",
    "sagemaker_serverless": "sagemaker",
}
COMMITTABLE = frozenset(PLAN_OF_SERVICE)
PLAN_NAMES = {"compute": "Compute Savings Plan", "sagemaker": "SageMaker Savings Plan"}
# EC2 families by the rate group their Compute Savings Plan rate is read under.
EC2_PLAN_GROUPS = {
    "m7g": "ec2_general",
    "m7i": "ec2_general",
    "c7g": "ec2_general",
    "r7g": "ec2_general",
    "g5": "ec2_gpu",
    "g6": "ec2_gpu",
    "g6e": "ec2_gpu",
    "p4d": "ec2_p",
    "p5": "ec2_p",
    "inf2": "ec2_inf2",
}
# Spot rates are read per kind of capacity: general purpose, or accelerated (GPU, Inferentia).
EC2_SPOT_GROUPS = {
    family: "ec2_general" if group == "ec2_general" else "ec2_gpu"
    for family, group in EC2_PLAN_GROUPS.items()
}
# Why a service has no Spot (Fargate and EC2 have it).
NO_SPOT = {
    "lambda": "Lambda has no Spot capacity",
    "sagemaker_realtime": "SageMaker offers Spot for training jobs only, not for inference",
    "sagemaker_serverless": "SageMaker offers Spot for training jobs only, not for inference",
}
SERVICE_NAMES = {
    "lambda": "Lambda",
    "fargate": "Fargate",
    "ec2": "EC2",
    "sagemaker_realtime": "SageMaker",
    "sagemaker_serverless": "SageMaker Serverless",
    "bedrock": "Bedrock tokens",
    "hosted_api": "the provider's tokens",
    "dynamodb": "DynamoDB",
    "elasticache_serverless": "ElastiCache Serverless",
    "s3": "S3",
    "sqs": "SQS",
    "step_functions": "Step Functions",
    "step_functions_express": "Step Functions Express",
    "opensearch_serverless": "OpenSearch Serverless",
    "api_gateway_http": "API Gateway",
    "api_gateway_rest": "API Gateway",
    "api_gateway_websocket": "API Gateway",
    "alb": "the load balancer",
    "eks": "the EKS control plane",
}
# Database Savings Plans (1-year, announced 2 December 2025) cover these; their rates
# per service are not in the catalog, so the tool keeps them on demand and says so.
DATABASE_PLAN_SERVICES = frozenset({"dynamodb", "elasticache_serverless"})
DATABASE_PLAN_SOURCE = "https://www.nops.io/blog/aws-database-savings-plans"
ASYNC_TRIGGERS = ("queue", "schedule", "event")


class NotOffered(ValueError):
    """A purchase option a service does not offer, or a rate the catalog lacks."""


@dataclass(frozen=True)
class Rate:
    key: str
    discount: Decimal  # fraction off on demand
    url: str
    title: str
    read_on: str
    confidence: str
    note: str

    def source(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title, "read_on": self.read_on, "confidence": self.confidence}


# -- rates ---------------------------------------------------------------------------


def family(instance_type: str) -> str:
    """'g6e.12xlarge' and 'ml.g6e.12xlarge' -> 'g6e'."""
    return instance_type.removeprefix("ml.").split(".", 1)[0]


def rate_key(service: str, purchase: str, instance_type: str | None = None) -> str:
    """The catalog key of a purchase option's rate; raises NotOffered when there is none."""
    if purchase == "spot":
        if service in NO_SPOT:
            raise NotOffered(NO_SPOT[service])
        if service == "fargate":
            return "spot.fargate"
        if service == "ec2":
            return f"spot.{_group(EC2_SPOT_GROUPS, instance_type)}"
        raise NotOffered(f"{service} has no Spot capacity")
    term = TERM_OF.get(purchase)
    plan = PLAN_OF_SERVICE.get(service)
    if term is None or plan is None:
        raise NotOffered(f"{service} has no {purchase.replace('_', ' ')} purchase option")
    if plan == "sagemaker":
        return f"savings_plans.sagemaker.{term}"
    group = _group(EC2_PLAN_GROUPS, instance_type) if service == "ec2" else service
    return f"savings_plans.compute.{term}.{group}"


def _group(groups: dict[str, str], instance_type: str | None) -> str:
    name = family(instance_type or "")
    if name not in groups:
        raise NotOffered(f"no commitment rate for the {name or 'unnamed'} instance family")
    return groups[name]


@lru_cache(maxsize=256)
def read_rate(catalog: Catalog, key: str) -> Rate | None:
    """A commitment rate from the catalog, or None when the catalog has none (an older one)."""
    raw = catalog.rates.get(key)
    if raw is None:
        return None
    return Rate(
        key,
        catalog.value(key),
        raw["source"],
        raw.get("title", raw["source"]),
        raw["read_on"],
        raw.get("confidence", "C"),
        raw.get("note", ""),
    )


def rate_for(catalog: Catalog, service: str, purchase: str, instance_type: str | None = None) -> Rate:
    """The rate of a purchase option; raises NotOffered when the service or catalog has none."""
    key = rate_key(service, purchase, instance_type)
    rate = read_rate(catalog, key)
    if rate is None:
        raise NotOffered(f"no rate {key!r} in catalog {catalog.version}")
    return rate


def plan_label(service: str, purchase: str) -> str:
    """'Compute Savings Plan, 1-year, no upfront', 'EC2 Spot', 'On demand'."""
    if purchase == "on_demand":
        return "On demand"
    if purchase == "spot":
        return "Fargate Spot" if service == "fargate" else "EC2 Spot"
    return f"{PLAN_NAMES[PLAN_OF_SERVICE[service]]}, {TERM_WORDS[TERM_OF[purchase]]}, no upfront"


# -- the profile's terms -------------------------------------------------------------


def terms_label(p: WorkloadProfile) -> str:
    """'1-year Savings Plans, Spot allowed', 'On demand'."""
    parts = [f"{TERM_WORDS[p.commitment]} Savings Plans"] if p.commitment in TERM_WORDS else []
    if p.spot_allowed:
        parts.append("Spot allowed")
    return ", ".join(parts) if parts else "On demand"


def committed(p: WorkloadProfile) -> bool:
    """Whether the profile asks for anything but on demand."""
    return p.commitment in PLAN_PURCHASE or p.spot_allowed


def plan_refusal(p: WorkloadProfile) -> str | None:
    """Why no Savings Plan applies to this profile's work at all, or None."""
    if p.commitment not in PLAN_PURCHASE:
        return None
    if p.one_off:
        return (
            f"a one-off job of {p.job_deadline_days:g} days gets no Savings Plan: a "
            f"{TERM_WORDS[p.commitment]} commitment would stand idle after it"
        )
    return None


def spot_refusal(p: WorkloadProfile, layer: str) -> str | None:
    """Why this layer's work may not run on Spot, or None when it may."""
    if layer == "memory":
        return "the Memory layer holds state that a Spot interruption would lose"
    if p.trigger in ASYNC_TRIGGERS or p.pattern == "batch" or p.one_off:
        return None
    return (
        "a synchronous API answers callers who are waiting, and a Spot interruption "
        "(two minutes' notice) would fail or delay their requests"
    )


def quiet_share(p: WorkloadProfile, f: Facts) -> float:
    """Usage in the quietest hour, as a share of the average hour's (0 to 1): what a plan
    sized to the steady baseline covers of a usage that follows the traffic.

    Traffic that stops part of the day (business hours, batch windows) has a quietest hour
    of nothing. Steady and spiky traffic run level but for the peak hour(s) (sizing's model:
    PEAK_HOURS_PER_DAY at ``peak_to_average`` times the average), so the level is what is
    left of the day's average. Diurnal traffic is taken as a wave whose crest is
    ``peak_to_average`` times the average and whose trough is as far below it (an
    assumption): 2 - peak_to_average, and nothing from a ratio of 2.
    """
    from placement.sizing import PEAK_HOURS_PER_DAY

    if f.active_hours_per_day < 24:
        return 0.0
    ratio = p.peak_to_average
    if p.pattern == "diurnal":
        return max(0.0, min(1.0, 2 - ratio))
    level = (24 - ratio * PEAK_HOURS_PER_DAY) / (24 - PEAK_HOURS_PER_DAY)
    return max(0.0, min(1.0, level))


def fleet_baseline_share(fleet: Fleet, p: WorkloadProfile, f: Facts) -> float:
    """Share of a fleet's task-hours that runs in every hour of the month: its always-on
    tasks, or, when traffic never stops, the tasks the quietest hour still needs."""
    if not fleet.task_hours:
        return 0.0
    tasks = fleet.min_tasks
    if f.active_hours_per_day >= 24:
        tasks = max(tasks, math.floor(fleet.active_tasks * quiet_share(p, f)))
    return min(1.0, tasks * HOURS_PER_MONTH / fleet.task_hours)


# -- the choice for one usage ----------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    purchase: str
    share: Decimal  # of the usage the purchase covers (the rest on demand); 1 for Spot
    rate: Rate | None
    why: str  # one sentence for the assumptions; empty when nothing needs saying


def decide(
    p: WorkloadProfile,
    layer: str,
    service: str,
    catalog: Catalog,
    *,
    instance_type: str | None = None,
    baseline_share: float = 1.0,
    spot_price_ratio: float = 1.0,
    explain: bool = True,
) -> Decision:
    """The purchase option for one usage under the profile's terms.

    ``spot_price_ratio`` is the Spot capacity's on-demand price over the usage's own
    (Fargate Spot runs on x86, dearer than the arm64 it replaces), so the choice between
    Spot and a plan compares what each really saves. ``explain=False`` leaves out the
    sentence for the assumptions (the break-even search never shows it).
    """
    plan = _plan(p, service, catalog, instance_type)
    spot, spot_why = _spot(p, layer, service, catalog, instance_type)
    share = Decimal(str(round(max(0.0, min(1.0, baseline_share)), 4)))
    plan_saving = plan.discount * share if plan else Decimal(0)
    spot_saving = 1 - (1 - spot.discount) * Decimal(str(spot_price_ratio)) if spot else Decimal(0)
    if spot and spot_saving > 0 and spot_saving >= plan_saving:
        decision = Decision("spot", Decimal(1), spot, "")
    elif plan and share > 0:
        decision = Decision(PLAN_PURCHASE[p.commitment], share, plan, "")
    else:
        decision = Decision("on_demand", Decimal(0), None, "")
    if not explain:
        return decision
    why = _why(p, service, catalog, instance_type, decision, plan, spot_why, spot_saving)
    return Decision(decision.purchase, decision.share, decision.rate, why)


def _why(
    p: WorkloadProfile,
    service: str,
    catalog: Catalog,
    instance_type: str | None,
    decision: Decision,
    plan: Rate | None,
    spot_why: str | None,
    spot_saving: Decimal,
) -> str:
    """The decision in one sentence for the placement's assumptions; empty when nothing needs saying."""
    name = SERVICE_NAMES.get(service, service)
    rate = cast(Rate, decision.rate)  # read below only for Spot and plans, which always have a rate
    if decision.purchase == "spot":
        why = (
            f"{plan_label(service, 'spot')} at {rate.discount:.0%} off (grade {rate.confidence}, {rate.url})"
        )
        if service == "fargate":
            why += (
                "; Fargate Spot runs x86_64 tasks only, so it is priced at the x86 rate, "
                f"{_percent(spot_saving)} under arm64 on demand"
            )
        if plan:
            why += "; Spot and Savings Plans do not stack, and Spot saves more here"
        return why + "."
    if decision.purchase != "on_demand":
        share = decision.share
        covered = "all of it" if share >= 1 else f"{_percent(share)} of it, the rest on demand"
        why = (
            f"{plan_label(service, decision.purchase)} at {rate.discount:.0%} off {name} "
            f"(grade {rate.confidence}, {rate.url}), sized to the steady baseline: {covered}"
        )
        if spot_why and p.spot_allowed:
            why += f"; not Spot: {spot_why}"
        return why + "."
    reasons = []
    if p.commitment in PLAN_PURCHASE:
        refusal = plan_refusal(p)
        if refusal:
            reasons.append(refusal)
        elif plan:
            reasons.append(
                f"{name} has no hour of steady use for a Savings Plan to cover "
                f"(a plan's unused hours are lost)"
            )
        else:
            reasons.append(_no_plan(service, catalog, instance_type))
    if p.spot_allowed and spot_why:
        reasons.append(f"not Spot: {spot_why}")
    return f"{name} on demand: {'; '.join(reasons)}." if reasons else ""


def _plan(p: WorkloadProfile, service: str, catalog: Catalog, instance_type: str | None) -> Rate | None:
    if p.commitment not in PLAN_PURCHASE or plan_refusal(p):
        return None
    try:
        return rate_for(catalog, service, PLAN_PURCHASE[p.commitment], instance_type)
    except NotOffered:
        return None


def _spot(
    p: WorkloadProfile, layer: str, service: str, catalog: Catalog, instance_type: str | None
) -> tuple[Rate | None, str | None]:
    """The Spot rate when this work may use it, else None and why not."""
    if not p.spot_allowed:
        return None, None
    refusal = spot_refusal(p, layer)
    if refusal:
        return None, refusal
    try:
        return rate_for(catalog, service, "spot", instance_type), None
    except NotOffered as exc:
        return None, str(exc)


def _no_plan(service: str, catalog: Catalog, instance_type: str | None) -> str:
    try:
        rate_key(service, "savings_1y", instance_type)
    except NotOffered as exc:
        return str(exc)
    return f"the {catalog.version} catalog has no Savings Plan rate for it"


def on_demand_reason(service: str) -> str:
    """Why a service stays on demand whatever the commitment, in one clause."""
    name = SERVICE_NAMES.get(service, service)
    if service in DATABASE_PLAN_SERVICES:
        return (
            f"{name} is covered by Database Savings Plans (1-year, announced December 2025, "
            f"{DATABASE_PLAN_SOURCE}), whose rates per service are not in the catalog yet"
        )
    if service == "bedrock":
        return "Bedrock's on-demand tokens have no Savings Plan (Provisioned Throughput is its commitment)"
    return f"{name} has no Compute or SageMaker Savings Plan"


def alternatives(
    p: WorkloadProfile,
    layer: str,
    service: str,
    catalog: Catalog,
    chosen: str,
    *,
    instance_type: str | None = None,
    baseline_share: float = 1.0,
) -> list[Decision]:
    """The other purchase options this usage could take (for ``PlacementCost.options``):
    each Savings Plan term sized to the same baseline, and Spot where the work tolerates it."""
    share = Decimal(str(round(max(0.0, min(1.0, baseline_share)), 4)))
    found = []
    if not p.one_off and share > 0:
        for purchase in ("savings_1y", "savings_3y"):
            if purchase == chosen:
                continue
            try:
                found.append(
                    Decision(purchase, share, rate_for(catalog, service, purchase, instance_type), "")
                )
            except NotOffered:
                pass
    if chosen != "spot" and spot_refusal(p, layer) is None:
        try:
            found.append(Decision("spot", Decimal(1), rate_for(catalog, service, "spot", instance_type), ""))
        except NotOffered:
            pass
    return found


# -- what was applied, for the headline ------------------------------------------------


@dataclass(frozen=True)
class Applied:
    """One usage's purchase option as priced: what it covered and what it saved."""

    service: str
    purchase: str
    share: float
    rate: Rate | None
    on_demand: Decimal
    committed: Decimal
    # The other purchase options' rates for this usage, for the levers (economics).
    alternatives: tuple[tuple[str, Rate | None], ...] = ()

    @property
    def plan(self) -> str:
        return plan_label(self.service, self.purchase)

    def rate_of(self, purchase: str) -> Rate | None:
        return dict(self.alternatives).get(purchase)

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "purchase": self.purchase,
            "plan": self.plan,
            "rate": None if self.rate is None else float(self.rate.discount),
            "covered_share": self.share,
            "on_demand": float(self.on_demand),
            "committed": float(self.committed),
            "source": None if self.rate is None else self.rate.source(),
        }


def layer_terms(
    placement: str, applied: tuple[Applied, ...], on_demand: Decimal | None, total: Decimal | None
) -> dict[str, Any]:
    """A layer's entry in ``monthly_cost.commitment.by_layer``."""
    used = [a for a in applied if a.purchase != "on_demand" and a.on_demand > a.committed]
    plans = list(dict.fromkeys(a.plan for a in used)) or ["On demand"]
    od = on_demand if on_demand is not None else (total or Decimal(0))
    committed_total = total if total is not None else od
    discount = float(1 - committed_total / od) if od else 0.0
    main = max(used, key=lambda a: a.on_demand - a.committed, default=None)
    return {
        "placement": placement,
        "plan": "; ".join(plans),
        "discount": round(max(0.0, discount), 4),
        "on_demand": float(od),
        "committed": float(committed_total),
        "source": None if main is None or main.rate is None else main.rate.source(),
    }


def _percent(share: Decimal | float) -> str:
    return f"{float(share):.0%}"
