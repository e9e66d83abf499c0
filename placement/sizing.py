"""How much capacity each placement needs for a profile: memory, tasks, instances.

Sizing is separate from pricing so each assumption is stated once, in a constant
with its reason, and every cost line can quote it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from placement import instances, serving
from placement.constants import MATRIX_CONSTANTS
from placement.facts import (
    DAYS_PER_MONTH,
    LAMBDA_MAX_MEMORY_MB,
    LAMBDA_MB_PER_VCPU,
    LAMBDA_TIMEOUT_S,
    Facts,
    lambda_vcpus,
)
from placement.pricing import Catalog, load_catalog
from placement.profile import WorkloadProfile
from placement.wording import plural

LAMBDA_FULL_VCPU_MB = LAMBDA_MB_PER_VCPU
# From this share of a hard limit a placement is "close" (the matrix's threshold).
LIMIT_WARNING_SHARE = MATRIX_CONSTANTS["limit_warning_share"]
# Synchronous callers wait for the CPU part: from half a second of it, a full vCPU pays off.
SYNC_CPU_WORTH_A_VCPU_S = 0.5
# A synchronous p95 target under this leaves no room for a cold start.
WARM_CAPACITY_SLO_MS = MATRIX_CONSTANTS["cold_start_slo_ms"]
# A warm Lambda environment is reclaimed after roughly this much idleness.
WARM_ENVIRONMENT_IDLE_S = 600
# Target utilisation of provisioned capacity: 30% headroom absorbs bursts
# while target tracking catches up.
TARGET_UTILIZATION = 0.7
# A non-blocking server holds many waiting requests per vCPU; past this the
# event loop, memory and connection pools become the limit.
MAX_IN_FLIGHT_PER_VCPU = 50
# Synchronous services keep two tasks in two zones; asynchronous work can run on one.
MIN_TASKS_SYNC, MIN_TASKS_ASYNC = 2, 1
# Peaks above the active-hours average last about an hour a day.
PEAK_HOURS_PER_DAY = 1.0
ECS_PACKING_EFFICIENCY = 0.85  # tasks never fill instances perfectly
FARGATE_MAX_GB_PER_VCPU = 8


@dataclass(frozen=True)
class Instance:
    name: str
    vcpu: int
    memory_gb: float
    accelerator_gb: float = 0.0  # GPU memory in all
    gpus: int = 0
    accelerator: str = ""  # the accelerator's model, e.g. "L40S"

    def describe(self) -> str:
        """'g6e.12xlarge (4 x L40S, 192 GB)'."""
        if not self.gpus:
            return self.name
        return f"{self.name} ({self.gpus} x {self.accelerator}, {self.accelerator_gb:,.0f} GB)"


def _instance(spec: instances.AcceleratedInstance, family: str) -> Instance:
    return Instance(
        spec.type_name(family),
        spec.vcpu,
        spec.memory_gb,
        spec.total_accelerator_gb,
        spec.accelerators,
        spec.accelerator,
    )


SAGEMAKER_CPU = Instance("ml.m5.large", 2, 8)
CPU_INSTANCE = Instance("c7g.xlarge", 4, 8)
GENERAL_INSTANCE = Instance("m7g.large", 2, 8)
# Memory-optimised instances, for RAM held in containers (the Memory layer on ECS on EC2).
MEMORY_INSTANCES = (Instance("r7g.large", 2, 16), Instance("r7g.xlarge", 4, 32))
# What an ECS (or EKS, or Batch) cluster's tasks may be packed on: the general-purpose
# instance, or for a task too large for it the cheapest of the others that holds one.
CONTAINER_INSTANCES = (GENERAL_INSTANCE, CPU_INSTANCE, *MEMORY_INSTANCES)


@dataclass(frozen=True)
class Fleet:
    """Container capacity over a month: tasks of one size, scaled by traffic."""

    vcpu: float
    memory_gb: float
    min_tasks: int
    active_tasks: int
    peak_tasks: int
    task_hours: float
    in_flight_per_task: float

    def describe(self) -> str:
        return (
            f"tasks of {self.vcpu:g} vCPU / {self.memory_gb:g} GB holding about "
            f"{plural(f'{self.in_flight_per_task:.0f}', 'request')} each; {self.min_tasks} always on, "
            f"{self.active_tasks} while traffic is on, {self.peak_tasks} at the peak"
        )


@dataclass(frozen=True)
class LambdaConfig:
    memory_mb: int
    duration_s: float
    note: str | None


def lambda_config(p: WorkloadProfile, cpu_s: float, wait_s: float) -> LambdaConfig:
    """Memory and billed duration of a function doing ``cpu_s`` of CPU work and ``wait_s`` of waiting.

    The CPU part is taken as measured on a full vCPU; below 1,769 MB a function
    gets a slice of one, so that part stretches (the memory trap). Per CPU-second
    the bill is the same, but the answer comes later: synchronous work with real
    CPU time gets a full vCPU, everything else keeps the memory it asked for.
    """
    memory = min(p.memory_mb, LAMBDA_MAX_MEMORY_MB)
    note = None
    if memory < LAMBDA_FULL_VCPU_MB and cpu_s > 0:
        slow = cpu_s / lambda_vcpus(memory)
        near_timeout = lambda_worst_case_s(p, memory) >= LAMBDA_TIMEOUT_S * LIMIT_WARNING_SHARE
        if (p.trigger == "api" and cpu_s >= SYNC_CPU_WORTH_A_VCPU_S) or near_timeout:
            why = "keeps the worst case clear of the 15-minute limit" if near_timeout else "answers sooner"
            note = (
                f"{LAMBDA_FULL_VCPU_MB:,} MB instead of {memory:,} MB, so the {cpu_s:.2f} s of CPU "
                f"work runs on a full vCPU rather than taking {slow:.2f} s (the memory trap); "
                f"it {why}."
            )
            memory = LAMBDA_FULL_VCPU_MB
        else:
            note = (
                f"At {memory:,} MB a function gets {lambda_vcpus(memory):.2f} vCPU: the {cpu_s:.2f} s "
                f"of CPU work takes {slow:.2f} s (the memory trap), billed alike per CPU-second."
            )
    duration = wait_s + cpu_s / min(1.0, lambda_vcpus(memory))
    return LambdaConfig(memory, duration, note)


def lambda_worst_case_s(p: WorkloadProfile, memory_mb: int) -> float:
    """The profile's worst case (p99) on a function of ``memory_mb``: its CPU part stretches
    below a full vCPU, its waiting does not."""
    cpu = p.max_duration_s * (1 - p.wait_fraction)
    return p.max_duration_s * p.wait_fraction + cpu / min(1.0, lambda_vcpus(memory_mb))


def provisioned_concurrency(p: WorkloadProfile, f: Facts, duration_s: float) -> int:
    """Environments kept warm for a tight synchronous latency target; 0 when none is needed."""
    if p.trigger != "api" or p.latency_slo_ms is None or p.latency_slo_ms >= WARM_CAPACITY_SLO_MS:
        return 0
    return math.ceil(f.active_rps * duration_s / TARGET_UTILIZATION) or 1


def cold_starts_per_month(f: Facts) -> float:
    """Requests that find no warm environment: the gap before them exceeds the idle timeout.

    With Poisson arrivals at the active rate, a gap longer than T has probability exp(-rate*T).
    """
    return f.requests_per_month * math.exp(-f.active_rps * WARM_ENVIRONMENT_IDLE_S)


# The task sizes Fargate runs from 1 vCPU up: vCPU -> (least memory, most memory, step), in GB.
# https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task-cpu-memory-error.html
# ("Troubleshoot Amazon ECS task definition invalid CPU or memory errors", read 2026-12-01).
FARGATE_TASK_SIZES: dict[int, tuple[int, int, int]] = {
    1: (2, 8, 1),
    2: (4, 16, 1),
    4: (8, 30, 1),
    8: (16, 60, 4),
    16: (32, 120, 8),
}


def task_size(vcpu: float, memory_gb: float) -> tuple[float, float]:
    """The smallest task Fargate runs with at least ``vcpu`` and ``memory_gb`` (no 3-vCPU task,
    no 31 GB on 4 vCPU); the size as asked when none holds it (then only EC2 can run it)."""
    for size, (least, most, step) in FARGATE_TASK_SIZES.items():
        if size >= vcpu and most >= memory_gb:
            memory = max(least, math.ceil(memory_gb / step) * step)
            # A size that needs no change is returned as given (2.0 GB stays 2.0 in the lines' details).
            return (vcpu if size == vcpu else size), (memory_gb if memory == memory_gb else memory)
    return vcpu, memory_gb


def nerves_task_size(p: WorkloadProfile) -> tuple[float, float]:
    """A Nerves task's vCPUs and memory (GB): twice what the code needs, on a size Fargate runs."""
    memory_gb = max(2.0, math.ceil(p.memory_mb / 1024 * 2))
    return task_size(max(1, math.ceil(memory_gb / FARGATE_MAX_GB_PER_VCPU)), memory_gb)


def nerves_fleet(p: WorkloadProfile, f: Facts) -> Fleet:
    """Containers for the orchestration: concurrency bounded by each request's CPU share."""
    vcpu, memory_gb = nerves_task_size(p)
    in_flight = vcpu * min(MAX_IN_FLIGHT_PER_VCPU, 1 / max(f.cpu_share, 1 / MAX_IN_FLIGHT_PER_VCPU))
    # Memory also bounds what a task holds: each in-flight request keeps its working set.
    in_flight = max(1.0, min(in_flight, memory_gb * 1024 / p.memory_mb * 4))
    return _fleet(p, f, vcpu, memory_gb, in_flight, f.active_rps * p.request_duration_s, f.peak_concurrency)


def _fleet(
    p: WorkloadProfile,
    f: Facts,
    vcpu: float,
    memory_gb: float,
    in_flight: float,
    active_concurrency: float,
    peak_concurrency: float,
) -> Fleet:
    minimum = MIN_TASKS_SYNC if p.trigger == "api" else MIN_TASKS_ASYNC
    per_task = in_flight * TARGET_UTILIZATION
    active = max(minimum, math.ceil(active_concurrency / per_task)) if p.requests_per_day else minimum
    peak = max(active, math.ceil(peak_concurrency / per_task))
    active_h = f.active_hours_per_day
    peak_h = min(PEAK_HOURS_PER_DAY, active_h)
    daily = (active_h - peak_h) * active + peak_h * peak + (24 - active_h) * minimum
    return Fleet(
        vcpu=vcpu,
        memory_gb=memory_gb,
        min_tasks=minimum,
        active_tasks=active,
        peak_tasks=peak,
        task_hours=daily * DAYS_PER_MONTH,
        in_flight_per_task=in_flight,
    )


def tasks_per_instance(fleet: Fleet, instance: Instance) -> int:
    """Whole tasks of the fleet's size one instance holds (0: a task is larger than it)."""
    return math.floor(min(instance.vcpu / fleet.vcpu, instance.memory_gb / fleet.memory_gb))


def container_instance(fleet: Fleet, catalog: Catalog) -> Instance | None:
    """The instance a fleet's tasks are packed on: the general-purpose one when a task fits it,
    else the cheapest per task of the priced instances that hold one; None when none does."""
    if tasks_per_instance(fleet, GENERAL_INSTANCE) >= 1:
        return GENERAL_INSTANCE
    holding = [
        i for i in CONTAINER_INSTANCES if tasks_per_instance(fleet, i) >= 1 and catalog.has(f"ec2.{i.name}")
    ]
    return min(
        holding,
        key=lambda i: catalog.unit_price(f"ec2.{i.name}") / tasks_per_instance(fleet, i),
        default=None,
    )


def instances_for_fleet(fleet: Fleet, instance: Instance = GENERAL_INSTANCE) -> float:
    """EC2 instance-hours that carry a fleet's task-hours, packed imperfectly."""
    per_instance = tasks_per_instance(fleet, instance)
    if per_instance < 1:
        raise ValueError(
            f"a task of {fleet.vcpu:g} vCPU / {fleet.memory_gb:g} GB does not fit on {instance.name}"
        )
    return fleet.task_hours / per_instance / ECS_PACKING_EFFICIENCY


def memory_instances(hot_ram_gb: float, copies: int, catalog: Catalog) -> tuple[Instance, int]:
    """The memory-optimised instances that hold ``hot_ram_gb`` in RAM, ``copies`` times over
    (one per Availability Zone): the type with the cheapest fleet among those priced, and how
    many. With none of them priced, the general-purpose instance."""
    options = [i for i in MEMORY_INSTANCES if catalog.has(f"ec2.{i.name}")] or [GENERAL_INSTANCE]

    def count(instance: Instance) -> int:
        return max(1, math.ceil(hot_ram_gb / (instance.memory_gb * ECS_PACKING_EFFICIENCY) - 1e-9)) * copies

    instance = min(options, key=lambda i: count(i) * catalog.unit_price(f"ec2.{i.name}"))
    return instance, count(instance)


def no_container_instance(fleet: Fleet) -> str:
    """Why a fleet's tasks cannot be priced on EC2: none of the priced instances holds one."""
    largest = max(CONTAINER_INSTANCES, key=lambda i: (i.memory_gb, i.vcpu))
    return (
        f"No instance type in the price catalog holds one task of {fleet.vcpu:g} vCPU / "
        f"{fleet.memory_gb:g} GB (the largest, {largest.name}, has {largest.vcpu:g} vCPU / "
        f"{largest.memory_gb:g} GB): not priced on EC2."
    )


@dataclass(frozen=True)
class Fit:
    """Where a model fits and how it is served: the fleet (placement/serving.py), or why none."""

    instance: Instance | None  # None: no single instance of the family holds the model
    fits: bool
    advice: str  # what it needs and which instance holds it, or what would make it fit
    plan: serving.ServingPlan


def gpu_serving(
    p: WorkloadProfile, f: Facts, family: str = "ec2", catalog: Catalog | None = None
) -> serving.ServingPlan:
    """The cheapest fleet of one GPU instance type of ``family`` (``ec2`` or ``sagemaker``) that
    serves the profile's model at its peak, from the catalog's prices (placement/serving.py)."""
    return serving.plan(
        serving.need_of(p), f.peak_rps, f.average_rps, family, catalog or load_catalog(), TARGET_UTILIZATION
    )


def model_fit(p: WorkloadProfile, f: Facts, family: str = "ec2", catalog: Catalog | None = None) -> Fit:
    """The instance that serves the model with tensor parallelism inside one node, or, when none
    holds it, which precision would fit where, or how many nodes it needs."""
    plan = gpu_serving(p, f, family, catalog)
    instance = _instance(plan.engine.spec, family) if plan.fits and plan.engine else None
    return Fit(instance, plan.fits, plan.fit_text, plan)


def inference_servers(p: WorkloadProfile, f: Facts, streams_per_server: float = 1) -> int:
    """Always-on CPU model servers for the peak, each answering ``streams_per_server`` at once
    (GPU fleets come from ``gpu_serving``)."""
    peak_streams = f.peak_rps * f.model_seconds
    return max(1, math.ceil(peak_streams / (streams_per_server * TARGET_UTILIZATION)))


def busy_instance_hours(p: WorkloadProfile, f: Facts, streams_per_server: float = 1) -> float:
    """Instance-hours of a CPU fleet that scales to zero between bursts (asynchronous inference)."""
    busy_hours = f.inference_busy_seconds_per_day * DAYS_PER_MONTH / 3600
    return busy_hours / streams_per_server / TARGET_UTILIZATION


def gpu_busy_instance_hours(f: Facts, plan: serving.ServingPlan) -> float:
    """Instance-hours of a GPU fleet that scales to zero between bursts: each request holds one
    of an instance's batch slots for its time, at the target utilisation."""
    busy_hours = f.requests_per_month * plan.request_seconds / plan.slots / 3600
    return busy_hours / TARGET_UTILIZATION
