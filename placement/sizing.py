"""How much capacity each placement needs for a profile: memory, tasks, instances.

Sizing is separate from pricing so each assumption is stated once, in a constant
with its reason, and every cost line can quote it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from placement.facts import (DAYS_PER_MONTH, LAMBDA_MAX_MEMORY_MB, LAMBDA_MB_PER_VCPU, Facts,
                             lambda_vcpus)
from placement.profile import WorkloadProfile

LAMBDA_FULL_VCPU_MB = LAMBDA_MB_PER_VCPU
# Synchronous callers wait for the CPU part: from half a second of it, a full vCPU pays off.
SYNC_CPU_WORTH_A_VCPU_S = 0.5
# A synchronous p95 target under this leaves no room for a cold start.
WARM_CAPACITY_SLO_MS = 1000
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
# LLM servers batch concurrent requests: concurrent streams per GPU at a modest slowdown.
STREAMS_PER_GPU_SERVER = 8
ECS_PACKING_EFFICIENCY = 0.85  # tasks never fill instances perfectly
HOT_RAM_HEADROOM = 1.25  # data structures, fragmentation, the process itself
FARGATE_MAX_GB_PER_VCPU = 8


@dataclass(frozen=True)
class Instance:
    name: str
    vcpu: int
    memory_gb: float
    accelerator_gb: float = 0.0  # GPU memory in all
    gpus: int = 0


# Instances the shipped catalog prices; smallest first within each kind.
GPU_INSTANCES = (
    Instance("g6.xlarge", 4, 16, 24, 1), Instance("g5.xlarge", 4, 16, 24, 1),
    Instance("g6e.xlarge", 4, 32, 48, 1), Instance("g5.12xlarge", 48, 192, 96, 4),
    Instance("p4d.24xlarge", 96, 1152, 320, 8), Instance("p5.48xlarge", 192, 2048, 640, 8),
)
SAGEMAKER_GPU = Instance("ml.g5.xlarge", 4, 16, 24, 1)
SAGEMAKER_CPU = Instance("ml.m5.large", 2, 8)
CPU_INSTANCE = Instance("c7g.xlarge", 4, 8)
GENERAL_INSTANCE = Instance("m7g.large", 2, 8)


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
        return (f"tasks of {self.vcpu:g} vCPU / {self.memory_gb:g} GB holding about "
                f"{self.in_flight_per_task:.0f} requests each; {self.min_tasks} always on, "
                f"{self.active_tasks} while traffic is on, {self.peak_tasks} at the peak")


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
        if p.trigger == "api" and cpu_s >= SYNC_CPU_WORTH_A_VCPU_S:
            note = (f"{LAMBDA_FULL_VCPU_MB:,} MB instead of {memory:,} MB, so the {cpu_s:.2f} s of CPU "
                    f"work runs on a full vCPU rather than taking {slow:.2f} s (the memory trap).")
            memory = LAMBDA_FULL_VCPU_MB
        else:
            note = (f"At {memory:,} MB a function gets {lambda_vcpus(memory):.2f} vCPU: the {cpu_s:.2f} s "
                    f"of CPU work takes {slow:.2f} s (the memory trap), billed alike per CPU-second.")
    duration = wait_s + cpu_s / min(1.0, lambda_vcpus(memory))
    return LambdaConfig(memory, duration, note)


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


def nerves_fleet(p: WorkloadProfile, f: Facts) -> Fleet:
    """Containers for the orchestration: concurrency bounded by each request's CPU share."""
    memory_gb = max(2.0, math.ceil(p.memory_mb / 1024 * 2))
    vcpu = max(1, math.ceil(memory_gb / FARGATE_MAX_GB_PER_VCPU))
    in_flight = vcpu * min(MAX_IN_FLIGHT_PER_VCPU, 1 / max(f.cpu_share, 1 / MAX_IN_FLIGHT_PER_VCPU))
    # Memory also bounds what a task holds: each in-flight request keeps its working set.
    in_flight = max(1.0, min(in_flight, memory_gb * 1024 / p.memory_mb * 4))
    return _fleet(p, f, vcpu, memory_gb, in_flight, f.active_rps * p.request_duration_s,
                  f.peak_concurrency)


def _fleet(p: WorkloadProfile, f: Facts, vcpu: float, memory_gb: float, in_flight: float,
           active_concurrency: float, peak_concurrency: float) -> Fleet:
    minimum = MIN_TASKS_SYNC if p.trigger == "api" else MIN_TASKS_ASYNC
    per_task = in_flight * TARGET_UTILIZATION
    active = max(minimum, math.ceil(active_concurrency / per_task)) if p.requests_per_day else minimum
    peak = max(active, math.ceil(peak_concurrency / per_task))
    active_h = f.active_hours_per_day
    peak_h = min(PEAK_HOURS_PER_DAY, active_h)
    daily = (active_h - peak_h) * active + peak_h * peak + (24 - active_h) * minimum
    return Fleet(vcpu=vcpu, memory_gb=memory_gb, min_tasks=minimum, active_tasks=active,
                 peak_tasks=peak, task_hours=daily * DAYS_PER_MONTH, in_flight_per_task=in_flight)


def instances_for_fleet(fleet: Fleet, instance: Instance = GENERAL_INSTANCE) -> float:
    """EC2 instance-hours that carry a fleet's task-hours, packed imperfectly."""
    per_instance = max(1, math.floor(min(instance.vcpu / fleet.vcpu,
                                         instance.memory_gb / fleet.memory_gb)))
    return fleet.task_hours / per_instance / ECS_PACKING_EFFICIENCY


def gpu_instance(model_memory_gb: float) -> Instance | None:
    """The smallest GPU instance in the catalog whose accelerators hold the model."""
    fitting = [i for i in GPU_INSTANCES if i.accelerator_gb >= model_memory_gb]
    return min(fitting, key=lambda i: (i.accelerator_gb, i.name != "g6.xlarge")) if fitting else None


def model_seconds(p: WorkloadProfile, f: Facts) -> float:
    """Model compute per request: as stated, else the facts' estimate for the hardware."""
    return f.inference_busy_seconds_per_day / p.requests_per_day if p.requests_per_day else 0.0


def inference_servers(p: WorkloadProfile, f: Facts, streams_per_server: float) -> int:
    """Always-on model servers for the peak, with continuous batching."""
    peak_streams = f.peak_rps * model_seconds(p, f)
    return max(1, math.ceil(peak_streams / (streams_per_server * TARGET_UTILIZATION)))


def busy_instance_hours(p: WorkloadProfile, f: Facts, streams_per_server: float) -> float:
    """Instance-hours of a fleet that scales to zero between bursts (asynchronous inference)."""
    busy_hours = f.inference_busy_seconds_per_day * DAYS_PER_MONTH / 3600
    return busy_hours / streams_per_server / TARGET_UTILIZATION


def hot_ram_gb(f: Facts) -> float:
    return f.context_gb * HOT_RAM_HEADROOM

