"""Monthly cost of every candidate placement of every layer, for one profile.

Each cost is built from ``estimate()`` calls on the price catalog, with the
sizing from ``sizing.py``, and lists the assumptions a reader needs to check
it. A placement that the catalog cannot price (a model with no rate, a model
too large for any instance) says so instead of showing a number.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar, cast

from placement import commitments, front_door, jobs, sizing, stores
from placement.facts import BEDROCK_MODELS, DAYS_PER_MONTH, HOT_RAM_HEADROOM, HOURS_PER_MONTH, Facts
from placement.limits import limit_values
from placement.pricing import Catalog, Estimate, Line, UsageError, estimate
from placement.profile import OTHER_MODEL, WorkloadProfile
from placement.wording import plural

T = TypeVar("T")
ZERO = Decimal("0.00")
# What a cost builder returns: its labelled estimates (None: it cannot price the placement).
Parts = list[tuple[str, Estimate]]
Builder = Callable[["_Job"], Parts | None]
LIMITS = limit_values()  # AWS's limits, one home: placement/limits/aws.yaml
# Open models Bedrock serves, by size, for pricing a self-hosted model there.
BEDROCK_OPEN_MODELS = ((1.5, "llama-3.2-1b"), (4, "llama-3.2-3b"), (9, "llama-3.1-8b"), (80, "llama-3.3-70b"))
PURCHASE_OPTIONS = ("savings_1y", "savings_3y", "spot")  # the options PlacementCost.options may name
# Stated once for the whole table rather than on every placement.
COMMON_ASSUMPTIONS = (
    "Each orchestration option includes its front door (API Gateway, load balancer, function URL "
    "or queue); data transfer and logs are left out of every option alike.",
)


@dataclass(frozen=True)
class PlacementCost:
    layer: str
    placement: str
    total: Decimal | None
    lines: tuple[Line, ...] = ()
    assumptions: tuple[str, ...] = ()
    # The other purchase options (savings_1y, savings_3y, spot) and the total under each.
    options: tuple[tuple[str, Decimal], ...] = ()
    # ``total`` is under the profile's terms (its commitment, Spot); this is the same usage on demand.
    on_demand_total: Decimal | None = None
    terms: tuple[commitments.Applied, ...] = ()  # the purchase option of each usage that has one

    @property
    def saving(self) -> Decimal:
        """What the profile's terms take off the on-demand bill."""
        if self.total is None or self.on_demand_total is None:
            return ZERO
        return self.on_demand_total - self.total

    def to_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "placement": self.placement,
            "total": None if self.total is None else float(self.total),
            "on_demand_total": None if self.on_demand_total is None else float(self.on_demand_total),
            "lines": [line.to_dict() for line in self.lines],
            "assumptions": list(self.assumptions),
            "options": {name: float(amount) for name, amount in self.options},
            "terms": [a.to_dict() for a in self.terms if a.purchase != "on_demand"],
        }


class _UnderTerms(NamedTuple):
    """One usage priced under the profile's terms (``_Job.est``), kept to be replayed by the
    other placements of the profile that price the same usage."""

    chosen: Estimate
    why: str
    others: tuple[tuple[str, Decimal], ...]  # (purchase option, its total) for ``option_deltas``
    applied: commitments.Applied


@dataclass(slots=True)
class _Memo:
    """What the placements of one profile share (``placement_costs``): they price the same
    usages (one instance fleet on EC2, ECS and EKS; an EKS cluster's fee; a usage under each
    purchase option), each once. (Estimates themselves are remembered across profiles:
    ``_estimate``.)"""

    under_terms: dict[tuple[Any, ...], _UnderTerms] = field(default_factory=dict)  # ``_Job.est``
    sizes: dict[tuple[Any, ...], Any] = field(default_factory=dict)  # ``_Job.sized``


@dataclass(slots=True)
class _Job:
    """What a cost builder sees: the profile, its facts and the catalog.

    Not frozen: one is made for every price point of a break-even search, and a
    frozen dataclass's ``__init__`` costs three times as much. Builders only read it
    (and append to ``notes``).
    """

    p: WorkloadProfile
    f: Facts
    catalog: Catalog
    notes: list[str] = field(default_factory=list)
    with_options: bool = True  # price the other purchase options (Spot, savings plans) too
    layer: str = ""
    applied: list[commitments.Applied] = field(default_factory=list)
    option_deltas: dict[str, Decimal] = field(default_factory=dict)  # other option minus chosen
    # Usages priced so far for this profile, shared by its placements (``placement_costs``).
    memo: _Memo = field(default_factory=_Memo)

    def priced(self, service: str, usage: dict[str, Any]) -> Estimate:
        """``estimate`` once per distinct usage (``_estimate``)."""
        return _estimate(service, *_usage_key(usage), self.catalog)

    def sized(self, key: tuple[Any, ...], make: Callable[[], T]) -> T:
        """``make()`` once per profile: a sizing several placements ask for (the Nerves fleet of
        Fargate, ECS, EKS, EC2 and Batch; the model's GPU fit on SageMaker and EC2). ``key``
        names it and what it depends on beyond the profile, its facts and the catalog."""
        if key not in self.memo.sizes:
            self.memo.sizes[key] = make()
        return cast(T, self.memo.sizes[key])

    def est(self, service: str, baseline_share: float | None = None, **usage: Any) -> Estimate:
        """``estimate`` under the profile's terms (placement/commitments.py).

        A usage a Savings Plan or Spot can cover is priced at the option the profile's
        terms choose; a plan is sized to ``baseline_share`` of the usage (the steady part;
        default: the quietest hour's share of a usage that follows the traffic). The other
        options' differences are kept for ``PlacementCost.options``. A usage that names its
        own ``purchase`` (or the older ``spot=True``) is priced as it says.
        """
        if service not in commitments.COMMITTABLE and "spot" not in usage and "purchase" not in usage:
            return self.priced(service, usage)  # no plan or Spot covers it: on demand
        if usage.pop("spot", False):
            usage["purchase"] = "spot"
        if service not in commitments.COMMITTABLE or "purchase" in usage:
            purchase = usage.pop("purchase", "on_demand")
            share = usage.pop("committed_share", 1)
            return self._under(service, usage, purchase, Decimal(str(share)))
        if not self.with_options and not commitments.committed(self.p):
            return self.priced(service, usage)  # the break-even search's common case
        key = (self.layer, service, baseline_share, self.with_options, *_usage_key(usage))
        done = self.memo.under_terms.get(key)
        if done is None:
            done = self.memo.under_terms[key] = self._under_terms(service, baseline_share, usage)
        if done.why and done.why not in self.notes:
            self.notes.append(done.why)
        for purchase, total in done.others:
            self.option_deltas[purchase] = self.option_deltas.get(purchase, ZERO) + total - done.chosen.total
        self.applied.append(done.applied)
        return done.chosen

    def _under_terms(self, service: str, baseline_share: float | None, usage: dict[str, Any]) -> _UnderTerms:
        """``usage`` under the option the profile's terms choose (``est``), with the other options'
        totals when ``with_options``."""
        p = self.p
        share = commitments.quiet_share(p, self.f) if baseline_share is None else baseline_share
        instance = usage.get("instance_type")
        decision = commitments.decide(
            p,
            self.layer,
            service,
            self.catalog,
            instance_type=instance,
            baseline_share=share,
            spot_price_ratio=self._spot_ratio(service, usage),
            explain=self.with_options,
        )
        chosen = self._under(service, usage, decision.purchase, decision.share)
        rates: list[tuple[str, commitments.Rate | None]] = []
        others: list[tuple[str, Decimal]] = []
        if self.with_options:
            for other in commitments.alternatives(
                p,
                self.layer,
                service,
                self.catalog,
                decision.purchase,
                instance_type=instance,
                baseline_share=share,
            ):
                try:
                    priced = self._under(service, usage, other.purchase, other.share)
                except UsageError:
                    continue
                rates.append((other.purchase, other.rate))
                others.append((other.purchase, priced.total))
        applied = commitments.Applied(
            service,
            decision.purchase,
            float(decision.share),
            decision.rate,
            chosen.on_demand_total,
            chosen.total,
            tuple(rates),
        )
        return _UnderTerms(chosen, decision.why, tuple(others), applied)

    def _under(self, service: str, usage: dict[str, Any], purchase: str, share: Decimal) -> Estimate:
        """``usage`` priced under one purchase option. Fargate Spot runs x86_64 tasks only: an
        arm64 usage on Spot is priced at the x86 Spot price, with arm64 on demand beside it."""
        if purchase == "on_demand":
            return self.priced(service, usage)
        chosen = {**usage, "purchase": purchase}
        if purchase != "spot":
            chosen["committed_share"] = float(share)
        if service == "fargate" and purchase == "spot" and usage.get("arch") == "arm64":
            spot = self.priced(service, {**chosen, "arch": "x86_64"})
            arm = {line.name: line.amount for line in self.priced(service, usage).lines}
            return Estimate(
                service,
                tuple(
                    replace(
                        line,
                        on_demand=arm.get(line.name, line.on_demand_amount),
                        detail=line.detail + " (x86_64: Fargate Spot has no arm64)",
                    )
                    for line in spot.lines
                ),
                spot.catalog,
            )
        return self.priced(service, chosen)

    def _spot_ratio(self, service: str, usage: dict[str, Any]) -> float:
        """The Spot capacity's on-demand price over the usage's own: 1, except arm64 Fargate,
        whose Spot runs on x86_64 at the x86 price."""
        if service != "fargate" or usage.get("arch") != "arm64" or not self.p.spot_allowed:
            return 1.0
        c = self.catalog
        return float(c.unit_price("fargate.linux.x86_64.vcpu") / c.unit_price("fargate.linux.arm64.vcpu"))


def _usage_key(usage: dict[str, Any]) -> tuple[Any, ...]:
    """A usage as a dictionary key: its keys, its values and the values' types (1 and 1.0 are one
    key, but print differently in the lines' details)."""
    values = tuple(usage.values())
    return tuple(usage), values, tuple(map(type, values))


# Keyed on the usage (its keys, values and the values' types) and the catalog, which hashes by
# its version: ``estimate`` is a pure function of them, and its Estimate is frozen. Profiles
# share many usages whatever their volume (an EKS cluster's fee, an always-on endpoint or cache
# cluster, a fleet's fixed instance-hours): two in five of a new profile's are priced already.
@lru_cache(maxsize=4096)
def _estimate(
    service: str, keys: tuple[str, ...], values: tuple[Any, ...], types: tuple[type, ...], catalog: Catalog
) -> Estimate:
    return estimate(service, dict(zip(keys, values, strict=True)), catalog)


def placement_costs(
    p: WorkloadProfile, f: Facts, catalog: Catalog, candidates: dict[str, tuple[str, ...]]
) -> dict[str, dict[str, PlacementCost]]:
    """Cost of each candidate placement of each layer."""
    memo = _Memo()  # shared: placements price the same usages
    return {
        layer: {placement: cost_of(layer, placement, p, f, catalog, memo=memo) for placement in placements}
        for layer, placements in candidates.items()
    }


def cost_of(
    layer: str,
    placement: str,
    p: WorkloadProfile,
    f: Facts,
    catalog: Catalog,
    with_options: bool = True,
    memo: _Memo | None = None,
) -> PlacementCost:
    """One placement's monthly cost; ``with_options=False`` skips the other purchase options,
    for searches that compare totals only. ``memo``: the profile's usages priced so far."""
    if (layer, placement) not in _BUILDERS:
        return PlacementCost(layer, placement, None, assumptions=("Not priced for this layer.",))
    job = _Job(
        p,
        f,
        catalog,
        with_options=with_options,
        layer=layer,
        memo=_Memo() if memo is None else memo,
    )
    try:
        parts = _parts(job, layer, placement)
    except UsageError as exc:  # a partial catalog (an imported region) lacks this rate
        return PlacementCost(layer, placement, None, assumptions=(f"Not priced: {exc}.",))
    if parts is None:
        return PlacementCost(layer, placement, None, assumptions=tuple(job.notes))
    lines = tuple(
        Line(f"{label}: {line.name}", line.amount, line.detail, line.on_demand)
        for label, e in parts
        for line in e.lines
    )
    total = sum((line.amount for line in lines), ZERO)
    on_demand = sum((line.on_demand_amount for line in lines), ZERO)
    if p.commitment in commitments.PLAN_PURCHASE:
        _on_demand_notes(job, parts)
    options = tuple((o, total + job.option_deltas[o]) for o in PURCHASE_OPTIONS if o in job.option_deltas)
    return PlacementCost(
        layer, placement, total, lines, tuple(job.notes), options, on_demand, tuple(job.applied)
    )


def monthly_total(
    layer: str, placement: str, p: WorkloadProfile, f: Facts, catalog: Catalog
) -> Decimal | None:
    """``cost_of(...).total`` alone, for searches that price hundreds of points and compare totals
    (the break-even): no purchase options, no relabelled lines, no on-demand sum."""
    if (layer, placement) not in _BUILDERS:
        return None
    try:
        parts = _parts(_Job(p, f, catalog, with_options=False, layer=layer), layer, placement)
    except UsageError:
        return None
    return None if parts is None else sum((line.amount for _, e in parts for line in e.lines), ZERO)


def _parts(job: _Job, layer: str, placement: str) -> list[tuple[str, Estimate]] | None:
    """The labelled estimates of one placement, the orchestration's front door included; None
    when it cannot be priced (``job.notes`` says why). Raises UsageError for a missing rate."""
    parts = _BUILDERS[layer, placement](job)
    if parts is not None and layer == "nerves":
        parts = _with_front_door(job, placement, parts)
    return parts


def _on_demand_notes(job: _Job, parts: list[Any]) -> None:
    """Say which services stay on demand whatever the commitment, and why (once each)."""
    for service in dict.fromkeys(e.service for _, e in parts if e.service not in commitments.COMMITTABLE):
        job.notes.append(f"On demand: {commitments.on_demand_reason(service)}.")


def _with_front_door(job: _Job, placement: str, parts: list[Any]) -> list[Any]:
    """The orchestration's front door is part of what it costs (placement/front_door.py)."""
    door = front_door.door_for(placement, job.p, job.f)
    service, usage, note = front_door.door_usage(door, job.p, job.f)
    job.notes.append(f"Front door: {door.label}. {note}".strip())
    if service is None:
        return parts
    return parts + [(door.label, job.est(service, **usage))]


def front_door_cost(placement: str, p: WorkloadProfile, f: Facts, catalog: Catalog) -> Decimal:
    """A Nerves placement's front door alone, for a month (the simulation adds it to fleets)."""
    service, usage, _ = front_door.door_usage(front_door.door_for(placement, p, f), p, f)
    return ZERO if service is None else estimate(service, usage, catalog).total


# -- Nerves ---------------------------------------------------------------------------


def _lambda_usage(job: _Job, invocations: float, cpu_s: float, wait_s: float) -> dict[str, Any]:
    config = job.sized(("lambda", cpu_s, wait_s), lambda: sizing.lambda_config(job.p, cpu_s, wait_s))
    if config.note:
        job.notes.append(config.note)
    job.notes.append(
        f"Functions on arm64 (Graviton) at {config.memory_mb:,} MB, {config.duration_s:.2f} s "
        f"billed per invocation; the account's free tier is left out, since other "
        f"functions share it."
    )
    duration_ms = config.duration_s * 1000
    usage = {
        "requests": invocations,
        "duration_ms": duration_ms,
        "memory_mb": config.memory_mb,
        "arch": "arm64",
        "free_tier": False,
    }
    concurrency = sizing.provisioned_concurrency(job.p, job.f, config.duration_s)
    if concurrency:
        hours = job.f.active_hours_per_day * DAYS_PER_MONTH
        job.notes.append(
            f"Provisioned concurrency of {concurrency} for {hours:,.0f} h a month: "
            f"a {job.p.latency_slo_ms:g} ms p95 target leaves no room for cold starts."
        )
        usage.update(
            requests=0,
            pc_concurrency=concurrency,
            pc_hours=hours,
            pc_requests=invocations,
            pc_duration_ms=duration_ms,
        )
    return usage


def _nerves_lambda(job: _Job) -> Parts:
    p, f = job.p, job.f
    job.notes.append(
        f"Billed for the whole {p.request_duration_s:g} s of each request, "
        f"including {f.wait_seconds_per_request:.1f} s of waiting."
    )
    if not f.lambda_fits_duration:
        job.notes.append("Priced for comparison only: requests over 15 minutes cannot run on Lambda.")
    usage = _lambda_usage(
        job, f.requests_per_month, p.request_duration_s * f.cpu_share, f.wait_seconds_per_request
    )
    return [("Lambda", job.est("lambda", **usage))]


def _step_lambda_usage(job: _Job) -> dict[str, Any]:
    """Functions running the steps' CPU work; the state machine makes the waiting calls."""
    p, f = job.p, job.f
    steps = max(1, p.orchestration_steps)
    cpu_s = max(0.1, p.request_duration_s * f.cpu_share) / steps
    job.notes.append(
        f"Model and API calls go through service integrations, so functions run only "
        f"the CPU part: {plural(steps, 'step')} of {cpu_s:.2f} s of CPU."
    )
    return _lambda_usage(job, f.requests_per_month * steps, cpu_s, 0.0)


def _nerves_step_functions(job: _Job) -> Parts:
    transitions = job.f.requests_per_month * (max(1, job.p.orchestration_steps) + 1)
    job.notes.append("One state transition per step plus one for routing; the free 4,000 left out.")
    return [
        ("Step Functions", job.est("step_functions", transitions=transitions, free_tier=False)),
        ("Lambda", job.est("lambda", **_step_lambda_usage(job))),
    ]


def _nerves_step_functions_express(job: _Job) -> Parts:
    p, f = job.p, job.f
    job.notes.append("Express workflow memory of 64 MB for the definition and a small payload.")
    return [
        (
            "Step Functions Express",
            job.est(
                "step_functions_express",
                requests=f.requests_per_month,
                duration_ms=p.request_duration_s * 1000,
                memory_mb=64,
            ),
        ),
        ("Lambda", job.est("lambda", **_step_lambda_usage(job))),
    ]


def _nerves_lambda_durable(job: _Job) -> Parts:
    p, f = job.p, job.f
    steps = max(1, p.orchestration_steps)
    operations = f.requests_per_month * (steps + 1 + (1 if p.human_wait_hours else 0))
    written_gb = f.state_gb_written_per_month
    retained_hours = p.human_wait_hours + 24
    job.notes.append(
        f"{steps + 1} durable operations per request (a checkpoint per step and the "
        f"start); state kept for the wait plus a day ({retained_hours:g} h)."
    )
    usage = _lambda_usage(
        job, f.requests_per_month, p.request_duration_s * f.cpu_share, f.wait_seconds_per_request
    )
    usage.update(
        durable_operations=operations,
        durable_written_gb=written_gb,
        durable_retained_gb_month=written_gb * retained_hours / HOURS_PER_MONTH,
    )
    return [("Lambda durable", job.est("lambda", **usage))]


def _nerves_fargate(job: _Job) -> Parts:
    fleet = job.sized(("nerves",), lambda: sizing.nerves_fleet(job.p, job.f))
    return _fargate_fleet(job, "Fargate", fleet)


def _fargate_fleet(job: _Job, label: str, fleet: sizing.Fleet) -> Parts:
    job.notes.append(f"Fargate on arm64: {fleet.describe()}; {fleet.task_hours:,.0f} task-hours a month.")
    share = commitments.fleet_baseline_share(fleet, job.p, job.f)
    return [(label, job.est("fargate", baseline_share=share, **fargate_usage(fleet)))]


def fargate_usage(fleet: sizing.Fleet) -> dict[str, Any]:
    """A fleet's task-hours as ``estimate("fargate", ...)`` usage (the simulation prices it too)."""
    return {
        "tasks": 1,
        "seconds": fleet.task_hours * 3600,
        "vcpu": fleet.vcpu,
        "memory_gb": fleet.memory_gb,
        "arch": "arm64",
    }


def fleet_cost(
    placement: str, sized: sizing.Fleet, task_hours: float, p: WorkloadProfile, f: Facts, catalog: Catalog
) -> Decimal:
    """``task_hours`` of the sized Nerves fleet (Fargate tasks, or the EC2 instances carrying them)
    for a month under the profile's terms: the simulation prices autoscaled paths with it. The
    Savings Plan stays sized to the sized fleet's steady baseline, so a path that uses more pays
    the excess on demand."""
    fleet = replace(sized, task_hours=task_hours)
    baseline_hours = commitments.fleet_baseline_share(sized, p, f) * sized.task_hours
    share = min(1.0, baseline_hours / task_hours) if task_hours else 0.0
    job = _Job(p, f, catalog, with_options=False, layer="nerves")
    if placement == "fargate":
        return job.est("fargate", baseline_share=share, **fargate_usage(fleet)).total
    fee = job.est("eks", cluster_hours=HOURS_PER_MONTH).total if placement == "eks" else ZERO
    instance = sizing.container_instance(sized, catalog)
    if instance is None:
        raise UsageError(sizing.no_container_instance(sized))
    return (
        fee
        + job.est(
            "ec2",
            baseline_share=share,
            instance_type=instance.name,
            hours=sizing.instances_for_fleet(fleet, instance),
        ).total
    )


def _nerves_ecs_ec2(job: _Job) -> Parts | None:
    fleet = job.sized(("nerves",), lambda: sizing.nerves_fleet(job.p, job.f))
    instance = _container_instance(job, fleet)
    if instance is None:
        return None
    return _instances(
        job,
        "EC2",
        instance,
        sizing.instances_for_fleet(fleet, instance),
        f"ECS tasks packed on {instance.describe()}: {fleet.describe()}.",
        baseline_share=commitments.fleet_baseline_share(fleet, job.p, job.f),
    )


def _container_instance(job: _Job, fleet: sizing.Fleet) -> sizing.Instance | None:
    """The instance the fleet's tasks fit on (``sizing.container_instance``); None, with the
    reason in the notes, when no priced instance holds one task."""
    instance = job.sized(("container-instance",), lambda: sizing.container_instance(fleet, job.catalog))
    if instance is None:
        job.notes.append(sizing.no_container_instance(fleet))
    return instance


def _instances(
    job: _Job,
    label: str,
    instance: sizing.Instance,
    hours: float,
    note: str,
    service: str = "ec2",
    baseline_share: float | None = None,
) -> Parts:
    """Instance-hours priced under the profile's terms. ``baseline_share`` is the share of the
    hours that runs in every hour of the month (what a Savings Plan is sized to); by default,
    all of them for always-on servers (whole months of hours), else the quietest hour's share
    of a fleet that follows the traffic. The other purchase options come from the terms
    (``_Job.est``)."""
    job.notes.append(f"{note} {hours:,.0f} instance-hours a month.")
    if baseline_share is None:
        always_on = hours > 0 and float(hours) % HOURS_PER_MONTH == 0
        baseline_share = 1.0 if always_on else commitments.quiet_share(job.p, job.f)
    usage = {"instance_type": instance.name, "hours": hours}
    return [(label, job.est(service, baseline_share=baseline_share, **usage))]


def _with_eks(builder: Builder) -> Builder:
    def build(job: _Job) -> Parts | None:
        result = builder(job)
        if result is None:
            return None
        fee = job.est("eks", cluster_hours=HOURS_PER_MONTH)
        job.notes.append("One EKS cluster's control plane, billed by the hour.")
        return result + [("EKS", fee)]

    return build


# -- Nerves for one-off jobs and batch fan-outs (placement/jobs.py) ---------------------


def _nerves_aws_batch(job: _Job) -> Parts | None:
    """AWS Batch adds no fee: the job pays for the Fargate (or EC2) capacity Batch starts, busy
    with items, plus each task's start-up; nothing idles between items or after the job."""
    p, f = job.p, job.f
    fleet = job.sized(
        ("nerves",), lambda: sizing.nerves_fleet(p, f)
    )  # the task size, and the items one task works on at once
    busy_task_hours = f.requests_per_month * p.request_duration_s / fleet.in_flight_per_task / 3_600
    if fleet.memory_gb > LIMITS["fargate_max_memory_gb"] or fleet.vcpu > LIMITS["fargate_max_vcpu"]:
        # Instances start once per day's run and are reused by the child jobs after that.
        startup = jobs.BATCH_EC2_STARTUP_S / (f.active_hours_per_day * 3_600)
        instance = _container_instance(job, fleet)
        if instance is None:
            return None
        hours = sizing.instances_for_fleet(
            replace(fleet, task_hours=busy_task_hours * (1 + startup)), instance
        )
        return _instances(
            job,
            "Batch on EC2",
            instance,
            hours,
            f"AWS Batch adds no charge; tasks too large for Fargate run on "
            f"{instance.describe()} instances it launches "
            f"({jobs.BATCH_EC2_STARTUP_S / 60:.0f} min start-up each, the middle of "
            f"the 5-15 min Vantage gives).",
            baseline_share=0.0,
        )
    startup = jobs.BATCH_FARGATE_STARTUP_S / max(jobs.BATCH_CHILD_JOB_WORK_S, p.request_duration_s)
    task_hours = busy_task_hours * (1 + startup)
    job.notes.append(
        f"AWS Batch adds no charge: it runs array child jobs of about an hour of work each "
        f"(assumption) as Fargate tasks of {fleet.vcpu:g} vCPU / {fleet.memory_gb:g} GB on arm64, "
        f"each working on about {plural(f'{fleet.in_flight_per_task:.0f}', 'item')} at once; "
        f"{task_hours:,.0f} task-hours a month including {jobs.BATCH_FARGATE_STARTUP_S:.0f} s of "
        f"start-up per task (the middle of the 30-90 s Vantage gives). Fargate offers no GPUs."
    )
    usage = {
        "tasks": 1,
        "seconds": task_hours * 3_600,
        "vcpu": fleet.vcpu,
        "memory_gb": fleet.memory_gb,
        "arch": "arm64",
    }
    # Nothing runs in every hour of a month: a Savings Plan has no steady baseline to cover.
    return [("Batch on Fargate", job.est("fargate", baseline_share=0.0, **usage))]


def _nerves_distributed_map(job: _Job) -> Parts:
    """One Standard transition per child execution, the children themselves, and the functions
    doing each item's CPU work."""
    p, f = job.p, job.f
    children = f.requests_per_month / jobs.DISTRIBUTED_MAP_ITEMS_PER_CHILD
    parts = [("Distributed Map", job.est("step_functions", transitions=children, free_tier=False))]
    if p.max_duration_s < LIMITS["step_functions_express_max_s"] and not p.human_wait_hours:
        job.notes.append(
            "Distributed Map: one state transition per child execution, one item per "
            "child; each child an Express workflow of 64 MB billed per request and "
            "duration. The parent's few states per run are left out."
        )
        parts.append(
            (
                "Express children",
                job.est(
                    "step_functions_express",
                    requests=children,
                    duration_ms=p.request_duration_s * 1000,
                    memory_mb=64,
                ),
            )
        )
    else:
        steps = max(1, p.orchestration_steps)
        job.notes.append(
            f"Distributed Map: one state transition per child execution, one item per "
            f"child; items over Express's 5 minutes run as Standard children, "
            f"{steps + 1} transitions each."
        )
        parts.append(
            (
                "Standard children",
                job.est("step_functions", transitions=children * (steps + 1), free_tier=False),
            )
        )
    # The children's functions run only while a batch does: no steady baseline for a plan.
    return parts + [("Lambda", job.est("lambda", baseline_share=0.0, **_step_lambda_usage(job)))]


# -- Brain ----------------------------------------------------------------------------


def _token_estimate(job: _Job, model: str) -> Estimate:
    return job.est(
        "bedrock",
        model=model,
        input_tokens=job.f.monthly_input_tokens,
        output_tokens=job.f.monthly_output_tokens,
    )


NO_INFERENCE = "This workload calls no model (inference: none), so there are no tokens to price."


def _no_model(p: WorkloadProfile) -> str | None:
    """Why no token price applies when the profile names no model; None when it names one."""
    if p.inference == "none":
        return NO_INFERENCE
    if p.inference == "hosted_api" and not p.hosted_model:
        return "The profile names no hosted model, so no token price applies."
    return None


def _bedrock_model(job: _Job) -> str | None:
    p = job.p
    if p.inference == "hosted_api":
        if p.hosted_model in BEDROCK_MODELS:
            return p.hosted_model
        job.notes.append(_no_model(p) or f"{p.hosted_model} is not priced on Bedrock in this catalog.")
        return None
    if p.inference == "self_hosted":
        for max_params, model in BEDROCK_OPEN_MODELS:
            if p.model_params_b <= max_params:
                job.notes.append(
                    f"The {p.model_params_b:g}B self-hosted model priced as {model}, "
                    f"the closest open model Bedrock serves."
                )
                return model
        job.notes.append(f"No open model of {p.model_params_b:g}B parameters is priced on Bedrock.")
    else:  # said, so that no empty reason stands beside "not priced"
        job.notes.append(NO_INFERENCE)
    return None


def _brain_bedrock(job: _Job) -> Parts | None:
    model = _bedrock_model(job)
    return [("Bedrock", _token_estimate(job, model))] if model else None


def _brain_bedrock_batch(job: _Job) -> Parts | None:
    """Bedrock batch inference: the same tokens at the catalog's batch discount, results within a day."""
    model = _bedrock_model(job)
    if model is None:
        return None
    if not job.catalog.has(f"bedrock.{model}.batch_discount"):
        job.notes.append(f"{model} has no batch inference price in this catalog.")
        return None
    p, f = job.p, job.f
    # A one-off profile always has its total (profile validation).
    per_run = cast(float, p.job_total_requests) if p.one_off else p.requests_per_day
    batch_jobs = max(1, math.ceil(per_run / LIMITS["bedrock_batch_records_per_job_max"]))
    job.notes.append(
        f"Batch inference: prompts written to S3 as JSONL, results back in S3 within "
        f"{LIMITS['bedrock_batch_window_s'] / 3600:,.0f} hours; {per_run:,.0f} records a "
        f"{'job' if p.one_off else 'day'} make {plural(batch_jobs, 'batch job')} of at most "
        f"{LIMITS['bedrock_batch_records_per_job_max']:,.0f} records (default quota, "
        f"{LIMITS['bedrock_batch_concurrent_jobs']:,.0f} jobs at a time per model). S3 storage is left out."
    )
    return [
        (
            "Bedrock",
            job.est(
                "bedrock",
                model=model,
                input_tokens=f.monthly_input_tokens,
                output_tokens=f.monthly_output_tokens,
                batch=True,
            ),
        )
    ]


def _brain_hosted_api(job: _Job) -> Parts | None:
    p = job.p
    if p.inference == "hosted_api" and p.hosted_model == OTHER_MODEL:
        # The profile requires its own prices for another model (profile validation).
        input_price = cast(float, p.hosted_input_usd_per_million_tokens)
        output_price = cast(float, p.hosted_output_usd_per_million_tokens)
        job.notes.append(
            f"Priced at the profile's own token prices ({_rate(input_price)} "
            f"input and {_rate(output_price)} output per million tokens): "
            f"no catalog prices this model."
        )
        return [("Model API", _given_token_estimate(job))]
    # The job's own catalog decides, so a newer catalog's models are priced as soon as it is read.
    if p.inference != "hosted_api" or not job.catalog.has(f"bedrock.{p.hosted_model}.input"):
        job.notes.append(_no_model(p) or "No provider price for this model in the catalog.")
        return None
    job.notes.append("The provider's list price is taken to equal Bedrock's for the same model.")
    return [("Model API", _token_estimate(job, cast(str, p.hosted_model)))]  # the catalog has its rate


def _given_token_estimate(job: _Job) -> Estimate:
    """Tokens at the profile's prices, each line rounded to the cent as ``estimate`` does."""
    p, f = job.p, job.f
    lines = []
    for name, tokens, price in (
        ("Input tokens", f.monthly_input_tokens, cast(float, p.hosted_input_usd_per_million_tokens)),
        ("Output tokens", f.monthly_output_tokens, cast(float, p.hosted_output_usd_per_million_tokens)),
    ):
        amount = Decimal(str(tokens)) * Decimal(str(price)) / Decimal(1_000_000)
        lines.append(
            Line(
                name,
                amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                f"{tokens:,.0f} tokens at the profile's {_rate(price)} per million",
            )
        )
    return Estimate(service="hosted_api", lines=tuple(lines), catalog=job.catalog.version)


def _rate(usd: float) -> str:
    """$2.50, $15.00, and a rate finer than a cent as given: $0.075."""
    return f"${usd:,.2f}" if round(usd, 2) == usd else f"${usd:,g}"


def _brain_lambda(job: _Job) -> Parts | None:
    f = job.f
    if not f.self_hosted or not f.model_fits_lambda:
        job.notes.append("Only a self-hosted model that fits a 10 GB function can run on Lambda.")
        return None
    seconds = f.model_seconds
    restores = sizing.cold_starts_per_month(f)
    job.notes.append(
        f"10,240 MB on arm64 (about 6 vCPUs), {seconds:.1f} s of inference per request; "
        f"SnapStart cached all month, about {restores:,.0f} cold starts restored."
    )
    usage: dict[str, Any] = {
        "requests": f.requests_per_month,
        "duration_ms": seconds * 1000,
        "memory_mb": 10_240,
        "arch": "arm64",
        "free_tier": False,
        "snapstart_cache_hours": HOURS_PER_MONTH,
        "snapstart_restores": restores,
    }
    return [("Lambda", job.est("lambda", **usage))]


def _brain_sagemaker_serverless(job: _Job) -> Parts | None:
    f = job.f
    limit_gb = LIMITS["sagemaker_serverless_memory_max_mb"] / 1024
    if not f.self_hosted or f.gpu_needed or f.model_memory_gb > limit_gb:
        job.notes.append(f"Serverless Inference offers CPUs and at most {limit_gb:g} GB.")
        return None
    memory_gb = int(min(limit_gb, max(1, math.ceil(f.model_memory_gb + 0.5))))
    seconds = f.requests_per_month * f.model_seconds
    job.notes.append(f"{memory_gb} GB endpoint memory, {seconds:,.0f} s of inference a month.")
    return [
        ("SageMaker Serverless", job.est("sagemaker_serverless", memory_mb=memory_gb * 1024, seconds=seconds))
    ]


def _gpu_fit(job: _Job, family: str, always_on: bool = True) -> sizing.Fit:
    """The GPU fleet of ``family`` that serves the model (placement/serving.py); the notes say
    what the model needs, which instance holds it and how the fleet is sized, or why no
    instance holds it and what would make the model fit."""
    fit = job.sized(("gpu", family), lambda: sizing.model_fit(job.p, job.f, family, job.catalog))
    if fit.fits:
        job.notes.extend(fit.plan.assumptions(always_on))
    else:
        job.notes.append(f"Not priced: {fit.advice}")
    return fit


def _sagemaker_instance(
    job: _Job, always_on: bool = True
) -> tuple[sizing.Instance | None, sizing.Fit | None]:
    f = job.f
    if not f.self_hosted:
        job.notes.append("No self-hosted model to put on an endpoint.")
        return None, None
    if f.gpu_needed:
        fit = _gpu_fit(job, "sagemaker", always_on)
        return fit.instance, fit
    return sizing.SAGEMAKER_CPU, None


def _brain_sagemaker_async(job: _Job) -> Parts | None:
    instance, fit = _sagemaker_instance(job, always_on=False)
    if instance is None:
        return None
    if fit is not None:
        hours = sizing.gpu_busy_instance_hours(job.f, fit.plan)
        note = (
            f"{instance.name} scaled to zero between bursts, batching up to "
            f"{plural(fit.plan.slots, 'request')} at once while busy, at a "
            f"{sizing.TARGET_UTILIZATION:.0%} target."
        )
    else:
        hours = sizing.busy_instance_hours(job.p, job.f, streams_per_server=1)
        note = f"{instance.name} scaled to zero between bursts, one request at a time."
    return _instances(job, "SageMaker async", instance, hours, note, service="sagemaker_realtime")


def _brain_sagemaker_realtime(job: _Job) -> Parts | None:
    instance, fit = _sagemaker_instance(job)
    if instance is None:
        return None
    if fit is not None:
        count, note = fit.plan.replicas, f"{fit.plan.replicas} x {instance.name} always on:"
    else:
        count = sizing.inference_servers(job.p, job.f)
        note = f"{count} x {instance.name} always on."
    return _instances(
        job, "SageMaker endpoint", instance, count * HOURS_PER_MONTH, note, service="sagemaker_realtime"
    )


def _brain_servers(job: _Job, label: str) -> Parts | None:
    f = job.f
    if not f.self_hosted:
        job.notes.append("No self-hosted model to run on servers.")
        return None
    if f.gpu_needed:
        fit = _gpu_fit(job, "ec2")
        if fit.instance is None:
            return None
        instance, count = fit.instance, fit.plan.replicas
        note = f"{count} x {instance.name} always on:"
    else:
        instance, count = sizing.CPU_INSTANCE, sizing.inference_servers(job.p, f)
        note = f"{count} x {instance.name} always on (one request at a time each)."
    return _instances(job, label, instance, count * HOURS_PER_MONTH, note)


# -- Memory ---------------------------------------------------------------------------

# Memory-optimised Graviton instances (8 GB per vCPU) for context held in RAM by containers.
HOT_RAM_HEADROOM_TEXT = f"{HOT_RAM_HEADROOM - 1:.0%}"


def _memory_dynamodb(job: _Job) -> Parts:
    p, f = job.p, job.f
    kb = max(1.0, p.state_kb)
    accesses = f.requests_per_month * max(1, p.orchestration_steps)
    job.notes.append(f"One write and one read of {kb:g} KB per step; storage left out.")
    return [
        (
            "DynamoDB",
            job.est(
                "dynamodb", write_units=accesses * math.ceil(kb), read_units=accesses * math.ceil(kb / 4)
            ),
        )
    ]


def _memory_s3(job: _Job) -> Parts:
    """State kept in S3 as the system of record: one PUT and one GET per step, kept a day."""
    p, f = job.p, job.f
    steps = max(1, p.orchestration_steps)
    objects = f.requests_per_month * steps
    retained_gb_month = objects * max(p.state_kb, 1.0) / 1024**2 * (p.human_wait_hours + 24) / HOURS_PER_MONTH
    job.notes.append(
        f"S3 Standard: one PUT and one GET of {max(p.state_kb, 1.0):,g} KB per step, each "
        f"object kept for the wait plus a day ({p.human_wait_hours + 24:g} h), then expired "
        f"by a lifecycle rule."
    )
    return [
        ("S3", job.est("s3", put_requests=objects, get_requests=objects, storage_gb_month=retained_gb_month))
    ]


def _synchronous(job: _Job) -> bool:
    """Synchronous callers need the context in two Availability Zones, as the orchestration."""
    return job.p.trigger == "api"


def _memory_elasticache(job: _Job) -> Parts:
    """Serverless (Valkey) or a node-based cluster, whichever is cheaper, holding the context
    (the HNSW index and the hot context, placement/stores.py)."""
    p, f = job.p, job.f
    data_gb = f.context_gb
    billed_gb = stores.elasticache_serverless_gb(data_gb)
    kb = max(1, math.ceil(p.state_kb))
    usage = _cache_serverless_usage(p, f)
    ecpus = usage["ecpus"]
    serverless = job.est("elasticache_serverless", **usage)
    minimum = " (the 100 MB minimum)" if data_gb < billed_gb else ""
    billing = (
        f"{billed_gb:,.1f} GB{minimum} and {ecpus:,.0f} ECPUs a month (one ECPU per KB "
        f"moved: {kb:,} KB per step; vector searches use more, not priced)"
    )
    nodes = _cheapest_cache_cluster(job, data_gb)
    chosen = _cheaper_nodes(serverless, nodes)
    if chosen is None:
        other = f" Nodes would cost ${nodes[1].total:,.2f}: {nodes[0].describe()}." if nodes else ""
        job.notes.append(
            f"ElastiCache Serverless (Valkey), the cheaper form here: it bills {billing}.{other}"
        )
        return [("ElastiCache", serverless)]
    cluster, cost = chosen
    job.notes.append(
        f"ElastiCache nodes (Valkey), cheaper than Serverless for {data_gb:,.1f} GB held "
        f"all month: {cluster.describe()}, always on. Serverless would cost "
        f"${serverless.total:,.2f} for {billing}. Node prices are recalled, not read on "
        f"AWS's page (grade C)."
    )
    return [("ElastiCache nodes", cost)]


def _cheaper_nodes(
    serverless: Estimate, nodes: tuple[stores.CacheCluster, Estimate] | None
) -> tuple[stores.CacheCluster, Estimate] | None:
    """The node cluster when it costs less than Serverless; None when Serverless is the cheaper form."""
    return nodes if nodes is not None and nodes[1].total < serverless.total else None


def cache_cluster(p: WorkloadProfile, f: Facts, catalog: Catalog) -> stores.CacheCluster | None:
    """The node cluster the Memory layer's ElastiCache cost is priced on (``_memory_elasticache``);
    None when Serverless is the cheaper form there. For the infrastructure template."""
    job = _Job(p, f, catalog, with_options=False, layer="memory")
    serverless = job.est("elasticache_serverless", **_cache_serverless_usage(p, f))
    chosen = _cheaper_nodes(serverless, _cheapest_cache_cluster(job, f.context_gb))
    return None if chosen is None else chosen[0]


def _cache_serverless_usage(p: WorkloadProfile, f: Facts) -> dict[str, float]:
    """What ElastiCache Serverless bills: the stored data (at least its minimum) all month, and
    one ECPU per KB moved at each step."""
    kb = max(1, math.ceil(p.state_kb))
    return {
        "gb_hours": stores.elasticache_serverless_gb(f.context_gb) * HOURS_PER_MONTH,
        "ecpus": f.requests_per_month * max(1, p.orchestration_steps) * kb,
    }


def _cheapest_cache_cluster(job: _Job, data_gb: float) -> tuple[stores.CacheCluster, Estimate] | None:
    """The cheapest node-based cluster holding ``data_gb``, or None where the catalog prices no node."""
    priced = [
        (
            cluster,
            job.est(
                "elasticache_nodes",
                instance_type=cluster.node_type,
                count=cluster.nodes,
                hours=HOURS_PER_MONTH,
            ),
        )
        for cluster in stores.cache_clusters(data_gb, _synchronous(job))
        if job.catalog.has(f"elasticache.{cluster.node_type}")
    ]
    return min(priced, key=lambda ce: ce[1].total, default=None)


def _memory_opensearch(job: _Job) -> Parts:
    """OCUs from the HNSW index (search) plus the indexing floor, with redundancy, and storage."""
    f = job.f
    size = stores.opensearch_size(f.vector_index_gb)
    job.notes.append(size.describe())
    return [
        (
            "OpenSearch Serverless",
            job.est("opensearch_serverless", ocu_hours=size.ocus * HOURS_PER_MONTH, storage_gb=f.context_gb),
        )
    ]


def _memory_aurora_pgvector(job: _Job) -> Parts | None:
    """Aurora PostgreSQL Serverless v2 holding the HNSW index in its buffer cache."""
    p, f = job.p, job.f
    if p.vector_count <= 0:
        job.notes.append("pgvector is priced for a retrieval index; this workload has none.")
        return None
    synchronous = _synchronous(job)
    # Automatic pause (0 ACU) only where nobody waits for the resume.
    paused = not synchronous and p.retrieval_latency_ms is None and f.active_hours_per_day < 24
    hours = f.active_hours_per_day * DAYS_PER_MONTH if paused else HOURS_PER_MONTH
    size = stores.aurora_size(f.context_gb, p.vector_count, p.embedding_dim, synchronous, hours)
    if not size.fits:
        job.notes.append(
            f"Holding {f.context_gb:,.0f} GB in RAM needs {size.acus:,.1f} ACUs, over the "
            f"{stores.ACU_MAX:,.0f} ACUs of one Aurora Serverless v2 instance."
        )
        return None
    instances = "a writer and a reader in a second Availability Zone" if size.instances > 1 else "one writer"
    resume = stores.AURORA_RESUME_TEXT
    if paused:
        pause = (
            f"paused outside the {f.active_hours_per_day:g} hours of traffic a day (automatic pause "
            f"to 0 ACU; resuming takes {resume}, fine for asynchronous work)"
        )
    elif synchronous or p.retrieval_latency_ms is not None:
        why = "synchronous callers cannot wait" if synchronous else "the latency target rules out"
        pause = f"always on (automatic pause would add {resume} to resume, which {why})"
    else:
        pause = "always on (traffic comes all day, so automatic pause would save nothing)"
    job.notes.append(
        f"Aurora PostgreSQL Serverless v2 with pgvector: {size.acus:g} ACUs (2 GiB each) to "
        f"hold the {f.context_gb:,.1f} GB HNSW index and context in memory, {instances}, "
        f"{pause}; {size.storage_gb + p.hot_context_gb:,.1f} GB of storage (the embeddings "
        f"and the index on disk); one I/O request per retrieval, since the index is "
        f"served from memory (assumption)."
    )
    return [
        (
            "Aurora Serverless v2",
            job.est(
                "aurora_serverless",
                acu_hours=size.acu_hours,
                storage_gb_month=size.storage_gb + p.hot_context_gb,
                io_requests=f.requests_per_month,
            ),
        )
    ]


def _memory_s3_vectors(job: _Job) -> Parts | None:
    """Amazon S3 Vectors: storage, writes and queries, nothing always on."""
    p, f = job.p, job.f
    if p.vector_count <= 0:
        job.notes.append("S3 Vectors holds a retrieval index; this workload has none.")
        return None
    indexes = stores.s3_vectors_indexes(p.vector_count)
    usage = stores.s3_vectors_usage(p.vector_count, p.embedding_dim, f.requests_per_month, indexes)
    split = f" split over {indexes:,} indexes" if indexes > 1 else " in one index"
    job.notes.append(
        f"S3 Vectors: {p.vector_count:,} vectors{split}, {usage['storage_gb_month']:,.1f} logical GB "
        f"(4 bytes a dimension plus about {stores.S3_VECTORS_KEY_AND_METADATA_BYTES:,} bytes of key "
        f"and metadata, an assumption); a tenth of the index rewritten a month (assumption); one "
        f"query per request, each processing the whole index it searches. Queries answer in about "
        f"100 ms warm and under a second cold."
    )
    return [("S3 Vectors", job.est("s3_vectors", **usage))]


def _memory_fargate(job: _Job) -> Parts | None:
    """The context (HNSW index and hot context, with headroom) in the RAM of always-on tasks."""
    gb = math.ceil(job.f.hot_ram_gb)
    if gb > LIMITS["fargate_max_memory_gb"]:
        job.notes.append(f"Fargate tasks hold at most {LIMITS['fargate_max_memory_gb']:g} GB.")
        return None
    tasks = sizing.MIN_TASKS_SYNC if _synchronous(job) else sizing.MIN_TASKS_ASYNC
    fleet = sizing.Fleet(
        vcpu=max(1, math.ceil(gb / sizing.FARGATE_MAX_GB_PER_VCPU)),
        memory_gb=max(2, gb),
        min_tasks=tasks,
        active_tasks=tasks,
        peak_tasks=tasks,
        task_hours=tasks * HOURS_PER_MONTH,
        in_flight_per_task=0,
    )
    zones = ", one in each of two Availability Zones" if tasks > 1 else ""
    job.notes.append(
        f"Fargate on arm64: {plural(tasks, 'task')} of {fleet.vcpu:g} vCPU / "
        f"{fleet.memory_gb:g} GB always on{zones}, holding {job.f.hot_ram_gb:,.1f} GB in RAM "
        f"(the context with {HOT_RAM_HEADROOM_TEXT} headroom); "
        f"{fleet.task_hours:,.0f} task-hours a month."
    )
    return [("Fargate", job.est("fargate", **fargate_usage(fleet)))]


def _memory_ecs_ec2(job: _Job) -> Parts:
    """The same context (HNSW index and hot context, with headroom) in RAM on memory-optimised
    instances, in two Availability Zones for synchronous callers: like with like against the
    managed stores."""
    gb = job.f.hot_ram_gb
    copies = sizing.MIN_TASKS_SYNC if _synchronous(job) else sizing.MIN_TASKS_ASYNC
    instance, count = sizing.memory_instances(gb, copies, job.catalog)
    zones = " (a copy in each of two Availability Zones)" if copies > 1 else ""
    return _instances(
        job,
        "EC2",
        instance,
        count * HOURS_PER_MONTH,
        f"{count} x {instance.name} ({instance.memory_gb:g} GB) holding {gb:.1f} GB in "
        f"RAM{zones}: the context with {HOT_RAM_HEADROOM_TEXT} headroom.",
    )


def _no_brain(job: _Job) -> Parts | None:
    if job.p.inference != "none":
        job.notes.append("This workload calls a model, so its Brain needs a home.")
        return None
    return []


def _no_memory(job: _Job) -> Parts | None:
    if job.f.context_gb > 0:
        job.notes.append(f"{job.f.context_gb:.1f} GB of context must stay hot.")
        return None
    return []


_BUILDERS: dict[tuple[str, str], Builder] = {
    ("nerves", "lambda"): _nerves_lambda,
    ("nerves", "step_functions"): _nerves_step_functions,
    ("nerves", "step_functions_express"): _nerves_step_functions_express,
    ("nerves", "lambda_durable"): _nerves_lambda_durable,
    ("nerves", "fargate"): _nerves_fargate,
    ("nerves", "ecs_ec2"): _nerves_ecs_ec2,
    ("nerves", "eks"): _with_eks(_nerves_ecs_ec2),
    ("nerves", "ec2"): _nerves_ecs_ec2,
    ("nerves", "aws_batch"): _nerves_aws_batch,
    ("nerves", "step_functions_distributed_map"): _nerves_distributed_map,
    ("brain", "bedrock"): _brain_bedrock,
    ("brain", "bedrock_batch"): _brain_bedrock_batch,
    ("brain", "hosted_api"): _brain_hosted_api,
    ("brain", "lambda"): _brain_lambda,
    ("brain", "sagemaker_serverless"): _brain_sagemaker_serverless,
    ("brain", "sagemaker_async"): _brain_sagemaker_async,
    ("brain", "sagemaker_realtime"): _brain_sagemaker_realtime,
    ("brain", "ec2_gpu"): lambda job: _brain_servers(job, "EC2"),
    ("brain", "ecs_ec2"): lambda job: _brain_servers(job, "ECS on EC2"),
    ("brain", "eks"): _with_eks(lambda job: _brain_servers(job, "EKS nodes")),
    ("brain", "ec2"): lambda job: _brain_servers(job, "EC2"),
    ("brain", "none"): _no_brain,
    ("memory", "none"): _no_memory,
    ("memory", "dynamodb"): _memory_dynamodb,
    ("memory", "s3"): _memory_s3,
    ("memory", "elasticache"): _memory_elasticache,
    ("memory", "opensearch_serverless"): _memory_opensearch,
    ("memory", "fargate"): _memory_fargate,
    ("memory", "ecs_ec2"): _memory_ecs_ec2,
    ("memory", "aurora_pgvector"): _memory_aurora_pgvector,
    ("memory", "s3_vectors"): _memory_s3_vectors,
    ("memory", "eks"): _with_eks(_memory_ecs_ec2),
}
