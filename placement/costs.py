"""Monthly cost of every candidate placement of every layer, for one profile.

Each cost is built from ``estimate()`` calls on the price catalog, with the
sizing from ``sizing.py``, and lists the assumptions a reader needs to check
it. A placement that the catalog cannot price (a model with no rate, a model
too large for any instance) says so instead of showing a number.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Callable

from placement import front_door, sizing
from placement.facts import BEDROCK_MODELS, DAYS_PER_MONTH, HOURS_PER_MONTH, Facts
from placement.pricing import Catalog, Estimate, Line, UsageError, estimate
from placement.limits import limit_values
from placement.profile import OTHER_MODEL, WorkloadProfile
from placement.wording import plural

ZERO = Decimal("0.00")
LIMITS = limit_values()  # AWS's limits, one home: placement/limits/aws.yaml
# Open models Bedrock serves, by size, for pricing a self-hosted model there.
BEDROCK_OPEN_MODELS = ((1.5, "llama-3.2-1b"), (4, "llama-3.2-3b"), (9, "llama-3.1-8b"),
                       (80, "llama-3.3-70b"))
PURCHASE_OPTIONS = ("savings_1y", "savings_3y", "spot")
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
    options: tuple[tuple[str, Decimal], ...] = ()  # other purchase options and their totals

    def to_dict(self) -> dict:
        return {"layer": self.layer, "placement": self.placement,
                "total": None if self.total is None else float(self.total),
                "lines": [line.to_dict() for line in self.lines],
                "assumptions": list(self.assumptions),
                "options": {name: float(amount) for name, amount in self.options}}


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

    def est(self, service: str, **usage) -> Estimate:
        return estimate(service, usage, self.catalog)


def placement_costs(p: WorkloadProfile, f: Facts, catalog: Catalog,
                    candidates: dict[str, tuple[str, ...]]) -> dict[str, dict[str, PlacementCost]]:
    """Cost of each candidate placement of each layer."""
    return {layer: {placement: cost_of(layer, placement, p, f, catalog) for placement in placements}
            for layer, placements in candidates.items()}


def cost_of(layer: str, placement: str, p: WorkloadProfile, f: Facts, catalog: Catalog,
            with_options: bool = True) -> PlacementCost:
    """One placement's monthly cost; ``with_options=False`` skips the other purchase options,
    for searches that compare totals only."""
    builder = _BUILDERS.get((layer, placement))
    if builder is None:
        return PlacementCost(layer, placement, None, assumptions=("Not priced for this layer.",))
    job = _Job(p, f, catalog, with_options=with_options)
    try:
        result = builder(job)
    except UsageError as exc:  # a partial catalog (an imported region) lacks this rate
        return PlacementCost(layer, placement, None, assumptions=(f"Not priced: {exc}.",))
    if result is None:
        return PlacementCost(layer, placement, None, assumptions=tuple(job.notes))
    parts, options = result if isinstance(result, tuple) else (result, {})
    if layer == "nerves":
        parts, options = _with_front_door(job, placement, parts, options)
    lines = tuple(Line(f"{label}: {line.name}", line.amount, line.detail)
                  for label, e in parts for line in e.lines)
    total = sum((line.amount for line in lines), ZERO)
    return PlacementCost(layer, placement, total, lines, tuple(job.notes), tuple(options.items()))


def _with_front_door(job: _Job, placement: str, parts: list, options: dict) -> tuple[list, dict]:
    """The orchestration's front door is part of what it costs (placement/front_door.py)."""
    door = front_door.door_for(placement, job.p, job.f)
    service, usage, note = front_door.door_usage(door, job.p, job.f)
    job.notes.append(f"Front door: {door.label}. {note}".strip())
    if service is None:
        return parts, options
    fee = job.est(service, **usage)
    return parts + [(door.label, fee)], {k: v + fee.total for k, v in options.items()}


def front_door_cost(placement: str, p: WorkloadProfile, f: Facts, catalog: Catalog) -> Decimal:
    """A Nerves placement's front door alone, for a month (the simulation adds it to fleets)."""
    service, usage, _ = front_door.door_usage(front_door.door_for(placement, p, f), p, f)
    return ZERO if service is None else estimate(service, usage, catalog).total


# -- Nerves ---------------------------------------------------------------------------


def _lambda_usage(job: _Job, invocations: float, cpu_s: float, wait_s: float) -> dict:
    config = sizing.lambda_config(job.p, cpu_s, wait_s)
    if config.note:
        job.notes.append(config.note)
    job.notes.append(f"Functions on arm64 (Graviton) at {config.memory_mb:,} MB, {config.duration_s:.2f} s "
                     f"billed per invocation; the account's free tier is left out, since other "
                     f"functions share it.")
    duration_ms = config.duration_s * 1000
    usage = {"requests": invocations, "duration_ms": duration_ms, "memory_mb": config.memory_mb,
             "arch": "arm64", "free_tier": False}
    concurrency = sizing.provisioned_concurrency(job.p, job.f, config.duration_s)
    if concurrency:
        hours = job.f.active_hours_per_day * DAYS_PER_MONTH
        job.notes.append(f"Provisioned concurrency of {concurrency} for {hours:,.0f} h a month: "
                         f"a {job.p.latency_slo_ms:g} ms p95 target leaves no room for cold starts.")
        usage.update(requests=0, pc_concurrency=concurrency, pc_hours=hours,
                     pc_requests=invocations, pc_duration_ms=duration_ms)
    return usage


def _nerves_lambda(job: _Job):
    p, f = job.p, job.f
    job.notes.append(f"Billed for the whole {p.request_duration_s:g} s of each request, "
                     f"including {f.wait_seconds_per_request:.1f} s of waiting.")
    if not f.lambda_fits_duration:
        job.notes.append("Priced for comparison only: requests over 15 minutes cannot run on Lambda.")
    usage = _lambda_usage(job, f.requests_per_month, p.request_duration_s * f.cpu_share,
                          f.wait_seconds_per_request)
    return [("Lambda", job.est("lambda", **usage))]


def _step_lambda_usage(job: _Job) -> dict:
    """Functions running the steps' CPU work; the state machine makes the waiting calls."""
    p, f = job.p, job.f
    steps = max(1, p.orchestration_steps)
    cpu_s = max(0.1, p.request_duration_s * f.cpu_share) / steps
    job.notes.append(f"Model and API calls go through service integrations, so functions run only "
                     f"the CPU part: {plural(steps, 'step')} of {cpu_s:.2f} s of CPU.")
    return _lambda_usage(job, f.requests_per_month * steps, cpu_s, 0.0)


def _nerves_step_functions(job: _Job):
    transitions = job.f.requests_per_month * (max(1, job.p.orchestration_steps) + 1)
    job.notes.append("One state transition per step plus one for routing; the free 4,000 left out.")
    return [("Step Functions", job.est("step_functions", transitions=transitions, free_tier=False)),
            ("Lambda", job.est("lambda", **_step_lambda_usage(job)))]


def _nerves_step_functions_express(job: _Job):
    p, f = job.p, job.f
    job.notes.append("Express workflow memory of 64 MB for the definition and a small payload.")
    return [("Step Functions Express", job.est("step_functions_express", requests=f.requests_per_month,
                                               duration_ms=p.request_duration_s * 1000, memory_mb=64)),
            ("Lambda", job.est("lambda", **_step_lambda_usage(job)))]


def _nerves_lambda_durable(job: _Job):
    p, f = job.p, job.f
    steps = max(1, p.orchestration_steps)
    operations = f.requests_per_month * (steps + 1 + (1 if p.human_wait_hours else 0))
    written_gb = f.state_gb_written_per_month
    retained_hours = p.human_wait_hours + 24
    job.notes.append(f"{steps + 1} durable operations per request (a checkpoint per step and the "
                     f"start); state kept for the wait plus a day ({retained_hours:g} h).")
    usage = _lambda_usage(job, f.requests_per_month, p.request_duration_s * f.cpu_share,
                          f.wait_seconds_per_request)
    usage.update(durable_operations=operations, durable_written_gb=written_gb,
                 durable_retained_gb_month=written_gb * retained_hours / HOURS_PER_MONTH)
    return [("Lambda durable", job.est("lambda", **usage))]


def _nerves_fargate(job: _Job):
    fleet = sizing.nerves_fleet(job.p, job.f)
    return _fargate_fleet(job, "Fargate", fleet)


def _fargate_fleet(job: _Job, label: str, fleet: sizing.Fleet):
    job.notes.append(f"Fargate on arm64: {fleet.describe()}; {fleet.task_hours:,.0f} task-hours a month.")
    usage = fargate_usage(fleet)
    options = {"spot": job.est("fargate", **usage, spot=True).total} if job.with_options else {}
    return [(label, job.est("fargate", **usage))], options


def fargate_usage(fleet: sizing.Fleet) -> dict:
    """A fleet's task-hours as ``estimate("fargate", ...)`` usage (the simulation prices it too)."""
    return {"tasks": 1, "seconds": fleet.task_hours * 3600, "vcpu": fleet.vcpu,
            "memory_gb": fleet.memory_gb, "arch": "arm64"}


def _nerves_ecs_ec2(job: _Job):
    fleet = sizing.nerves_fleet(job.p, job.f)
    return _instances(job, "EC2", sizing.GENERAL_INSTANCE,
                      sizing.instances_for_fleet(fleet),
                      f"ECS tasks packed on {sizing.GENERAL_INSTANCE.name}: {fleet.describe()}.")


def _instances(job: _Job, label: str, instance: sizing.Instance, hours: float, note: str,
               service: str = "ec2", options: tuple = PURCHASE_OPTIONS):
    job.notes.append(f"{note} {hours:,.0f} instance-hours a month, on demand.")
    usage = {"instance_type": instance.name, "hours": hours}
    others = {o: job.est(service, **usage, purchase=o).total for o in options if job.with_options}
    return [(label, job.est(service, **usage))], others


def _with_eks(builder: Callable) -> Callable:
    def build(job: _Job):
        result = builder(job)
        if result is None:
            return None
        parts, options = result
        fee = job.est("eks", cluster_hours=HOURS_PER_MONTH)
        job.notes.append("One EKS cluster's control plane, billed by the hour.")
        return parts + [("EKS", fee)], {k: v + fee.total for k, v in options.items()}
    return build


# -- Brain ----------------------------------------------------------------------------


def _token_estimate(job: _Job, model: str) -> Estimate:
    return job.est("bedrock", model=model, input_tokens=job.f.monthly_input_tokens,
                   output_tokens=job.f.monthly_output_tokens)


def _bedrock_model(job: _Job) -> str | None:
    p = job.p
    if p.inference == "hosted_api":
        if p.hosted_model in BEDROCK_MODELS:
            return p.hosted_model
        job.notes.append(f"{p.hosted_model or 'No model'} is not priced on Bedrock in this catalog.")
        return None
    if p.inference == "self_hosted":
        for max_params, model in BEDROCK_OPEN_MODELS:
            if p.model_params_b <= max_params:
                job.notes.append(f"The {p.model_params_b:g}B self-hosted model priced as {model}, "
                                 f"the closest open model Bedrock serves.")
                return model
        job.notes.append(f"No open model of {p.model_params_b:g}B parameters is priced on Bedrock.")
    return None


def _brain_bedrock(job: _Job):
    model = _bedrock_model(job)
    return [("Bedrock", _token_estimate(job, model))] if model else None


def _brain_hosted_api(job: _Job):
    p = job.p
    if p.inference == "hosted_api" and p.hosted_model == OTHER_MODEL:
        job.notes.append(f"Priced at the profile's own token prices ({_rate(p.hosted_input_usd_per_million_tokens)} "
                         f"input and {_rate(p.hosted_output_usd_per_million_tokens)} output per million tokens): "
                         f"no catalog prices this model.")
        return [("Model API", _given_token_estimate(job))]
    # The job's own catalog decides, so a newer catalog's models are priced as soon as it is read.
    if p.inference != "hosted_api" or not job.catalog.has(f"bedrock.{p.hosted_model}.input"):
        job.notes.append("No provider price for this model in the catalog.")
        return None
    job.notes.append("The provider's list price is taken to equal Bedrock's for the same model.")
    return [("Model API", _token_estimate(job, p.hosted_model))]


def _given_token_estimate(job: _Job) -> Estimate:
    """Tokens at the profile's prices, each line rounded to the cent as ``estimate`` does."""
    p, f = job.p, job.f
    lines = []
    for name, tokens, price in (
            ("Input tokens", f.monthly_input_tokens, p.hosted_input_usd_per_million_tokens),
            ("Output tokens", f.monthly_output_tokens, p.hosted_output_usd_per_million_tokens)):
        amount = Decimal(str(tokens)) * Decimal(str(price)) / Decimal(1_000_000)
        lines.append(Line(name, amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                          f"{tokens:,.0f} tokens at the profile's {_rate(price)} per million"))
    return Estimate(service="hosted_api", lines=tuple(lines), catalog=job.catalog.version)


def _rate(usd: float) -> str:
    """$2.50, $15.00, and a rate finer than a cent as given: $0.075."""
    return f"${usd:,.2f}" if round(usd, 2) == usd else f"${usd:,g}"


def _brain_lambda(job: _Job):
    f = job.f
    if not f.self_hosted or not f.model_fits_lambda:
        job.notes.append("Only a self-hosted model that fits a 10 GB function can run on Lambda.")
        return None
    seconds = f.model_seconds
    restores = sizing.cold_starts_per_month(f)
    job.notes.append(f"10,240 MB on arm64 (about 6 vCPUs), {seconds:.1f} s of inference per request; "
                     f"SnapStart cached all month, about {restores:,.0f} cold starts restored.")
    usage = {"requests": f.requests_per_month, "duration_ms": seconds * 1000, "memory_mb": 10_240,
             "arch": "arm64", "free_tier": False, "snapstart_cache_hours": HOURS_PER_MONTH,
             "snapstart_restores": restores}
    return [("Lambda", job.est("lambda", **usage))]


def _brain_sagemaker_serverless(job: _Job):
    f = job.f
    limit_gb = LIMITS["sagemaker_serverless_memory_max_mb"] / 1024
    if not f.self_hosted or f.gpu_needed or f.model_memory_gb > limit_gb:
        job.notes.append(f"Serverless Inference offers CPUs and at most {limit_gb:g} GB.")
        return None
    memory_gb = int(min(limit_gb, max(1, math.ceil(f.model_memory_gb + 0.5))))
    seconds = f.requests_per_month * f.model_seconds
    job.notes.append(f"{memory_gb} GB endpoint memory, {seconds:,.0f} s of inference a month.")
    return [("SageMaker Serverless", job.est("sagemaker_serverless", memory_mb=memory_gb * 1024,
                                             seconds=seconds))]


def _gpu_fit(job: _Job, family: str) -> sizing.Instance | None:
    """The cheapest GPU instance of ``family`` that holds the model; the note says which, or
    why none does and what would make the model fit."""
    p, f = job.p, job.f
    fit = sizing.model_fit(f.model_memory_gb, p.model_params_b, p.quantization_bits, family, job.catalog)
    job.notes.append(fit.advice if fit.fits else f"Not priced: {fit.advice}")
    return fit.instance


def _sagemaker_instance(job: _Job) -> sizing.Instance | None:
    f = job.f
    if not f.self_hosted:
        job.notes.append("No self-hosted model to put on an endpoint.")
        return None
    if f.gpu_needed:
        return _gpu_fit(job, "sagemaker")
    return sizing.SAGEMAKER_CPU


def _brain_sagemaker_async(job: _Job):
    instance = _sagemaker_instance(job)
    if instance is None:
        return None
    hours = sizing.busy_instance_hours(job.p, job.f, streams_per_server=1)
    return _instances(job, "SageMaker async", instance, hours,
                      f"{instance.name} scaled to zero between bursts, one request at a time.",
                      service="sagemaker_realtime", options=())


def _brain_sagemaker_realtime(job: _Job):
    instance = _sagemaker_instance(job)
    if instance is None:
        return None
    streams = sizing.STREAMS_PER_GPU_SERVER if job.f.gpu_needed else 1
    count = sizing.inference_servers(job.p, job.f, streams)
    return _instances(job, "SageMaker endpoint", instance, count * HOURS_PER_MONTH,
                      f"{count} x {instance.name} always on.", service="sagemaker_realtime",
                      options=())


def _brain_servers(job: _Job, label: str):
    f = job.f
    if not f.self_hosted:
        job.notes.append("No self-hosted model to run on servers.")
        return None
    if f.gpu_needed:
        instance = _gpu_fit(job, "ec2")
        if instance is None:
            return None
        streams = sizing.STREAMS_PER_GPU_SERVER
    else:
        instance, streams = sizing.CPU_INSTANCE, 1
    count = sizing.inference_servers(job.p, f, streams)
    return _instances(job, label, instance, count * HOURS_PER_MONTH,
                      f"{count} x {instance.name} always on ({streams} concurrent streams each).")


# -- Memory ---------------------------------------------------------------------------


def _memory_dynamodb(job: _Job):
    p, f = job.p, job.f
    kb = max(1.0, p.state_kb)
    accesses = f.requests_per_month * max(1, p.orchestration_steps)
    job.notes.append(f"One write and one read of {kb:g} KB per step; storage left out.")
    return [("DynamoDB", job.est("dynamodb", write_units=accesses * math.ceil(kb),
                                 read_units=accesses * math.ceil(kb / 4)))]


def _memory_s3(job: _Job):
    """State kept in S3 as the system of record: one PUT and one GET per step, kept a day."""
    p, f = job.p, job.f
    steps = max(1, p.orchestration_steps)
    objects = f.requests_per_month * steps
    retained_gb_month = objects * max(p.state_kb, 1.0) / 1024**2 * (p.human_wait_hours + 24) / HOURS_PER_MONTH
    job.notes.append(f"S3 Standard: one PUT and one GET of {max(p.state_kb, 1.0):,g} KB per step, each "
                     f"object kept for the wait plus a day ({p.human_wait_hours + 24:g} h), then expired "
                     f"by a lifecycle rule.")
    return [("S3", job.est("s3", put_requests=objects, get_requests=objects,
                           storage_gb_month=retained_gb_month))]


def _memory_elasticache(job: _Job):
    p, f = job.p, job.f
    gb = max(0.1, f.hot_ram_gb)
    ecpus = f.requests_per_month * max(1, p.orchestration_steps) * max(1, math.ceil(p.state_kb))
    job.notes.append(f"ElastiCache Serverless (Valkey) holding {gb:.1f} GB; one ECPU per KB read.")
    return [("ElastiCache", job.est("elasticache_serverless", gb_hours=gb * HOURS_PER_MONTH,
                                    ecpus=ecpus))]


def _memory_opensearch(job: _Job):
    f = job.f
    job.notes.append("Two OCUs (indexing and search, redundancy off) always on.")
    return [("OpenSearch Serverless", job.est("opensearch_serverless", ocu_hours=2 * HOURS_PER_MONTH,
                                              storage_gb=f.context_gb))]


def _memory_fargate(job: _Job):
    gb = math.ceil(job.f.hot_ram_gb)
    if gb > LIMITS["fargate_max_memory_gb"]:
        job.notes.append(f"Fargate tasks hold at most {LIMITS['fargate_max_memory_gb']:g} GB.")
        return None
    # Synchronous callers need the context in two Availability Zones, as the orchestration.
    tasks = sizing.MIN_TASKS_SYNC if job.p.trigger == "api" else sizing.MIN_TASKS_ASYNC
    fleet = sizing.Fleet(vcpu=max(1, math.ceil(gb / sizing.FARGATE_MAX_GB_PER_VCPU)),
                         memory_gb=max(2, gb), min_tasks=tasks, active_tasks=tasks, peak_tasks=tasks,
                         task_hours=tasks * HOURS_PER_MONTH, in_flight_per_task=0)
    return _fargate_fleet(job, "Fargate", fleet)


def _memory_ecs_ec2(job: _Job):
    gb = job.f.hot_ram_gb
    instance = sizing.GENERAL_INSTANCE
    count = max(1, math.ceil(gb / (instance.memory_gb * sizing.ECS_PACKING_EFFICIENCY)))
    return _instances(job, "EC2", instance, count * HOURS_PER_MONTH,
                      f"{count} x {instance.name} holding {gb:.1f} GB in RAM (memory-optimised "
                      f"r-family instances would cost less; not in the catalog).")


def _no_brain(job: _Job):
    if job.p.inference != "none":
        job.notes.append("This workload calls a model, so its Brain needs a home.")
        return None
    return []


def _no_memory(job: _Job):
    if job.f.context_gb > 0:
        job.notes.append(f"{job.f.context_gb:.1f} GB of context must stay hot.")
        return None
    return []


_BUILDERS: dict[tuple[str, str], Callable] = {
    ("nerves", "lambda"): _nerves_lambda,
    ("nerves", "step_functions"): _nerves_step_functions,
    ("nerves", "step_functions_express"): _nerves_step_functions_express,
    ("nerves", "lambda_durable"): _nerves_lambda_durable,
    ("nerves", "fargate"): _nerves_fargate,
    ("nerves", "ecs_ec2"): _nerves_ecs_ec2,
    ("nerves", "eks"): _with_eks(_nerves_ecs_ec2),
    ("nerves", "ec2"): _nerves_ecs_ec2,
    ("brain", "bedrock"): _brain_bedrock,
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
    ("memory", "eks"): _with_eks(_memory_ecs_ec2),
}
