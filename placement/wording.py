"""Words a person reads: plurals, labels for choice values and for the names rules compare.

Pages, the PDF and the ``advise`` text all go through these helpers, so that no
identifier (``business_hours``, ``step_functions_express``, ``wait_threshold``)
reaches a reader without its label, and counts read "1 step", "2 steps".
Pure Python: the engine and the Django side both import it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

# Labels of the values of the profile's choice fields (the values stay the API's words).
CHOICE_LABELS: dict[str, dict[Any, str]] = {
    "commitment": {
        "none": "On demand only",
        "1y": "1-year Savings Plans",
        "3y": "3-year Savings Plans",
    },
    "pattern": {
        "steady": "Steady, around the clock",
        "business_hours": "Business hours",
        "diurnal": "Day and night (diurnal)",
        "spiky": "Spiky",
        "batch": "Batch",
    },
    "trigger": {
        "api": "Synchronous API call",
        "event": "Event",
        "queue": "Queue",
        "schedule": "Schedule",
    },
    "inference": {
        "hosted_api": "Hosted model API",
        "self_hosted": "Self-hosted model",
        "none": "No model inference",
    },
    "front_door": {
        "api_gateway_rest": "API Gateway (REST API)",
        "api_gateway_http": "API Gateway (HTTP API)",
        "api_gateway_websocket": "API Gateway (WebSocket API)",
        "alb": "Application Load Balancer",
        "load_balancer": "Application Load Balancer",
        "function_url": "Lambda function URL",
        "lambda_function_url": "Lambda function URL",
        "sqs": "Amazon SQS queue",
        "queue": "Amazon SQS queue",
        "none": "No front door",
    },
}

# Labels (and units) of the names the decision matrix compares that are neither a
# profile field nor a derived fact: its constants and the cost comparisons.
NAME_LABELS: dict[str, tuple[str, str]] = {
    "limit_warning_share": ("Share of a limit that counts as close", "0..1"),
    "repatriation_min_monthly_usd": ("Bill from which owning hardware deserves a look", "USD/month"),
    "brain_servers_monthly_cost": ("Always-on GPU servers cost", "USD/month"),
    # Names of rule sets before 2026.11.3, whose limits now live in placement/limits:
    # kept so that stored assessments still read well.
    "lambda_max_duration_s": ("Lambda's longest run", "s"),
    "lambda_max_memory_mb": ("Lambda's largest memory", "MB"),
    "lambda_full_vcpu_mb": ("Lambda memory for one full vCPU", "MB"),
    "express_max_duration_s": ("Step Functions Express longest run", "s"),
    "utilization_threshold": ("The 15% rule's threshold", "0..1"),
    "repatriation_threshold": ("Utilisation where owning hardware deserves a look", "0..1"),
    "wait_threshold": ("Waiting share that makes work reactive", "0..1"),
    "steps_threshold": ("Steps from which a workflow service pays", "steps"),
    "account_concurrency_limit": ("Default Lambda concurrency per account", "executions"),
    "concurrency_warning_share": ("Share of the concurrency quota worth a warning", "0..1"),
    "step_payload_limit_kb": ("Step Functions payload limit", "KB"),
    "durable_written_gb_warning": ("Checkpoints a month worth a second look", "GB"),
    "hot_context_container_gb": ("Hot context from which a container's RAM pays", "GB"),
    "sagemaker_serverless_max_gb": ("SageMaker Serverless largest memory", "GB"),
    "small_model_max_params_b": ("Largest model a function can serve", "billion"),
    "spiky_peak_ratio": ("Peak to average that counts as spiky", "ratio"),
    "sustained_rps_threshold": ("Sustained request rate that favours provisioned capacity", "req/s"),
    "long_stream_s": ("Stream length that counts as long", "s"),
    "cold_start_slo_ms": ("Latency target that leaves no room for a cold start", "ms"),
    "self_hosting_tokens_per_month": ("Tokens a month from which self-hosting deserves a look", "tokens"),
    "serverless_cheaper": ("Per-use cheaper than always-on", ""),
    "prices_known": ("Prices known for this region", ""),
    "lambda_monthly_cost": ("Functions cost", "USD/month"),
    "container_monthly_cost": ("Containers cost", "USD/month"),
    "hot_context_gb": ("Context to keep hot", "GB"),
    "monthly_cost": ("Monthly cost", "USD/month"),
    "cheaper_monthly_cost": ("The cheaper option costs", "USD/month"),
    "next_cheapest_monthly_cost": ("The next cheapest costs", "USD/month"),
    "premium_monthly": ("Premium", "USD/month"),
}

# Count words that take a singular after exactly one: unit -> singular.
_SINGULAR: dict[str, str] = {
    "steps": "step",
    "requests": "request",
    "slots": "slot",
    "tasks": "task",
    "tokens": "token",
    "instances": "instance",
    "vectors": "vector",
    "functions": "function",
    "executions": "execution",
    "invocations": "invocation",
    "calls": "call",
    "messages": "message",
    "workloads": "workload",
    "layers": "layer",
    "rules": "rule",
    "GPUs": "GPU",
    "vCPUs": "vCPU",
    "months": "month",
    "days": "day",
    "hours": "hour",
    "minutes": "minute",
    "seconds": "second",
    "bits": "bit",
    "dims": "dim",
    "dimensions": "dimension",
    "endpoints": "endpoint",
    "nodes": "node",
    "paths": "path",
    "items": "item",
    "connections": "connection",
    "documents": "document",
    "warnings": "warning",
    "candidates": "candidate",
    "runs": "run",
    "chunks": "chunk",
    "users": "user",
    "shards": "shard",
    "replicas": "replica",
    "OCUs": "OCU",
    "ECPUs": "ECPU",
    "containers": "container",
    "servers": "server",
    "jobs": "job",
}
_PLURAL: dict[str, str] = {single: many for many, single in _SINGULAR.items()}

_SNAKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
_UNIT_SUFFIXES = {
    "s": "s",
    "ms": "ms",
    "mb": "MB",
    "gb": "GB",
    "kb": "KB",
    "b": "billion",
    "h": "h",
    "usd": "USD",
}


def _number(count: float) -> str:
    if isinstance(count, bool):
        return str(int(count))
    if isinstance(count, int) or float(count).is_integer():
        return f"{int(count):,}"
    return f"{count:,.3g}" if abs(count) < 1000 else f"{count:,.0f}"


def is_one(count: Any) -> bool:
    try:
        return float(str(count).replace(",", "")) == 1
    except (TypeError, ValueError):
        return False


def noun(count: Any, word: str, plural_form: str | None = None) -> str:
    """The form of ``word`` (singular or plural, either given) that follows ``count``."""
    if word in _SINGULAR:  # given as a plural
        return _SINGULAR[word] if is_one(count) else word
    if is_one(count):
        return word
    if plural_form:
        return plural_form
    if word in _PLURAL:
        return _PLURAL[word]
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    if re.search(r"(s|x|z|ch|sh)$", word):
        return word + "es"
    return word + "s"


def plural(count: Any, word: str, plural_form: str | None = None) -> str:
    """'1 step', '2 steps', '1,500 requests', '0 slots'. ``count`` may be already formatted."""
    shown = count if isinstance(count, str) else _number(count)
    return f"{shown} {noun(count, word, plural_form)}"


def unit_for(value: Any, unit: str) -> str:
    """The unit as it reads after ``value``: 'steps' -> 'step' after 1, 'requests/day' likewise."""
    if not unit:
        return unit
    head, sep, tail = unit.partition("/")
    if head in _SINGULAR and is_one(value):
        return _SINGULAR[head] + sep + tail
    return unit


def humanize(name: str) -> str:
    """'wait_threshold' -> 'Wait threshold', 'lambda_max_duration_s' -> 'Lambda max duration (s)'."""
    if not isinstance(name, str) or not _SNAKE.match(name):
        return name
    words = name.split("_")
    unit = ""
    if len(words) > 1 and words[-1] in _UNIT_SUFFIXES:
        unit = _UNIT_SUFFIXES[words.pop()]
    text = " ".join(words)
    text = re.sub(
        r"\b(aws|api|gpu|cpu|rps|slo|kb|gb|mb|ec2|ecs|eks|sqs|s3|llm)\b", lambda m: m.group(0).upper(), text
    )
    text = text[0].upper() + text[1:]
    return f"{text} ({unit})" if unit else text


def choice_label(field: str, value: Any) -> Any:
    """The label of a choice field's value; other values come back unchanged (snake_case humanised)."""
    labels = CHOICE_LABELS.get(field, {})
    if value in labels:
        return labels[value]
    if isinstance(value, str) and _SNAKE.match(value):
        return humanize(value)
    return value


def name_label(name: str, fact_labels: Mapping[str, Any] | None = None) -> tuple[str, str]:
    """Label and unit of a name a rule compares: a profile field, a fact, a constant."""
    from placement.facts import FACT_LABELS
    from placement.profile import FIELDS_BY_NAME

    if fact_labels and name in fact_labels:
        label, unit = fact_labels[name]
        return label, unit
    if name in FACT_LABELS:
        return FACT_LABELS[name]
    spec = FIELDS_BY_NAME.get(name)
    if spec is not None:
        return spec.label, spec.unit or ""
    if name in NAME_LABELS:
        return NAME_LABELS[name]
    try:  # an AWS limit or quota: its title as the limits data gives it
        from placement.limits import load_limits

        limit = load_limits().get(name)
    except Exception:  # noqa: BLE001 - a label must never break a page
        limit = None
    if limit is not None:
        return limit.title, limit.unit
    return humanize(name), ""


def layer_phrase(layer: str, placement: str, label: str | None = None) -> str:
    """'Memory on DynamoDB', and for a layer that needs nothing 'Memory: nothing to keep hot'."""
    from placement.placements import LAYER_NAMES
    from placement.placements import label as placement_label

    short = LAYER_NAMES.get(layer, layer).split(" ")[0]
    if placement == "none":
        return f"{short}: {NOTHING_NEEDED.get(layer, 'nothing needed')}"
    return f"{short} on {label or placement_label(placement)}"


NOTHING_NEEDED: dict[str, str] = {
    "memory": "nothing to keep hot",
    "brain": "no model to run",
    "nerves": "nothing fits: a redesign is needed",  # none is no Nerves candidate: all ruled out
}


# Services of the price catalog, by the first part of a rate key.
SERVICE_LABELS: dict[str, str] = {
    "api_gateway_http": "API Gateway (HTTP API)",
    "api_gateway_rest": "API Gateway (REST API)",
    "api_gateway_websocket": "API Gateway (WebSocket API)",
    "alb": "Application Load Balancer",
    "aurora_serverless": "Aurora Serverless v2",
    "bedrock": "Amazon Bedrock",
    "dynamodb": "DynamoDB",
    "ec2": "Amazon EC2",
    "eks": "Amazon EKS",
    "elasticache": "ElastiCache nodes (Valkey)",
    "elasticache_serverless": "ElastiCache Serverless",
    "fargate": "AWS Fargate",
    "lambda": "AWS Lambda",
    "opensearch_serverless": "OpenSearch Serverless",
    "purchase": "Purchase options",
    "s3": "Amazon S3",
    "s3_vectors": "Amazon S3 Vectors",
    "sagemaker_async": "SageMaker asynchronous inference",
    "sagemaker_realtime": "SageMaker real-time endpoint",
    "sagemaker_serverless": "SageMaker Serverless Inference",
    "sqs": "Amazon SQS",
    "step_functions": "Step Functions (Standard)",
    "step_functions_express": "Step Functions (Express)",
}
_RATE_WORDS = {
    "vcpu": "vCPU",
    "gb": "GB",
    "ocu": "OCU",
    "ecpus": "ECPUs",
    "x86_64": "x86",
    "1y": "1 year",
    "3y": "3 years",
    "gb_seconds": "GB-seconds",
    "gb_hours": "GB-hours",
    "ocu_hours": "OCU-hours",
    "acu_hours": "ACU-hours",
    "lcu_hours": "LCU-hours",
    "storage_gb": "storage (GB)",
    "free_gb": "free GB",
}


def rate_label(key: str) -> str:
    """'step_functions_express.duration' -> 'Step Functions (Express): duration'."""
    service, _, rest = key.partition(".")
    name = SERVICE_LABELS.get(service, humanize(service))
    if service in ("ec2", "sagemaker_realtime", "sagemaker_async", "elasticache"):  # an instance type
        return f"{name}: {rest}" if rest else name
    if service == "bedrock" and "." in rest:  # a model key, then what is billed
        model, _, item = rest.rpartition(".")
        return f"{name}: {model} {_RATE_WORDS.get(item, item.replace('_', ' '))}"
    words = []
    for part in rest.split("."):
        if part in _RATE_WORDS:
            words.append(_RATE_WORDS[part])
        elif _SNAKE.match(part):
            words.append(" ".join(_RATE_WORDS.get(w, w) for w in part.split("_")))
        else:
            words.append(part)
    return f"{name}: {' '.join(words)}" if words else name


def layer_label(layer: str, placement: str | None) -> str:
    """A layer's placement as a reader sees it: 'DynamoDB', or for a layer that needs
    nothing 'Nothing to keep hot' (Memory), 'No model to run' (Brain)."""
    from placement.placements import label as placement_label

    if placement is None:
        return "—"
    if placement == "none":
        phrase = NOTHING_NEEDED.get(layer, "nothing needed")
        return phrase[0].upper() + phrase[1:]
    return placement_label(placement)
