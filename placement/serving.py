"""A self-hosted model's serving fleet, sized as an inference engineer would size it.

Sources are in docs/research/issue15-gpu-serving.md (read 2026-11-30; grades A/B/C there).

Memory of one model copy (replica engine), with tensor parallelism (TP) over ``tp`` devices
of one instance:

    weights   W = params x bytes per weight          (16-bit 2, 8-bit 1, 4-bit 0.5625, 32-bit 4)
    KV/token  kv = 2 x layers x kv_heads x head_dim x 2 bytes   (one K and one V, 16-bit cache)
    usable    U = tp x (0.9 x device memory - runtime overhead)  (vLLM gpu_memory_utilization 0.9)
    batch     B_mem = floor((U - W) / (kv x context))             (context = input + output tokens)

The profile gives only the parameter count, so layers and KV heads come from the nearest
known open model at or above that size (``SHAPES``, from the models' ``config.json``).

Throughput of one copy with continuous batching (vLLM-class, chunked prefill), a roofline:

    memory step  = (W + B x L x kv) / (tp x bandwidth x MBU x TP efficiency)   L = input + output/2
    compute step = B x (1 + input/output) x 2 x params / (tp x peak FLOPS x MFU)
                   (each new token's FLOPs plus its share of the prompts read in the same steps)
    t_step       = the slower of the two;  output tokens/s = B / t_step
    T            = output tokens x t_step   (a request's time in its batch slot)

The memory step is the research note's formula (its worked p4d example: about 2,600 tokens/s
at B = 64); the compute step is its "compute cap" with the prefill FLOPs added. B is the
smallest batch within 1% of the best throughput memory allows (at most vLLM's 256 sequences),
lowered while T exceeds the profile's latency target. Replicas (instances) come from the peak
request rate at the target utilisation; utilisation is the mean rate over what the replicas
serve, which is what the simulation measures with the same T and slots.

The fleet is one instance type: of the GPU instances (SageMaker ``ml.`` twins for endpoints,
EC2 otherwise) that hold the model, the one whose fleet for the peak costs least an hour, so a
quiet model gets the cheapest instance and a busy one the instance that serves tokens cheapest.
Inferentia2 (inf2) is sized and priced the same way but never chosen: it runs only models
compiled with the AWS Neuron SDK, which not every architecture supports and a profile does not
state; when its fleet would cost less, the notes say so.

Sources (research note section 4): weights and the 4.5-bit int4 figure,
https://dev.to/multigrid/memory-bandwidth-is-the-real-bottleneck-39ec; KV per token,
https://docs.rs/kv-cache-size/0.1.0/kv_cache_size/; gpu_memory_utilization 0.9,
https://docs.redhat.com/de/documentation/red_hat_ai_inference_server/3.4/html/vllm_server_arguments/key-server-arguments-server-arguments;
continuous batching, https://huggingface.co/papers/2309.06180 (vLLM, PagedAttention).

Assumptions (constants below, each marked): MBU 0.6, MFU 0.4, 0.85 tensor-parallel efficiency
over PCIe, 1.5 GB runtime overhead per device, a minimum batch of 4, and the shape table's use
for models of other sizes. The bandwidth and FLOPS figures are datasheet peaks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import NamedTuple, cast

from placement import instances
from placement.instances import AcceleratedInstance
from placement.pricing import Catalog, catalog_for_pricing
from placement.profile import WorkloadProfile
from placement.wording import plural

GB = 1e9
HOURS_PER_MONTH = 730.0  # AWS bills a month as 730 hours (as facts.HOURS_PER_MONTH)
# Bytes per weight. 4-bit checkpoints (AWQ/GPTQ) carry scales: about 4.5 bits a weight
# (modelfinder, research note section 4, B), so 0.5625 rather than 0.5.
BYTES_PER_WEIGHT = {32: 4.0, 16: 2.0, 8: 1.0, 4: 0.5625}
KV_BYTES = 2  # the KV cache kept at 16-bit, vLLM's default for 16-bit models
# vLLM's --gpu-memory-utilization default: weights, activations and KV cache share 90% of a
# device (Red Hat AI Inference Server docs, research note section 4, B).
GPU_MEMORY_UTILIZATION = 0.9
# Assumption: CUDA graphs, activations and the runtime take about 1.5 GB of each device
# (the research note's 1-2 GB, grade C).
RUNTIME_OVERHEAD_GB = 1.5
# Assumption: decode reaches 60% of the peak memory bandwidth (model bandwidth utilisation;
# well-tuned stacks report 70-85%, research note section 4, C).
MBU = 0.6
# Assumption: 40% of the peak FLOPS in compute-bound work (prefill), research note section 4, C.
MFU = 0.4
# Assumption: tensor parallelism over PCIe (g5, g6, g6e) loses about 15% to all-reduce traffic;
# NVLink (p4d, p5) and NeuronLink (inf2) are taken as lossless (research note, C).
PCIE_TP_EFFICIENCY = 0.85
# Assumption: a copy worth serving holds at least 4 sequences at once; fewer and the weights
# are read for too few tokens a step.
MIN_BATCH = 4
# vLLM's default --max-num-seqs: sequences one engine schedules at once (recalled, C).
MAX_BATCH = 256
TP_DEGREES = (1, 2, 4, 8)  # attention heads divide evenly (research note section 4)


@dataclass(frozen=True)
class ModelShape:
    """The layers and KV heads of an open model, from its ``config.json``."""

    name: str
    params_b: float
    layers: int
    kv_heads: int
    head_dim: int
    max_context: int
    source: str

    @property
    def kv_bytes_per_token(self) -> int:
        """2 (K and V) x layers x KV heads x head dimension x 2 bytes."""
        return 2 * self.layers * self.kv_heads * self.head_dim * KV_BYTES

    def describe(self) -> str:
        return f"{self.name} ({self.layers} layers, {self.kv_heads} KV heads)"


# Research note section 3: config.json of each model (grades A/B), smallest first.
SHAPES: tuple[ModelShape, ...] = (
    ModelShape(
        "Llama 3.2 1B",
        1.24,
        16,
        8,
        64,
        131_072,
        "https://huggingface.co/Emm9625/Llama-3.2-1B-chatml/blob/main/config.json",
    ),
    ModelShape(
        "Llama 3.2 3B",
        3.21,
        28,
        8,
        128,
        131_072,
        "https://huggingface.co/mfirth/l3t-bad/blob/main/config.json",
    ),
    ModelShape(
        "Mistral 7B v0.3",
        7.25,
        32,
        8,
        128,
        32_768,
        "https://huggingface.co/mistralai/Mistral-7B-Instruct-v0.3/blob/"
        "c170c708c41dac9275d15a8fff4eca08d52bab71/config.json",
    ),
    ModelShape(
        "Qwen2.5 7B", 7.61, 28, 4, 128, 32_768, "https://huggingface.co/Qwen/Qwen2.5-7B-Instruct-GPTQ-Int4"
    ),
    ModelShape(
        "Llama 3.1 8B",
        8.03,
        32,
        8,
        128,
        131_072,
        "https://huggingface.co/NbAiLab/nb-llama-3.1-8B/blob/main/config.json",
    ),
    ModelShape(
        "Gemma 2 9B",
        9.24,
        42,
        8,
        256,
        8_192,
        "https://huggingface.co/prithivMLmods/GWQ-9B-Preview/blob/main/config.json",
    ),
    ModelShape(
        "Gemma 2 27B",
        27.23,
        46,
        16,
        128,
        8_192,
        "https://huggingface.co/mlx-community/gemma-2-27b-bf16/blob/"
        "9206c2266e6c26f312bd3fab0012baa8c2f1159b/config.json",
    ),
    ModelShape(
        "Mixtral 8x7B",
        46.70,
        32,
        8,
        128,
        32_768,
        "https://huggingface.co/YeungNLP/firefly-mixtral-8x7b/blob/"
        "f334c672409846213e600e580af3fac89a9c2e64/config.json",
    ),
    ModelShape(
        "Llama 3.1 70B",
        70.55,
        80,
        8,
        128,
        131_072,
        "https://github.com/vulkomilev/oumi/blob/main/configs/recipes/llama3_1/README.md",
    ),
    ModelShape(
        "Qwen2.5 72B",
        72.71,
        80,
        8,
        128,
        32_768,
        "https://huggingface.co/Qwen/Qwen2.5-72B/blame/91ba9841ba07ae80abda0771c034431527a5fa09/README.md",
    ),
)


@lru_cache(maxsize=1024)
def shape_for(params_b: float) -> tuple[ModelShape, float]:
    """The nearest known shape at or above ``params_b``, and the factor its KV cache is scaled by:
    1, or, past the largest shape, the ratio of parameters (an assumption: bigger models have
    more layers and heads)."""
    for shape in SHAPES:
        if shape.params_b >= params_b:
            return shape, 1.0
    largest = SHAPES[-1]
    return largest, params_b / largest.params_b


class Need(NamedTuple):
    """What a model asks of its servers: hashable, so plans are memoised per catalog (a named
    tuple: facts build one for every price point of a break-even search)."""

    params_b: float
    bits: int
    input_tokens: int
    output_tokens: int
    latency_slo_ms: float | None = None

    @property
    def context(self) -> int:
        return max(1, self.input_tokens + self.output_tokens)

    @property
    def weights_gb(self) -> float:
        return weights_gb(self.params_b, self.bits)

    @property
    def shape(self) -> tuple[ModelShape, float]:
        return shape_for(self.params_b)

    @property
    def kv_bytes_per_token(self) -> float:
        shape, scale = self.shape
        return shape.kv_bytes_per_token * scale

    @property
    def kv_gb_per_sequence(self) -> float:
        return self.kv_bytes_per_token * self.context / GB

    def at(self, bits: int) -> Need:
        return Need(self.params_b, bits, self.input_tokens, self.output_tokens, self.latency_slo_ms)


def need_of(p: WorkloadProfile) -> Need:
    """A profile's model, as serving sizes it."""
    return Need(
        float(p.model_params_b),
        int(p.quantization_bits),
        int(p.input_tokens),
        int(p.output_tokens),
        p.latency_slo_ms,
    )


def weights_gb(params_b: float, bits: int) -> float:
    """GB of weights: parameters x bytes per weight."""
    return params_b * BYTES_PER_WEIGHT.get(bits, bits / 8)


def memory_gb(need: Need, sequences: int = MIN_BATCH) -> float:
    """Weights plus the KV cache of ``sequences`` sequences at the profile's context."""
    return need.weights_gb + sequences * need.kv_gb_per_sequence


def usable_gb(spec: AcceleratedInstance, tp: int) -> float:
    """Memory of ``tp`` devices left for weights and KV cache."""
    return tp * (GPU_MEMORY_UTILIZATION * spec.accelerator_gb - RUNTIME_OVERHEAD_GB)


def memory_batch(need: Need, spec: AcceleratedInstance, tp: int) -> int:
    """The most sequences one copy over ``tp`` devices holds (0: the weights alone do not fit).

    Past ``kv_heads`` devices the KV heads are replicated, so the cache per device stops falling.
    """
    shape, _ = need.shape
    replication = max(1.0, tp / shape.kv_heads)
    room = usable_gb(spec, tp) - need.weights_gb
    if room <= 0:
        return 0
    return min(MAX_BATCH, math.floor(room / (need.kv_gb_per_sequence * replication)))


def tp_efficiency(spec: AcceleratedInstance, tp: int) -> float:
    return PCIE_TP_EFFICIENCY if tp > 1 and spec.interconnect == "PCIe" else 1.0


def memory_step_seconds(
    need: Need, spec: AcceleratedInstance, tp: int, batch: int, average_context: float | None = None
) -> float:
    """A decode step bound by memory bandwidth: the weights and the batch's KV cache read once."""
    if average_context is None:
        average_context = need.input_tokens + need.output_tokens / 2
    read = need.weights_gb * GB + batch * average_context * need.kv_bytes_per_token
    return read / (tp * spec.bandwidth_gb_s * GB * MBU * tp_efficiency(spec, tp))


def compute_step_seconds(need: Need, spec: AcceleratedInstance, tp: int, batch: int) -> float:
    """A step bound by FLOPs: 2 per parameter for each of the batch's new tokens, plus its share
    of the prompts read meanwhile (chunked prefill: input/output prompt tokens per new token)."""
    tokens = batch * (1 + need.input_tokens / max(1, need.output_tokens))
    return tokens * 2 * need.params_b * 1e9 / (tp * spec.peak_tflops * 1e12 * MFU)


def step_seconds(need: Need, spec: AcceleratedInstance, tp: int, batch: int) -> float:
    """One decode step of ``batch`` sequences: bandwidth or compute bound, whichever is slower."""
    return max(memory_step_seconds(need, spec, tp, batch), compute_step_seconds(need, spec, tp, batch))


def request_seconds(need: Need, spec: AcceleratedInstance, tp: int, batch: int) -> float:
    """How long a request holds its slot in a batch of ``batch``: one step per output token."""
    return max(1, need.output_tokens) * step_seconds(need, spec, tp, batch)


@dataclass(frozen=True)
class Engine:
    """How one instance serves the model: ``copies`` copies, each over ``tp`` devices, each
    batching up to ``batch`` sequences; one instance is one replica of the fleet."""

    spec: AcceleratedInstance
    tp: int
    copies: int
    batch: int
    memory_batch: int
    request_s: float  # a request's time in its slot
    step_s: float
    latency_met: bool  # False: even one sequence at a time misses the latency target

    @property
    def slots(self) -> int:
        """Sequences one instance serves at once."""
        return self.copies * self.batch

    @property
    def requests_per_s(self) -> float:
        return self.slots / self.request_s if self.request_s else 0.0

    def tokens_per_s(self, need: Need) -> float:
        """Output tokens a second one instance sustains."""
        return self.requests_per_s * need.output_tokens


@lru_cache(maxsize=8192)  # EC2 and SageMaker share the hardware: each pair is worked out once
def engine_for(need: Need, spec: AcceleratedInstance) -> Engine | None:
    """The best way ``spec`` serves the model, or None when it cannot hold ``MIN_BATCH`` sequences.

    Each tensor-parallel degree that fits is tried; the one serving the most requests a second
    on the instance wins (ties: fewer devices per copy).
    """
    best = None
    degrees = sorted({d for d in TP_DEGREES if d <= spec.accelerators} | {spec.accelerators})
    for tp in degrees:
        most = memory_batch(need, spec, tp)
        if most < MIN_BATCH:
            continue
        batch, met = _latency_batch(need, spec, tp, _knee(need, spec, tp, most))
        request_s = request_seconds(need, spec, tp, batch)
        engine = Engine(
            spec,
            tp,
            spec.accelerators // tp,
            batch,
            most,
            request_s,
            step_seconds(need, spec, tp, batch),
            met,
        )
        if best is None or engine.requests_per_s > best.requests_per_s * (1 + 1e-9):
            best = engine
    return best


def _knee(need: Need, spec: AcceleratedInstance, tp: int, most: int) -> int:
    """The smallest batch within 1% of the throughput of the largest: past it the copy is
    compute bound, and a bigger batch only makes each answer slower."""

    def rate(b: int) -> float:
        return b / step_seconds(need, spec, tp, b)

    best = rate(most)
    low, high = 1, most  # throughput never falls as the batch grows: bisect
    while low < high:
        mid = (low + high) // 2
        if rate(mid) >= 0.99 * best:
            high = mid
        else:
            low = mid + 1
    return max(low, min(MIN_BATCH, most))


def _latency_batch(need: Need, spec: AcceleratedInstance, tp: int, most: int) -> tuple[int, bool]:
    """The largest batch up to ``most`` whose requests finish within the latency target.

    When even one sequence at a time misses it, the target cannot be about the whole answer
    (it reads as time to the first token): the batch stays as memory allows.
    """
    slo = need.latency_slo_ms
    if not slo or request_seconds(need, spec, tp, most) * 1000 <= slo:
        return most, True
    if request_seconds(need, spec, tp, 1) * 1000 > slo:
        return most, False
    low, high = 1, most  # request time grows with the batch: bisect
    while low < high:
        mid = (low + high + 1) // 2
        if request_seconds(need, spec, tp, mid) * 1000 <= slo:
            low = mid
        else:
            high = mid - 1
    return low, True


def holds(need: Need, spec: AcceleratedInstance) -> bool:
    """Whether one instance holds the weights and the KV cache of ``MIN_BATCH`` sequences."""
    return engine_for(need, spec) is not None


# -- choosing the fleet -------------------------------------------------------------------


@dataclass(frozen=True)
class Option:
    engine: Engine
    hourly: float  # the catalog's on-demand price of the instance (0 when unpriced)
    rate: float = 0.0  # requests a second one instance serves (engine.requests_per_s)


@dataclass(slots=True)
class ServingPlan:
    """The fleet that serves a model, or why no single instance can.

    Not frozen: one is made for every price point of a break-even search, and a frozen
    dataclass's ``__init__`` costs several times as much. Nothing changes it once made.
    """

    need: Need
    family: str
    engine: Engine | None
    replicas: int
    hourly: float
    tokens_per_s_per_replica: float
    utilization: float
    peak_rps: float = 0.0
    target: float = 0.0
    catalog: Catalog | None = None
    neuron: tuple[Option, ...] = ()  # Inferentia2 instances that hold the model

    @property
    def fits(self) -> bool:
        return self.engine is not None

    @property
    def instance_name(self) -> str:
        return self.engine.spec.type_name(self.family) if self.engine else ""

    @property
    def request_seconds(self) -> float:
        return self.engine.request_s if self.engine else 0.0

    @property
    def slots(self) -> int:
        return self.engine.slots if self.engine else 0

    @property
    def label(self) -> str:
        return "SageMaker instance" if self.family == "sagemaker" else "instance"

    @property
    def fit_text(self) -> str:
        """What the model needs and which instance holds it, or what would make it fit."""
        if self.engine is None:
            return _no_fit_text(self.need, self.family, self.catalog, self.label)
        return _fit_text(self.need, self.engine, self.family)

    def assumptions(self, always_on: bool = True) -> tuple[str, ...]:
        """The notes a cost shows: memory and fit, the fleet and its throughput, Inferentia2.
        ``always_on=False`` for a fleet that scales to zero between bursts."""
        if self.engine is None:
            return (self.fit_text,)
        texts = [self.fit_text, _serving_text(self, always_on)]
        cheaper = _cheaper_neuron(
            self.neuron, self.need, self.peak_rps, self.target, self.replicas * self.hourly
        )
        if cheaper:
            texts.append(_neuron_text(self, *cheaper))
        return tuple(texts)


def options(
    need: Need, family: str, catalog: Catalog | None
) -> tuple[tuple[Option, ...], tuple[Option, ...]]:
    """GPU and Inferentia2 instances of ``family`` that hold the model, cheapest first.

    With a catalog, only instances it prices; without, every instance of the table, unpriced.
    """
    if catalog is None:
        return _unpriced_options(need, family)
    return _priced_options(need, family, catalog)


# A long-running server sees endless distinct needs (every token count): the most recent are kept.
@lru_cache(maxsize=4096)
def _priced_options(
    need: Need, family: str, catalog: Catalog
) -> tuple[tuple[Option, ...], tuple[Option, ...]]:
    gpus: list[Option] = []
    neuron: list[Option] = []
    for spec in instances.offered(family, gpu_only=False):
        key = spec.catalog_key(family)
        if not catalog.has(key):
            continue
        engine = engine_for(need, spec)
        if engine is None:
            continue
        hourly = float(catalog.unit_price(key))
        (gpus if spec.gpu else neuron).append(Option(engine, hourly, engine.requests_per_s))
    order = lambda o: (o.hourly, o.engine.spec.total_accelerator_gb, o.engine.spec.name)
    return tuple(sorted(gpus, key=order)), tuple(sorted(neuron, key=order))


@lru_cache(maxsize=512)
def _unpriced_options(need: Need, family: str) -> tuple[tuple[Option, ...], tuple[Option, ...]]:
    gpus = tuple(
        Option(e, 0.0, e.requests_per_s)
        for spec in instances.offered(family)
        if (e := engine_for(need, spec)) is not None
    )
    return gpus, ()


def replicas_for(option: Option, need: Need, peak_rps: float, target: float) -> int:
    """Instances that serve ``peak_rps`` at ``target`` utilisation; at least one."""
    rate = option.rate
    return max(1, math.ceil(peak_rps / (rate * target) - 1e-9)) if rate > 0 else 1


def plan(
    need: Need, peak_rps: float, mean_rps: float, family: str, catalog: Catalog | None, target: float
) -> ServingPlan:
    """The cheapest fleet of one instance type that serves the peak at ``target`` utilisation.

    Candidates are the GPU instances that hold the model; the fleet with the lowest hourly
    bill wins (ties: the cheaper instance), so a busy model moves to bigger instances that
    batch more. Inferentia2 is priced beside it but not chosen: it needs the model compiled
    with the Neuron SDK, which not every architecture supports, and a profile says nothing
    about that; when it would cost less the note says so.
    """
    gpus, neuron = options(need, family, catalog)
    if not gpus:
        return ServingPlan(need, family, None, 0, 0.0, 0.0, 0.0, peak_rps, target, catalog)
    best, replicas, key = None, 0, (math.inf, 0)
    for option in gpus:  # cheapest first, so a tie keeps the cheaper instance
        count = replicas_for(option, need, peak_rps, target)
        if (count * option.hourly, count) < key:  # unpriced (no catalog): the fewest instances
            best, replicas, key = option, count, (count * option.hourly, count)
    best = cast(Option, best)  # gpus is not empty, so the loop chose one
    engine, rate = best.engine, best.rate
    utilization = min(1.0, mean_rps / (replicas * rate)) if rate else 0.0
    return ServingPlan(
        need,
        family,
        engine,
        replicas,
        best.hourly,
        engine.tokens_per_s(need),
        utilization,
        peak_rps,
        target,
        catalog,
        neuron,
    )


def _cheaper_neuron(
    neuron: tuple[Option, ...], need: Need, peak_rps: float, target: float, gpu_hourly: float
) -> tuple[Option, int] | None:
    if not neuron or not gpu_hourly:
        return None
    count, option = min(
        ((replicas_for(o, need, peak_rps, target), o) for o in neuron),
        key=lambda pair: (pair[0] * pair[1].hourly, pair[1].hourly),
    )
    return (option, count) if count * option.hourly < gpu_hourly else None


def _fit_text(need: Need, engine: Engine, family: str) -> str:
    spec = engine.spec
    parallel = (
        f"with tensor parallelism over {engine.tp} {spec.accelerator}s"
        if engine.tp > 1
        else f"on one {spec.accelerator}"
    )
    copies = f", {engine.copies} copies per instance" if engine.copies > 1 else ""
    return (
        f"{_memory_text(need)} {spec.type_name(family)} ({spec.describe()}) holds it {parallel}"
        f"{copies}, with room for {plural(engine.memory_batch, 'sequence')} per copy "
        f"(90% of device memory, vLLM's default, less {RUNTIME_OVERHEAD_GB:g} GB of runtime per "
        f"device, an assumption)."
    )


def _memory_text(need: Need) -> str:
    """'70B at 16-bit is 140.0 GB of weights plus 0.43 GB of KV cache per 1,300-token sequence
    (KV cache sized as for Llama 3.1 70B (80 layers, 8 KV heads), 320 KiB a token).'"""
    shape, scale = need.shape
    scaled = f", scaled by {scale:.1f} for the larger model (an assumption)" if scale > 1 else ""
    longer = (
        f"; {need.context:,} tokens is more than its {shape.max_context:,}-token context"
        if need.context > shape.max_context
        else ""
    )
    return (
        f"{need.params_b:g}B at {need.bits}-bit is {need.weights_gb:,.1f} GB of weights plus "
        f"{need.kv_gb_per_sequence:,.2f} GB of KV cache per {need.context:,}-token sequence "
        f"(KV cache sized as for {shape.describe()}, {need.kv_bytes_per_token / 1024:,.0f} KiB a "
        f"token{scaled}{longer})."
    )


def _serving_text(plan: ServingPlan, always_on: bool = True) -> str:
    e, need = cast(Engine, plan.engine), plan.need  # said only of a plan that fits
    spec = e.spec
    link = (
        f", {PCIE_TP_EFFICIENCY:.0%} tensor-parallel efficiency over PCIe"
        if e.tp > 1 and spec.interconnect == "PCIe"
        else ""
    )
    latency = ""
    if need.latency_slo_ms:
        latency = (
            f" Each answer takes about {e.request_s:,.1f} s, within the {need.latency_slo_ms:,g} ms target."
            if e.latency_met
            else f" Even one request at a time takes {request_seconds(need, spec, e.tp, 1):,.1f} s, "
            f"over the {need.latency_slo_ms:,g} ms target, so the target is read as time to the "
            f"first token (stream the answer)."
        )
    fleet = (
        f"{plan.replicas:,} x {plan.instance_name} always on, continuous batching"
        if always_on
        else "Continuous batching"
    )
    sized = (
        f" {plan.peak_rps * need.output_tokens:,.0f} output tokens/s at the peak, sized at a "
        f"{plan.target:.0%} target; {plan.utilization:.0%} utilised on average."
        if always_on
        else ""
    )
    return (
        f"{fleet} (vLLM-class) of up to {plural(e.batch, 'sequence')} per copy: about "
        f"{plan.tokens_per_s_per_replica:,.0f} output tokens/s per instance, {e.step_s * 1000:,.1f} ms "
        f"a step (weights and KV cache read at {MBU:.0%} of {spec.bandwidth_gb_s:,.0f} GB/s per "
        f"device{link}, or prompts and new tokens at {MFU:.0%} of {spec.peak_tflops:,.0f} TFLOPS, "
        f"whichever is slower; these efficiencies are assumptions).{sized}{latency}"
    )


def _neuron_text(plan: ServingPlan, option: Option, count: int) -> str:
    name = option.engine.spec.type_name(plan.family)
    return (
        f"{count:,} x {name} (Inferentia2) would serve it for "
        f"${count * option.hourly * HOURS_PER_MONTH:,.2f} a month against "
        f"${plan.replicas * plan.hourly * HOURS_PER_MONTH:,.2f}, if the model compiles with the AWS "
        f"Neuron SDK; not chosen automatically, since not every model architecture does."
    )


def _no_fit_text(need: Need, family: str, catalog: Catalog | None, label: str) -> str:
    """No single instance holds the model: what precision would fit where, or how many nodes."""
    priced = [
        spec for spec in instances.offered(family) if catalog is None or catalog.has(spec.catalog_key(family))
    ]
    if not priced:
        return f"{_memory_text(need)} The price catalog has no GPU {label} to hold it."
    big = max(priced, key=lambda s: (s.total_accelerator_gb, s.total_bandwidth_gb_s))
    lower = []
    for bits in (b for b in (16, 8, 4) if b < need.bits):
        gpus, _ = options(need.at(bits), family, catalog)
        if gpus:
            lower.append(
                f"at {bits}-bit ({need.at(bits).weights_gb:,.0f} GB of weights) it fits "
                f"{gpus[0].engine.spec.type_name(family)}"
            )
    nodes = math.ceil(memory_gb(need) / usable_gb(big, big.accelerators))
    spread = f"spread over {nodes} nodes (pipeline parallelism)"
    way = f"{'; '.join(lower)}; or {spread}" if lower else f"only {spread}"
    return (
        f"{_memory_text(need)} No single {label} holds it: it needs {memory_gb(need):,.0f} GB with "
        f"the KV cache of {MIN_BATCH} sequences, and the largest {label} ({big.type_name(family)}, "
        f"{big.describe()}) offers {usable_gb(big, big.accelerators):,.0f} GB. {way[0].upper()}{way[1:]}."
    )


@cache
@cache
def region_catalog(region: str) -> Catalog | None:
    """The catalog facts size a fleet with: the one that prices the region (its own, else the
    default region's). Read once per process and region, as ``facts.bedrock_models`` is: facts are
    derived at every point of a break-even search, and finding a catalog lists a directory."""
    catalog, _ = catalog_for_pricing(region)
    return catalog
