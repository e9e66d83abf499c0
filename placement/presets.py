"""Starting points for the intake form: typical workloads as plain profile data.

Each preset is a partial profile (fields not given keep their documented
defaults) that ``parse_profile`` accepts as written. Pure data: no Django.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Preset:
    id: str
    label: str
    description: str
    profile: dict[str, Any] = field(default_factory=dict)


PRESETS: dict[str, Preset] = {
    p.id: p
    for p in (
        Preset(
            id="agent_orchestrator",
            label="Agent orchestrator",
            description="A multi-step agent calling a hosted model and tools; waits most of the time.",
            profile={
                "name": "Agent orchestrator",
                "requests_per_day": 20_000,
                "peak_to_average": 4,
                "pattern": "business_hours",
                "trigger": "api",
                "request_duration_s": 20,
                "max_duration_s": 60,
                "wait_fraction": 0.9,
                "orchestration_steps": 6,
                "memory_mb": 1024,
                "state_kb": 32,
                "inference": "hosted_api",
                "hosted_model": "claude-sonnet-4.5",
                "input_tokens": 3000,
                "output_tokens": 600,
            },
        ),
        Preset(
            id="rag_chatbot",
            label="RAG chatbot",
            description="A user-facing chatbot streaming answers grounded in a vector index.",
            profile={
                "name": "RAG chatbot",
                "requests_per_day": 15_000,
                "peak_to_average": 3,
                "pattern": "diurnal",
                "trigger": "api",
                "request_duration_s": 6,
                "max_duration_s": 15,
                "wait_fraction": 0.8,
                "orchestration_steps": 3,
                "memory_mb": 1024,
                "latency_slo_ms": 3000,
                "streaming": True,
                "inference": "hosted_api",
                "hosted_model": "claude-haiku-4.5",
                "input_tokens": 4000,
                "output_tokens": 400,
                "vector_count": 2_000_000,
                "embedding_dim": 1024,
                "retrieval_latency_ms": 100,
            },
        ),
        Preset(
            id="batch_document_analysis",
            label="Batch document analysis",
            description="Documents land in S3 and are analysed asynchronously, minutes each.",
            profile={
                "name": "Batch document analysis",
                "requests_per_day": 1000,
                "peak_to_average": 2,
                "pattern": "batch",
                "trigger": "queue",
                "request_duration_s": 300,
                "max_duration_s": 600,
                "wait_fraction": 0.2,
                "orchestration_steps": 4,
                "memory_mb": 2048,
                "pre_post_processing_ms": 2000,
                "state_kb": 256,
                "inference": "self_hosted",
                "model_params_b": 7,
                "quantization_bits": 16,
                "gpu_required": True,
                "inference_seconds": 300,
                "input_tokens": 8000,
                "output_tokens": 1500,
                "cold_start_tolerance_s": 120,
            },
        ),
        Preset(
            id="one_off_backfill",
            label="Backfill: 2 million documents in 10 days",
            description="A one-off job: every stored document summarised once, within a deadline; "
            "priced as a total.",
            profile={
                "name": "Backfill: 2 million documents in 10 days",
                "job_total_requests": 2_000_000,
                "job_deadline_days": 10,
                "peak_to_average": 1.5,
                "pattern": "steady",
                "trigger": "queue",
                "request_duration_s": 20,
                "max_duration_s": 60,
                "wait_fraction": 0.8,
                "orchestration_steps": 3,
                "memory_mb": 1024,
                "state_kb": 16,
                "inference": "hosted_api",
                "hosted_model": "claude-haiku-4.5",
                "input_tokens": 3000,
                "output_tokens": 500,
            },
        ),
        Preset(
            id="self_hosted_small_model",
            label="Self-hosted small model",
            description="An internal tool on a quantised 1B model, used sporadically.",
            profile={
                "name": "Internal tool on a small model",
                "requests_per_day": 150,
                "peak_to_average": 10,
                "pattern": "spiky",
                "trigger": "api",
                "request_duration_s": 10,
                "max_duration_s": 30,
                "wait_fraction": 0.1,
                "inference": "self_hosted",
                "model_params_b": 1,
                "quantization_bits": 4,
                "input_tokens": 500,
                "output_tokens": 200,
                "cold_start_tolerance_s": 2,
            },
        ),
    )
}


def get(preset_id: str) -> Preset | None:
    return PRESETS.get(preset_id)
