"""Derived facts: what a profile implies, in the quantities the rules compare.

Every fact is a plain number, bool or string computed from the profile alone,
so a rule's reason can quote it and a test can check it by hand.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, cast

from placement import instances, regions, serving, stores
from placement.constants import MATRIX_CONSTANTS
from placement.limits import limit_values, load_limits
from placement.pricing import DEFAULT_REGION, batch_models, catalog_for_pricing, hosted_models
from placement.profile import WorkloadProfile

# AWS bills a month as 730 hours.
HOURS_PER_MONTH = 730.0
DAYS_PER_MONTH = HOURS_PER_MONTH / 24

# Hours a day during which the day's traffic arrives, per pattern. Business
# hours and batch windows squeeze the same requests into fewer hours, which
# raises the concurrency the fleet must hold while leaving it idle the rest.
ACTIVE_HOURS_PER_DAY = {"steady": 24.0, "diurnal": 24.0, "spiky": 24.0, "business_hours": 10.0, "batch": 4.0}

# AWS's limits have one home, placement/limits/aws.yaml; these names are read from it.
_LIMITS = limit_values()
_BEDROCK_TPM = {
    name.split(".", 1)[1]: limit.value
    for name, limit in load_limits().items()
    if name.startswith("bedrock_tpm.")
}
LAMBDA_MAX_MEMORY_MB = int(_LIMITS["lambda_memory_max_mb"])
LAMBDA_MB_PER_VCPU = int(_LIMITS["lambda_mb_per_vcpu"])  # 1,769 MB is one full vCPU
LAMBDA_TIMEOUT_S = _LIMITS["lambda_timeout_s"]
LAMBDA_CONCURRENCY_DEFAULT = _LIMITS["lambda_concurrency_default"]
LAMBDA_SCALING_PER_10S = _LIMITS["lambda_scaling_per_10s"]
LAMBDA_MAX_VCPUS = 6.0

# A model must leave room for the runtime inside Lambda's 10,240 MB.
LAMBDA_MODEL_BUDGET_GB = 9.0
# Seed 002: 1-3B models quantised to 4 bits stream 15-25 tokens/s on a
# maxed-out function. Token generation on a CPU is bound by memory bandwidth,
# so throughput falls with the bytes of weights read per token.
LAMBDA_TOKENS_PER_S_AT_1GB = 20.0
LAMBDA_MAX_TOKENS_PER_S = 25.0
ARM_SPEEDUP = 1.25  # seed 002: Graviton is 20-30% faster for this work
# Seeds 001/003: a 7B model pulled from S3 adds ~45 s; about 0.3 GB/s.
MODEL_LOAD_GB_PER_S = 0.3
RUNTIME_INIT_S = 0.3  # Python runtime and package import
SNAPSTART_RESTORE_S = 0.5  # seed 002: sub-500 ms with the model in the snapshot
# A self-hosted model larger than this needs a GPU to answer in useful time
# (seed 002: "bigger models need the Brain tier").
GPU_PARAMS_THRESHOLD_B = MATRIX_CONSTANTS["small_model_max_params_b"]


@cache
def bedrock_models(region: str) -> frozenset[str]:
    """Models Amazon Bedrock serves in ``region``: those its newest price catalog prices by the token.

    A region without a catalog is priced at the default region's (``catalog_for_pricing``), so
    it gets that list. Models placement/regions.yaml records as served in the region count too,
    priced or not (a partial catalog says "Not priced"); those it records as not served there do not.
    Read once per process and region, like the instance table (facts are derived hundreds of
    times per advice): a catalog added while a process runs counts from its next start.
    """
    catalog, _ = catalog_for_pricing(region)
    priced = hosted_models(catalog) if catalog else frozenset()
    return (priced | regions.served_models(region)) - regions.not_served_models(region)


@cache
def bedrock_batch_models(region: str) -> frozenset[str]:
    """Models the region's newest catalog prices for Bedrock batch inference (as ``bedrock_models``)."""
    catalog, _ = catalog_for_pricing(region)
    return batch_models(catalog) if catalog else frozenset()


# Models Amazon Bedrock serves in the default region, from its newest price catalog.
BEDROCK_MODELS = bedrock_models(DEFAULT_REGION)
HOT_RAM_HEADROOM = 1.25  # data structures, fragmentation, the process itself
# When no inference time is given and no single instance holds the model (so no fleet is
# sized), a GPU server generating ~40 tokens/s for one request is the conservative
# single-stream figure.
GPU_TOKENS_PER_S = 40.0


@dataclass(frozen=True)
class Facts:
    """Quantities derived from a profile, in the units their names give."""

    requests_per_month: float
    average_rps: float
    active_hours_per_day: float
    active_rps: float
    peak_rps: float
    average_concurrency: float
    peak_concurrency: float
    cpu_share: float
    fleet_size_for_peak: int
    utilization: float
    cpu_utilization: float
    wait_seconds_per_request: float
    monthly_gb_seconds: float
    lambda_vcpus: float
    lambda_fits_memory: bool
    lambda_fits_duration: bool
    lambda_concurrency_share: float
    lambda_memory_mb: int
    lambda_worst_case_s: float
    lambda_scale_up_s: float
    pre_post_cpu_seconds: float
    per_step_seconds: float
    human_wait_seconds: float
    state_gb_written_per_month: float
    self_hosted: bool
    hosted_model_on_bedrock: bool
    bedrock_batch_supported: bool
    model_weights_gb: float
    model_memory_gb: float
    gpu_needed: bool
    model_fits_lambda: bool
    model_fits_one_instance: bool
    lambda_tokens_per_second: float
    lambda_inference_seconds: float
    inference_busy_seconds_per_day: float
    inference_utilization: float
    gpu_replicas: int
    gpu_tokens_per_s_per_replica: float
    gpu_utilization: float
    gpu_batch: int
    model_seconds: float
    lambda_cold_start_s: float
    snapstart_cold_start_s: float
    monthly_input_tokens: float
    monthly_output_tokens: float
    vector_index_gb: float
    context_gb: float
    aurora_acus_needed: float
    peak_inference_concurrency: float
    hot_ram_gb: float
    peak_tokens_per_minute: float
    bedrock_tokens_per_minute_quota: float
    # Where Bedrock serves the profile's hosted model in its region (placement/regions.yaml), in
    # words (regions.SERVED_WORDS): "in the region", "by cross-region inference only", "not served",
    # "not recorded"; "" when no Bedrock model is named.
    bedrock_model_served: str
    bedrock_model_in_region: bool
    bedrock_model_cross_region_only: bool
    bedrock_cross_region_profiles: str

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)  # every fact is a plain number, bool or string


# Label and unit of every fact, for people reading a page or a report.
FACT_LABELS: dict[str, tuple[str, str]] = {
    "requests_per_month": ("Requests a month", "requests"),
    "average_rps": ("Average request rate", "req/s"),
    "active_hours_per_day": ("Hours of traffic a day", "h"),
    "active_rps": ("Rate while traffic is on", "req/s"),
    "peak_rps": ("Peak request rate", "req/s"),
    "average_concurrency": ("Average concurrency (Little's law)", "requests"),
    "peak_concurrency": ("Peak concurrency", "requests"),
    "fleet_size_for_peak": ("Always-on slots for the peak", "slots"),
    "utilization": ("Busy share of the container fleet you would run", "0..1"),
    "cpu_share": ("CPU share of a request (1 - wait)", "0..1"),
    "cpu_utilization": ("CPU utilisation of that fleet", "0..1"),
    "wait_seconds_per_request": ("Waiting per request", "s"),
    "monthly_gb_seconds": ("Lambda GB-seconds a month", "GB-s"),
    "lambda_vcpus": ("vCPUs Lambda gives at this memory", "vCPU"),
    "lambda_fits_memory": ("Fits Lambda's 10,240 MB", ""),
    "lambda_fits_duration": ("Fits Lambda's 15 minutes", ""),
    "lambda_concurrency_share": ("Peak share of 1,000 concurrent executions", "0..1"),
    "pre_post_cpu_seconds": ("Pre/post-processing CPU", "s/request"),
    "per_step_seconds": ("Average step duration", "s"),
    "human_wait_seconds": ("Longest human wait", "s"),
    "state_gb_written_per_month": ("State checkpointed a month", "GB"),
    "self_hosted": ("Self-hosted model", ""),
    "hosted_model_on_bedrock": ("Hosted model served by Bedrock", ""),
    "bedrock_batch_supported": ("Bedrock batch inference offered for the model", ""),
    "model_weights_gb": ("Model weights", "GB"),
    "model_memory_gb": ("Model memory: weights and one sequence's KV cache", "GB"),
    "gpu_needed": ("Needs a GPU", ""),
    "model_fits_lambda": ("Model fits a 10 GB function", ""),
    "model_fits_one_instance": ("Model fits the accelerators of one instance", ""),
    "lambda_tokens_per_second": ("Tokens/s on a 10 GB Arm function (est.)", "tokens/s"),
    "lambda_inference_seconds": ("Inference time on Lambda (est.)", "s"),
    "inference_busy_seconds_per_day": ("Inference busy time a day", "s"),
    "inference_utilization": ("Utilisation of the always-on model servers", "0..1"),
    "gpu_replicas": ("GPU instances serving the model at the peak", "instances"),
    "gpu_tokens_per_s_per_replica": ("Output tokens/s one GPU instance sustains", "tokens/s"),
    "gpu_utilization": ("Average utilisation of the GPU fleet", "0..1"),
    "gpu_batch": ("Sequences one GPU instance serves at once", "sequences"),
    "lambda_cold_start_s": ("Cold start with the model loaded from S3", "s"),
    "snapstart_cold_start_s": ("Cold start with SnapStart", "s"),
    "monthly_input_tokens": ("Input tokens a month", "tokens"),
    "monthly_output_tokens": ("Output tokens a month", "tokens"),
    "vector_index_gb": ("Vector index in RAM (HNSW)", "GB"),
    "aurora_acus_needed": ("Aurora Serverless v2 capacity to hold the context in RAM", "ACU"),
    "context_gb": ("Context to keep hot", "GB"),
    "lambda_memory_mb": ("Memory a function gets", "MB"),
    "lambda_worst_case_s": ("Worst case on a function, at that memory", "s"),
    "lambda_scale_up_s": ("Time for Lambda to scale out to the peak", "s"),
    "model_seconds": ("Model time per request", "s"),
    "peak_inference_concurrency": ("Requests in the model at the peak", "requests"),
    "hot_ram_gb": ("RAM to hold the context, with headroom", "GB"),
    "peak_tokens_per_minute": ("Tokens a minute at the peak", "tokens/min"),
    "bedrock_tokens_per_minute_quota": (
        "Bedrock's default tokens a minute for the model (0: unknown)",
        "tokens/min",
    ),
    "bedrock_model_served": ("How Bedrock serves the model in the region", ""),
    "bedrock_model_in_region": ("Model served in the region itself", ""),
    "bedrock_model_cross_region_only": ("Model served in the region only by cross-region inference", ""),
    "bedrock_cross_region_profiles": ("Cross-region inference profiles that serve it", ""),
}


def derive_facts(p: WorkloadProfile) -> Facts:
    """All facts of a profile. Pure: the same profile always gives the same facts."""
    traffic = _traffic(p)
    model = _model(p)
    inference = _inference(p, model, traffic)
    context = _context(p)
    values = {
        **traffic,
        **_lambda_fit(p, traffic),
        **_orchestration(p),
        **model,
        **inference,
        **context,
        **_limit_checks(p, traffic, inference, context),  # model_seconds again, as the limits read it
        **_region_facts(p, model),
    }
    return Facts(**values)


def lambda_vcpus(memory_mb: float) -> float:
    """vCPUs Lambda allocates at a memory size: proportional, 1,769 MB per vCPU, 6 at most."""
    return min(LAMBDA_MAX_VCPUS, memory_mb / LAMBDA_MB_PER_VCPU)


def _traffic(p: WorkloadProfile) -> dict[str, Any]:
    active_hours = ACTIVE_HOURS_PER_DAY[p.pattern]
    average_rps = p.requests_per_day / 86_400
    active_rps = p.requests_per_day / (active_hours * 3_600)
    peak_rps = active_rps * p.peak_to_average
    # Little's law: requests in flight = arrival rate x time in the system.
    average_concurrency = average_rps * p.request_duration_s
    peak_concurrency = peak_rps * p.request_duration_s
    fleet = max(1, math.ceil(peak_concurrency - 1e-9))
    cpu_share = 1.0 - p.wait_fraction
    traffic = {
        "requests_per_month": p.requests_per_day * DAYS_PER_MONTH,
        "average_rps": average_rps,
        "active_hours_per_day": active_hours,
        "active_rps": active_rps,
        "peak_rps": peak_rps,
        "average_concurrency": average_concurrency,
        "peak_concurrency": peak_concurrency,
        "cpu_share": cpu_share,
    }
    utilization = fleet_utilization(p, traffic)
    return {
        **traffic,
        "fleet_size_for_peak": fleet,
        "utilization": utilization,
        "cpu_utilization": utilization * cpu_share,
        "wait_seconds_per_request": p.request_duration_s * p.wait_fraction,
        "monthly_gb_seconds": p.requests_per_day * DAYS_PER_MONTH * p.request_duration_s * p.memory_mb / 1024,
    }


def fleet_utilization(p: WorkloadProfile, traffic: dict[str, Any]) -> float:
    """The busy share of the container fleet an engineer would actually run (the 15% rule's sense).

    The fleet is the one the containers are priced for (``sizing.nerves_fleet``): a
    minimum of tasks for availability, whole tasks of one size, target tracking that
    keeps headroom, the peak hour. Busy task-hours are the requests' time in flight
    divided by what one task holds. So utilisation grows with volume, from a few
    percent for an idle pair of tasks towards the scaling target for a large fleet.
    """
    from types import SimpleNamespace

    from placement import sizing  # sizing reads this module's constants

    # nerves_fleet reads only these traffic facts, before the Facts themselves exist.
    fleet = sizing.nerves_fleet(p, cast(Facts, SimpleNamespace(**traffic)))
    busy_task_hours = traffic["requests_per_month"] * p.request_duration_s / fleet.in_flight_per_task / 3_600
    return min(1.0, busy_task_hours / fleet.task_hours) if fleet.task_hours else 0.0


def _lambda_fit(p: WorkloadProfile, traffic: dict[str, Any]) -> dict[str, Any]:
    from placement import sizing

    config = sizing.lambda_config(
        p, p.request_duration_s * traffic["cpu_share"], p.request_duration_s * p.wait_fraction
    )
    worst = sizing.lambda_worst_case_s(p, config.memory_mb)
    return {
        "lambda_vcpus": lambda_vcpus(min(p.memory_mb, LAMBDA_MAX_MEMORY_MB)),
        "lambda_fits_memory": p.memory_mb <= LAMBDA_MAX_MEMORY_MB,
        "lambda_fits_duration": worst < LAMBDA_TIMEOUT_S,
        "lambda_concurrency_share": traffic["peak_concurrency"] / LAMBDA_CONCURRENCY_DEFAULT,
        "lambda_memory_mb": config.memory_mb,
        "lambda_worst_case_s": worst,
        # Lambda adds a fixed number of environments every 10 s per function.
        "lambda_scale_up_s": 10 * math.ceil(traffic["peak_concurrency"] / LAMBDA_SCALING_PER_10S),
    }


def _orchestration(p: WorkloadProfile) -> dict[str, Any]:
    steps = max(1, p.orchestration_steps)
    written_kb = p.requests_per_day * DAYS_PER_MONTH * steps * p.state_kb
    return {
        "pre_post_cpu_seconds": p.pre_post_processing_ms / 1000,
        "per_step_seconds": p.max_duration_s / steps,
        "human_wait_seconds": p.human_wait_hours * 3_600,
        "state_gb_written_per_month": written_kb / 1024**2,
    }


def _model(p: WorkloadProfile) -> dict[str, Any]:
    # The same for every volume and wait of a profile: a break-even search asks at each point.
    return _model_of(p.inference, serving.need_of(p), p.gpu_required, p.hosted_model, p.region)


@lru_cache(maxsize=4096)
def _model_of(
    inference: str, need: serving.Need, gpu_required: bool | None, hosted_model: str | None, region: str
) -> dict[str, Any]:
    self_hosted = inference == "self_hosted"
    hosted = inference == "hosted_api"
    # Weights at the precision's bytes per weight, plus the KV cache of one sequence at the
    # profile's context (placement/serving.py): what any one server must hold at the least.
    weights_gb = need.weights_gb if self_hosted else 0.0
    memory_gb = serving.memory_gb(need, 1) if self_hosted else 0.0
    if gpu_required is not None:
        gpu_needed = self_hosted and gpu_required
    else:
        gpu_needed = self_hosted and (
            need.params_b > GPU_PARAMS_THRESHOLD_B or memory_gb > LAMBDA_MODEL_BUDGET_GB
        )
    return {
        "self_hosted": self_hosted,
        "hosted_model_on_bedrock": hosted and hosted_model in bedrock_models(region),
        "bedrock_batch_supported": hosted and hosted_model in bedrock_batch_models(region),
        "model_weights_gb": weights_gb,
        "model_memory_gb": memory_gb,
        "gpu_needed": gpu_needed,
        "model_fits_lambda": self_hosted and memory_gb <= LAMBDA_MODEL_BUDGET_GB,
        # Whether any single GPU instance holds it with room for a batch (serving.plan says which,
        # at what price).
        "model_fits_one_instance": not gpu_needed or _fits_one_instance(need),
    }


@lru_cache(maxsize=1024)
def _fits_one_instance(need: serving.Need) -> bool:
    """Whether any GPU instance of the table holds the model and a minimum batch, priced or not."""
    return any(serving.holds(need, spec) for spec in instances.offered("ec2"))


def gpu_serving(p: WorkloadProfile, traffic: dict[str, Any]) -> serving.ServingPlan:
    """The EC2 GPU fleet that serves the profile's model (the catalog of its region decides the
    instance); ``costs`` sizes each placement's own family with its own catalog alike."""
    from placement.sizing import TARGET_UTILIZATION  # sizing reads this module's constants

    peak, mean = traffic["peak_rps"], traffic["average_rps"]
    need = serving.need_of(p)
    plan = serving.plan(need, peak, mean, "ec2", serving.region_catalog(p.region), TARGET_UTILIZATION)
    if not plan.fits and _fits_one_instance(need):  # a catalog without GPU prices: size it unpriced
        plan = serving.plan(need, peak, mean, "ec2", None, TARGET_UTILIZATION)
    return plan


def _inference(p: WorkloadProfile, model: dict[str, Any], traffic: dict[str, Any]) -> dict[str, Any]:
    weights = model["model_weights_gb"]
    if weights > 0:
        tokens_per_s = (
            min(LAMBDA_MAX_TOKENS_PER_S, LAMBDA_TOKENS_PER_S_AT_1GB / math.sqrt(weights)) * ARM_SPEEDUP
        )
        lambda_seconds = p.output_tokens / tokens_per_s
    else:
        tokens_per_s, lambda_seconds = 0.0, 0.0
    fleet = gpu_serving(p, traffic) if model["gpu_needed"] else None
    seconds = _model_seconds(p, model, lambda_seconds, fleet)
    if fleet is not None and fleet.fits:
        # Replica-seconds of work a day: each request holds one of a replica's slots for its time.
        busy = p.requests_per_day * fleet.request_seconds / fleet.slots
        utilization = fleet.utilization
    elif fleet is not None:  # no single instance holds it: no fleet is sized
        busy, utilization = p.requests_per_day * seconds, 0.0
    else:
        busy = p.requests_per_day * seconds
        utilization = min(1.0, busy / 86_400)
    return {
        "lambda_tokens_per_second": tokens_per_s,
        "lambda_inference_seconds": lambda_seconds,
        "inference_busy_seconds_per_day": busy,
        "inference_utilization": utilization,
        "gpu_replicas": fleet.replicas if fleet else 0,
        "gpu_tokens_per_s_per_replica": fleet.tokens_per_s_per_replica if fleet else 0.0,
        "gpu_utilization": fleet.utilization if fleet else 0.0,
        "gpu_batch": fleet.slots if fleet else 0,
        "model_seconds": seconds if p.requests_per_day else 0.0,
        "lambda_cold_start_s": RUNTIME_INIT_S + weights / MODEL_LOAD_GB_PER_S,
        "snapstart_cold_start_s": SNAPSTART_RESTORE_S if weights > 0 else RUNTIME_INIT_S,
        "monthly_input_tokens": p.requests_per_day * DAYS_PER_MONTH * p.input_tokens,
        "monthly_output_tokens": p.requests_per_day * DAYS_PER_MONTH * p.output_tokens,
    }


def _model_seconds(
    p: WorkloadProfile, model: dict[str, Any], lambda_seconds: float, fleet: serving.ServingPlan | None
) -> float:
    """Model time per request: as stated, else estimated for the hardware (on a GPU, the time a
    request holds its slot in the sized fleet's batch)."""
    if not model["self_hosted"]:
        return 0.0
    if p.inference_seconds > 0:
        return p.inference_seconds
    if fleet is not None and fleet.fits:
        return fleet.request_seconds
    return p.output_tokens / GPU_TOKENS_PER_S if model["gpu_needed"] else lambda_seconds


def _limit_checks(
    p: WorkloadProfile, traffic: dict[str, Any], inference: dict[str, Any], context: dict[str, Any]
) -> dict[str, Any]:
    """The quantities the limit rules compare (and sizing uses): model time, RAM to hold, tokens
    at the peak."""
    per_request = inference["model_seconds"]
    tokens_per_minute = traffic["peak_rps"] * 60 * (p.input_tokens + p.output_tokens)
    return {
        "model_seconds": per_request,
        "peak_inference_concurrency": traffic["peak_rps"] * per_request,
        "hot_ram_gb": context["context_gb"] * HOT_RAM_HEADROOM,
        "peak_tokens_per_minute": tokens_per_minute if p.inference == "hosted_api" else 0.0,
        "bedrock_tokens_per_minute_quota": _BEDROCK_TPM.get(p.hosted_model or "", 0.0),
    }


def _region_facts(p: WorkloadProfile, model: dict[str, Any]) -> dict[str, Any]:
    """Where Bedrock serves the hosted model in the profile's region: data residency turns on it."""
    if not model["hosted_model_on_bedrock"]:
        return {
            "bedrock_model_served": "",
            "bedrock_model_in_region": False,
            "bedrock_model_cross_region_only": False,
            "bedrock_cross_region_profiles": "",
        }
    where = regions.bedrock_availability(p.hosted_model, p.region)
    return {
        "bedrock_model_served": regions.SERVED_WORDS[where.served],
        "bedrock_model_in_region": where.served == "in_region",
        "bedrock_model_cross_region_only": where.served == "cross_region",
        "bedrock_cross_region_profiles": where.profiles,
    }


def _context(p: WorkloadProfile) -> dict[str, Any]:
    """The retrieval index in RAM as an HNSW graph (placement/stores.py, the same formula the
    OpenSearch OCUs are sized from), and the context to keep hot."""
    index_gb = stores.hnsw_index_gb(p.vector_count, p.embedding_dim)
    context_gb = p.hot_context_gb + index_gb
    return {
        "vector_index_gb": index_gb,
        "context_gb": context_gb,
        "aurora_acus_needed": stores.aurora_acus(context_gb),
    }
