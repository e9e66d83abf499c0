"""Accelerated instances as data: what each holds, and the AWS page that says so.

Sizing picks a model server from this table and the price catalog; nothing
about an instance is written anywhere else. Counts, vCPUs, RAM and accelerator
memory come from AWS's instance-type pages; memory bandwidth per device is the
chip maker's datasheet figure for NVIDIA GPUs (AWS's Inferentia2 page for
Inferentia2), so it has its own source. SageMaker's ``ml.`` twin of
an instance has the same hardware; ``sagemaker`` says whether the catalog
prices the twin.
"""

from __future__ import annotations

from dataclasses import dataclass

READ_ON = "2026-11-30"
NVIDIA_A10G = "https://www.nvidia.com/en-us/data-center/products/a10-gpu/"
NVIDIA_L4 = "https://www.nvidia.com/en-us/data-center/l4/"
NVIDIA_L40S = "https://www.nvidia.com/en-us/data-center/l40s/"
NVIDIA_A100 = "https://www.nvidia.com/en-us/data-center/a100/"
NVIDIA_H100 = "https://www.nvidia.com/en-us/data-center/h100/"
INF2_PAGE = "https://aws.amazon.com/ec2/instance-types/inf2/"
# Neuron's own pages (research note issue15-gpu-serving.md, grade A): 32 GiB of HBM per chip
# at 820 GiB/s, 190 dense FP16/BF16 TFLOPS per chip.
INF2_ARCH = (
    "https://awsdocs-neuron.readthedocs-hosted.com/en/latest/general/arch/neuron-hardware/inferentia2.html"
)
GIB = 2**30 / 1e9  # GB in a GiB
# Dense 16-bit tensor TFLOPS per device, for the compute (prefill) limit of serving. NVIDIA's
# datasheet figures without sparsity, recalled rather than read (grade C; the cost notes call
# the compute limit an assumption): A10G 70 (AWS's variant trades tensor compute against the
# A10's 125: https://www.baseten.co/blog/nvidia-a10-vs-a10g-for-ml-model-inference/, whose table
# was not in the excerpt read on 2026-11-30), L4 121, L40S 362, A100 312 (432 tensor cores x 256
# FMAs x 1,410 MHz x 2, as tinygrad's notes work it out), H100 SXM 989. Inferentia2 is read
# (grade A, INF2_ARCH): 190 per chip.
PEAK_TFLOPS = {
    "A10G": 70.0,
    "L4": 121.0,
    "L40S": 362.0,
    "A100 40GB": 312.0,
    "H100": 989.0,
    "Inferentia2": 190.0,
}


@dataclass(frozen=True)
class AcceleratedInstance:
    """One EC2 instance type with accelerators, in the units its field names give."""

    name: str  # the EC2 name; SageMaker's twin is "ml." + name
    vcpu: int
    memory_gb: float  # host RAM
    accelerators: int
    accelerator: str  # model: A10G, L4, L40S, A100 40GB, H100, Inferentia2
    accelerator_gb: float  # memory per device
    bandwidth_gb_s: float  # memory bandwidth per device
    source: str  # the AWS page for counts and memory
    bandwidth_source: str
    interconnect: str = "PCIe"  # between the devices: PCIe, NVLink or NeuronLink (tensor parallelism)
    sagemaker: bool = True  # the catalog prices the ml. twin for real-time hosting
    gpu: bool = True  # NVIDIA GPU (CUDA); False for Inferentia2 (Neuron SDK)
    read_on: str = READ_ON

    @property
    def total_accelerator_gb(self) -> float:
        return self.accelerators * self.accelerator_gb

    @property
    def total_bandwidth_gb_s(self) -> float:
        return self.accelerators * self.bandwidth_gb_s

    @property
    def peak_tflops(self) -> float:
        """Dense 16-bit TFLOPS of one device (``PEAK_TFLOPS``)."""
        return PEAK_TFLOPS[self.accelerator]

    def describe(self) -> str:
        """'4 x L40S, 192 GB' for a page or a note."""
        return f"{self.accelerators} x {self.accelerator}, {self.total_accelerator_gb:,.0f} GB"

    def catalog_key(self, family: str) -> str:
        """The rate of this instance in a price catalog, for ``ec2`` or ``sagemaker``."""
        return f"sagemaker_realtime.ml.{self.name}" if family == "sagemaker" else f"ec2.{self.name}"

    def type_name(self, family: str) -> str:
        return f"ml.{self.name}" if family == "sagemaker" else self.name


def _g5(name: str, vcpu: int, ram: float, gpus: int) -> AcceleratedInstance:
    return AcceleratedInstance(
        name, vcpu, ram, gpus, "A10G", 24, 600, "https://aws.amazon.com/ec2/instance-types/g5/", NVIDIA_A10G
    )


def _g6(name: str, vcpu: int, ram: float, gpus: int) -> AcceleratedInstance:
    return AcceleratedInstance(
        name, vcpu, ram, gpus, "L4", 24, 300, "https://aws.amazon.com/ec2/instance-types/g6/", NVIDIA_L4
    )


def _g6e(name: str, vcpu: int, ram: float, gpus: int) -> AcceleratedInstance:
    return AcceleratedInstance(
        name, vcpu, ram, gpus, "L40S", 48, 864, "https://aws.amazon.com/ec2/instance-types/g6e/", NVIDIA_L40S
    )


def _inf2(name: str, vcpu: int, ram: float, chips: int, sagemaker: bool = True) -> AcceleratedInstance:
    # Neuron docs: 32 GiB of HBM per Inferentia2 chip at 820 GiB/s (older pages said GB; GiB is
    # the current wording), chips joined by NeuronLink-v2 for tensor parallelism.
    return AcceleratedInstance(
        name,
        vcpu,
        ram,
        chips,
        "Inferentia2",
        32 * GIB,
        820 * GIB,
        INF2_PAGE,
        INF2_ARCH,
        interconnect="NeuronLink",
        sagemaker=sagemaker,
        gpu=False,
    )


INSTANCES: tuple[AcceleratedInstance, ...] = (
    _g5("g5.xlarge", 4, 16, 1),
    _g5("g5.2xlarge", 8, 32, 1),
    _g5("g5.12xlarge", 48, 192, 4),
    _g5("g5.48xlarge", 192, 768, 8),
    _g6("g6.xlarge", 4, 16, 1),
    _g6("g6.12xlarge", 48, 192, 4),
    _g6("g6.48xlarge", 192, 768, 8),
    _g6e("g6e.xlarge", 4, 32, 1),
    _g6e("g6e.12xlarge", 48, 384, 4),
    _g6e("g6e.48xlarge", 192, 1536, 8),
    AcceleratedInstance(
        "p4d.24xlarge",
        96,
        1152,
        8,
        "A100 40GB",
        40,
        1555,
        "https://aws.amazon.com/ec2/instance-types/p4/",
        NVIDIA_A100,
        "NVLink",
    ),
    AcceleratedInstance(
        "p5.48xlarge",
        192,
        2048,
        8,
        "H100",
        80,
        3350,
        "https://aws.amazon.com/ec2/instance-types/p5/",
        NVIDIA_H100,
        "NVLink",
    ),
    _inf2("inf2.xlarge", 4, 16, 1),
    _inf2("inf2.8xlarge", 32, 128, 1, sagemaker=False),
    _inf2("inf2.48xlarge", 192, 768, 12),
)
BY_NAME = {i.name: i for i in INSTANCES}


def offered(family: str, gpu_only: bool = True) -> tuple[AcceleratedInstance, ...]:
    """Instances of a family (``ec2`` or ``sagemaker``); NVIDIA GPUs only unless told otherwise.

    Inferentia2 runs only models compiled with the Neuron SDK, so a model server
    is chosen among GPUs by default; the table still lists Inferentia2 with its price.
    """
    return tuple(i for i in INSTANCES if (family != "sagemaker" or i.sagemaker) and (i.gpu or not gpu_only))


def largest(family: str = "ec2") -> AcceleratedInstance:
    """The instance with the most accelerator memory: the most one node can hold."""
    return max(offered(family), key=lambda i: (i.total_accelerator_gb, i.total_bandwidth_gb_s))
