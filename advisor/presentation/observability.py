"""What to measure once the recommended split runs: the report's "next steps".

DOMAIN.md section 6 (seed 004): invocations, latency, memory, errors, cold-start
rate and duration, and distributed tracing across the pipeline. Each item here is
tied to a placement, so the report asks for cold-start figures only where
something cold-starts, and names the metrics of the service actually chosen.
Reads the stored advice only, like ``presentation.advice``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from advisor.advice_record import StoredAdvice
from placement.placements import LAYER_NAMES, label

Item = tuple[str, str]  # (what to measure, why)

_LAMBDA = [
    (
        "Invocations, Errors, Throttles and Duration p50/p95/p99 (AWS/Lambda)",
        "The volume and latency the costs in this report were computed from; throttles mean callers were turned away.",
    ),
    (
        "ConcurrentExecutions against the account limit (1,000 by default)",
        "Lambda throttles the whole account past the limit, not only this workload.",
    ),
    (
        "Max memory used against the memory configured (REPORT log lines or Lambda Insights)",
        "CPU scales with memory: too little slows the code down, too much is billed for nothing.",
    ),
]
# Said only when the advice computed both sides' costs and containers came out cheaper (rule N03).
_CONTAINER_UTILISATION_PRICED = "Utilisation is what made containers the cheaper home; if it falls far below the break-even, pay-per-use wins again."
# Otherwise no cost comparison was made, and none is claimed.
_CONTAINER_UTILISATION = (
    "Containers pay off only while they are busy: under about 15% utilisation (the rule of thumb) pay-per-use "
    "usually costs less."
)
_CONTAINERS = [
    ("CPUUtilization and MemoryUtilization per service (Container Insights)", _CONTAINER_UTILISATION),
    (
        "Running task count against the autoscaling target",
        "A fleet that never scales in is paying for idle capacity.",
    ),
    (
        "Load balancer RequestCount, TargetResponseTime p95 and HTTPCode_Target_5XX_Count",
        "Invocations, latency and errors of the orchestration as callers see them.",
    ),
]
_NERVES: dict[str, list[Item]] = {
    "lambda": _LAMBDA,
    "lambda_durable": _LAMBDA
    + [
        (
            "Checkpointed state per execution and in total",
            "Durable execution bills every checkpoint: carry references, not payloads, between steps.",
        )
    ],
    "step_functions": [
        (
            "ExecutionsStarted, ExecutionsFailed, ExecutionsTimedOut and ExecutionTime (AWS/States)",
            "Failed and timed-out runs are the workflow's errors; each state transition is billed.",
        ),
    ]
    + _LAMBDA[:1],
    "step_functions_express": [
        (
            "ExecutionsStarted, ExecutionsFailed, ExecutionsTimedOut and ExecutionTime (AWS/States)",
            "Express keeps no execution history: turn on logging to CloudWatch Logs to see why a run failed.",
        ),
    ]
    + _LAMBDA[:1],
    "fargate": _CONTAINERS,
    "ecs_ec2": _CONTAINERS,
    "eks": _CONTAINERS,
    "ec2": _CONTAINERS,
}
_COLD_STARTS = {"lambda", "lambda_durable", "step_functions", "step_functions_express"}
_DURABLE = {"lambda_durable", "step_functions"}

_BRAIN: dict[str, list[Item]] = {
    "bedrock": [
        (
            "Invocations, InvocationLatency, InvocationThrottles and InvocationClientErrors/ServerErrors (AWS/Bedrock)",
            "Throttles are the first sign the account's model quota is too small for the peak.",
        ),
        (
            "InputTokenCount and OutputTokenCount per model",
            "Tokens are nearly all of this layer's bill: a drift in prompt size moves the cost directly.",
        ),
    ],
    "bedrock_batch": [
        (
            "Each batch job's status, and the records processed, succeeded and failed in its output manifest in S3",
            "A job that ends with failed records leaves them to resubmit; results arrive within 24 hours, not at once.",
        ),
        (
            "InputTokenCount and OutputTokenCount per model",
            "Tokens are nearly all of this layer's bill, at half the on-demand price.",
        ),
    ],
    "hosted_api": [
        (
            "Requests, latency, rate-limit (429) and server (5xx) errors of the provider's API",
            "Emit them as custom CloudWatch metrics or OpenTelemetry spans: the provider's console does not see your pipeline.",
        ),
        (
            "Input and output tokens per request (the usage field of each response)",
            "Tokens are this layer's bill; the provider invoices a month later.",
        ),
    ],
    "sagemaker_realtime": [
        (
            "Invocations, ModelLatency, OverheadLatency and Invocation4XXErrors/5XXErrors (AWS/SageMaker)",
            "Latency split between the model and the endpoint around it.",
        ),
        (
            "CPUUtilization, MemoryUtilization, GPUUtilization and GPUMemoryUtilization per instance",
            "An always-on endpoint pays off only while it is busy: under about 15% pay-per-use is cheaper.",
        ),
    ],
    "sagemaker_serverless": [
        (
            "Invocations, ModelLatency and Invocation errors (AWS/SageMaker)",
            "The volume and latency the price was computed from.",
        ),
        (
            "ModelSetupTime: how often and how long the endpoint cold-starts",
            "Serverless endpoints start from cold after idle periods; compare with the cold start callers accept.",
        ),
    ],
    "sagemaker_async": [
        (
            "ApproximateBacklogSize and ApproximateAgeOfOldestRequest",
            "The queue in front of the model: a growing backlog means the instances scale too slowly.",
        ),
        (
            "InvocationsProcessed and failed invocations (the error notification topic)",
            "Asynchronous failures surface nowhere else.",
        ),
    ],
    "ec2_gpu": [
        (
            "GPU utilisation and GPU memory (CloudWatch agent, NVIDIA collector)",
            "GPUs are the largest line; sustained utilisation above about 40% makes owning hardware worth a look.",
        ),
        (
            "Inference latency p95, queue depth and errors at the model server",
            "Shows when one more instance is needed before callers notice.",
        ),
    ],
    "lambda": [
        (
            "Duration per inference and Max memory used against 10,240 MB",
            "CPU scales with memory: the model needs the full 10,240 MB to stream at the speed estimated here.",
        ),
        ("Invocations, Errors and Throttles (AWS/Lambda)", "The volume the price was computed from."),
    ],
    "on_prem": [
        (
            "GPU utilisation, latency and errors exported with OpenTelemetry",
            "Owned hardware pays off only while it stays busy.",
        ),
    ],
}
_BRAIN_COLD_STARTS = {"lambda"}

_MEMORY: dict[str, list[Item]] = {
    "elasticache": [
        (
            "CacheHitRate, Evictions and DatabaseMemoryUsagePercentage (AWS/ElastiCache)",
            "Evictions mean the hot context no longer fits and lookups fall through to slower stores.",
        ),
        ("EngineCPUUtilization and CurrConnections", "Saturation before latency shows it."),
    ],
    "opensearch_serverless": [
        (
            "SearchLatency, SearchRequestRate and SearchRequestErrors (AWS/AOSS)",
            "Retrieval latency adds to every request.",
        ),
        (
            "SearchOCU and IndexingOCU",
            "OCUs are what OpenSearch Serverless bills, with a floor even when idle.",
        ),
    ],
    "aurora_pgvector": [
        (
            "ServerlessDatabaseCapacity and ACUUtilization (AWS/RDS)",
            "ACUs are what Aurora Serverless v2 bills; the HNSW index must stay inside them.",
        ),
        ("BufferCacheHitRatio and ReadIOPS", "Reads from storage mean the index no longer fits in memory."),
    ],
    "s3_vectors": [
        (
            "QueryVectors latency and 429 TooManyRequests errors, measured in the caller",
            "Cold queries take up to a second; an index sustains hundreds of queries a second.",
        ),
    ],
    "dynamodb": [
        (
            "SuccessfulRequestLatency and ThrottledRequests (AWS/DynamoDB)",
            "Throttled reads and writes stall the orchestration waiting on them.",
        ),
        (
            "ConsumedReadCapacityUnits and ConsumedWriteCapacityUnits",
            "On-demand tables bill per request unit: item size and writes per step drive the cost.",
        ),
    ],
}
for _placement in ("fargate", "ecs_ec2", "eks", "ec2"):
    _MEMORY[_placement] = [
        (
            "MemoryUtilization and CPUUtilization of the tasks holding the context (Container Insights)",
            "The hot context must fit in RAM; a task near its limit is one deploy away from being killed.",
        ),
    ]


def _cold_start_item(profile: Mapping[str, Any]) -> Item:
    tolerance = profile.get("cold_start_tolerance_s")
    target = (
        f"alarm when it exceeds the {tolerance:g} s callers accept"
        if tolerance
        else "decide what callers accept"
    )
    return (
        "Cold-start rate and duration (Init Duration in the REPORT log lines, or X-Ray's initialization segment)",
        f"Cold starts add latency to the first request after idle time; {target}, and add "
        "provisioned concurrency or SnapStart only if it is exceeded.",
    )


def _human_wait_item(profile: Mapping[str, Any]) -> Item:
    hours = profile.get("human_wait_hours") or 0
    return (
        "Executions waiting for a person, and how long each has waited",
        f"Waits of up to {hours:g} h are expected; a wait far past that is a stuck approval, "
        "not a slow one: alarm on it.",
    )


def _latency_item(profile: Mapping[str, Any]) -> Item | None:
    slo = profile.get("latency_slo_ms")
    if not slo or profile.get("trigger") != "api":
        return None
    return (
        f"End-to-end latency p95 against the {slo:,.0f} ms target",
        "An alarm on the target, measured from the caller's side, not per layer.",
    )


def _containers_priced_cheaper(advice: StoredAdvice) -> bool:
    """Whether the advice computed that containers cost less than functions (rule N03 fired)."""
    return any(f.rule == "N03" and f.fired for f in advice.trace)


def observability_steps(advice: StoredAdvice) -> dict[str, Any]:
    """Per layer, the metrics to set up for the chosen placement; then the cross-cutting ones."""
    profile = advice.profile
    layers = []
    for name, table in (("nerves", _NERVES), ("brain", _BRAIN), ("memory", _MEMORY)):
        placement = advice.layers[name].placement
        items = list(table.get(placement, []))
        if name == "nerves" and _containers_priced_cheaper(advice):
            items = [
                (w, _CONTAINER_UTILISATION_PRICED if y == _CONTAINER_UTILISATION else y) for w, y in items
            ]
        if name == "nerves" and placement in _DURABLE and profile.get("human_wait_hours"):
            items.append(_human_wait_item(profile))
        if (name == "nerves" and placement in _COLD_STARTS) or (
            name == "brain" and placement in _BRAIN_COLD_STARTS
        ):
            items.append(_cold_start_item(profile))
        if items:
            layers.append(
                {
                    "name": name,
                    "title": LAYER_NAMES[name],
                    "label": label(placement),
                    "items": [{"what": w, "why": y} for w, y in items],
                }
            )
    tracing = (
        "One trace per request from the front door through the orchestration to the model and "
        "the context store, with AWS X-Ray or OpenTelemetry (AWS Distro for OpenTelemetry), so "
        "latency and errors are attributed to the layer that causes them."
    )
    pipeline = [{"what": "Distributed tracing across the pipeline", "why": tracing}]
    latency = _latency_item(profile)
    if latency:
        pipeline.append({"what": latency[0], "why": latency[1]})
    total = advice.monthly_cost.total if advice.monthly_cost else None
    if total:
        pipeline.append(
            {
                "what": f"A budget alert at the estimated ${total:,.2f} a month (AWS Budgets)",
                "why": "Compare the first bills with this estimate; re-assess when traffic drifts from "
                f"{profile.get('requests_per_day', 0):,.0f} requests a day, since the break-even moves with it.",
            }
        )
    return {"layers": layers, "pipeline": pipeline}
