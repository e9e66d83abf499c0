"""CloudWatch alarms for the report's next steps and warnings, and a budget at the estimate.

Each alarm fires where the advice calls a value "close" to its limit (the matrix's share), or
on any throttle, error or dead letter: the things the report says to watch.
"""

from __future__ import annotations

import math
from typing import Any

from placement.infrastructure._context import CLOSE, LIMITS, Context
from placement.infrastructure._template import Json, Stack, get_att, ref
from placement.infrastructure.brain import ENDPOINT
from placement.infrastructure.nerves import Entry

# Five minutes: CloudWatch's standard period for service metrics that arrive each minute,
# long enough that one slow request does not page anyone.
PERIOD_S = 300


def build(stack: Stack, ctx: Context, entry: Entry, door: Json) -> None:
    stack.add(
        "AlarmTopic",
        "AWS::SNS::Topic",
        {"KmsMasterKeyId": "alias/aws/sns"},
        {"note": "Subscribe the team to it."},
    )
    functions = {
        name: r["Properties"]["Timeout"]
        for name, r in stack.resources.items()
        if r["Type"] == "AWS::Serverless::Function"
    }
    for name, timeout in functions.items():
        _function_alarms(stack, name, timeout)
    if functions:
        _concurrency_alarm(stack, ctx)
    if entry.kind == "state_machine":
        _workflow_alarms(stack, entry)
    if entry.kind == "service":
        _service_alarms(stack, entry, door)
    _door_alarms(stack, door)
    _brain_alarms(stack, ctx)
    _memory_alarms(stack, ctx)
    _budget(stack, ctx)


def _alarm(
    stack: Stack,
    name: str,
    why: str,
    namespace: str,
    metric: str,
    dimensions: dict[str, Any],
    threshold: float,
    statistic: str = "Sum",
    comparison: str = "GreaterThanOrEqualToThreshold",
) -> None:
    properties: Json = {
        "AlarmDescription": why,
        "Namespace": namespace,
        "MetricName": metric,
        "Period": PERIOD_S,
        "EvaluationPeriods": 1,
        "Threshold": threshold,
        "ComparisonOperator": comparison,
        "TreatMissingData": "notBreaching",
        "AlarmActions": [ref("AlarmTopic")],
    }
    if dimensions:
        properties["Dimensions"] = [{"Name": k, "Value": v} for k, v in dimensions.items()]
    if statistic.startswith("p"):
        properties["ExtendedStatistic"] = statistic
    else:
        properties["Statistic"] = statistic
    stack.add(name, "AWS::CloudWatch::Alarm", properties, {"next_step": why})


def _function_alarms(stack: Stack, name: str, timeout_s: int) -> None:
    dims = {"FunctionName": ref(name)}
    _alarm(stack, f"{name}Errors", f"{name} returned errors.", "AWS/Lambda", "Errors", dims, 1)
    _alarm(
        stack,
        f"{name}Throttles",
        f"{name} was throttled: callers were turned away.",
        "AWS/Lambda",
        "Throttles",
        dims,
        1,
    )
    _alarm(
        stack,
        f"{name}DurationNearTimeout",
        f"p99 duration past {CLOSE:.0%} of the {timeout_s} s timeout: send the long tail elsewhere before it times out.",
        "AWS/Lambda",
        "Duration",
        dims,
        round(timeout_s * 1000 * CLOSE),
        statistic="p99",
    )


def _concurrency_alarm(stack: Stack, ctx: Context) -> None:
    """On the account's concurrency, which every function shares (the metric without dimensions)."""
    quota = LIMITS["lambda_concurrency_default"]
    _alarm(
        stack,
        "ConcurrencyNearQuota",
        f"Concurrent executions past {CLOSE:.0%} of the account's default {quota:,.0f}: "
        f"Lambda throttles the whole account past the quota (peak expected: {ctx.facts.peak_concurrency:,.0f}).",
        "AWS/Lambda",
        "ConcurrentExecutions",
        {},
        math.floor(quota * CLOSE),
        statistic="Maximum",
    )


def _workflow_alarms(stack: Stack, entry: Entry) -> None:
    dims = {"StateMachineArn": ref(entry.name)}
    _alarm(stack, "WorkflowFailed", "Executions failed.", "AWS/States", "ExecutionsFailed", dims, 1)
    _alarm(
        stack,
        "WorkflowTimedOut",
        "Executions timed out (a wait far past the expected one is stuck, not slow).",
        "AWS/States",
        "ExecutionsTimedOut",
        dims,
        1,
    )
    _alarm(
        stack,
        "WorkflowThrottled",
        "State transitions were throttled.",
        "AWS/States",
        "ExecutionThrottled",
        dims,
        1,
    )


def _service_alarms(stack: Stack, entry: Entry, door: Json) -> None:
    fleet = entry.fleet
    if fleet is None:
        return
    _alarm(
        stack,
        "ServiceAtPeakCapacity",
        f"The service runs its maximum of {fleet.peak_tasks} tasks: traffic is past the peak the report sized.",
        "ECS/ContainerInsights",
        "RunningTaskCount",
        {"ClusterName": ref(f"{entry.name}Cluster"), "ServiceName": get_att(entry.name, "Name")},
        fleet.peak_tasks,
        statistic="Maximum",
    )


def _door_alarms(stack: Stack, door: Json) -> None:
    kind = door.get("door")
    if kind == "sqs":
        queue = {"QueueName": get_att("WorkQueue", "QueueName")}
        _alarm(
            stack,
            "QueueAgeNearVisibility",
            f"The oldest message has waited {CLOSE:.0%} of the {door['visibility_s']} s visibility timeout: consumers fall behind.",
            "AWS/SQS",
            "ApproximateAgeOfOldestMessage",
            queue,
            round(door["visibility_s"] * CLOSE),
            statistic="Maximum",
        )
        _alarm(
            stack,
            "DeadLetters",
            "Messages reached the dead-letter queue.",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            {"QueueName": get_att("DeadLetterQueue", "QueueName")},
            1,
            statistic="Maximum",
        )
    elif kind in ("api", "http_api"):
        dims = {"ApiName": ref("AWS::StackName")} if kind == "api" else {"ApiId": ref("HttpApi")}
        latency = "IntegrationLatency"
        _alarm(
            stack,
            "ApiLatencyNearTimeout",
            f"p99 integration latency past {CLOSE:.0%} of the {door['timeout_s']} s integration timeout the advice relies on.",
            "AWS/ApiGateway",
            latency,
            dims,
            round(door["timeout_s"] * 1000 * CLOSE),
            statistic="p99",
        )
        errors = "5XXError" if kind == "api" else "5xx"
        _alarm(
            stack,
            "ApiServerErrors",
            "The API answered with server errors.",
            "AWS/ApiGateway",
            errors,
            dims,
            1,
        )
    elif kind == "alb":
        dims = {"LoadBalancer": get_att("LoadBalancer", "LoadBalancerFullName")}
        _alarm(
            stack,
            "ResponseTimeNearIdleTimeout",
            f"p95 target response time past {CLOSE:.0%} of the {door['timeout_s']} s idle timeout.",
            "AWS/ApplicationELB",
            "TargetResponseTime",
            dims,
            round(door["timeout_s"] * CLOSE, 1),
            statistic="p95",
        )
        _alarm(
            stack,
            "TargetServerErrors",
            "Tasks answered with server errors.",
            "AWS/ApplicationELB",
            "HTTPCode_Target_5XX_Count",
            dims,
            1,
        )


def _brain_alarms(stack: Stack, ctx: Context) -> None:
    placement = ctx.placement("brain")
    if placement in ("bedrock", "bedrock_batch"):
        quota = ctx.warnings_mentioning("quota")
        _alarm(
            stack,
            "ModelThrottles",
            "Bedrock throttled calls: the account's model quota is too small for the peak."
            + (f" The advice warns: {quota[0]}" if quota else ""),
            "AWS/Bedrock",
            "InvocationThrottles",
            {"ModelId": ref("BedrockModelId")},
            1,
        )
    elif placement.startswith("sagemaker") and stack.has(ENDPOINT):
        dims = {"EndpointName": get_att(ENDPOINT, "EndpointName"), "VariantName": "AllTraffic"}
        _alarm(
            stack,
            "ModelErrors",
            "The endpoint answered with server errors.",
            "AWS/SageMaker",
            "Invocation5XXErrors",
            dims,
            1,
        )
        if placement == "sagemaker_async":
            _alarm(
                stack,
                "ModelBacklogWithoutCapacity",
                "Requests wait with no instance running: scale out from zero.",
                "AWS/SageMaker",
                "HasBacklogWithoutCapacity",
                {"EndpointName": get_att(ENDPOINT, "EndpointName")},
                1,
                statistic="Maximum",
            )


def _memory_alarms(stack: Stack, ctx: Context) -> None:
    placement = ctx.placement("memory")
    if placement == "dynamodb":
        for kind in ("Read", "Write"):
            _alarm(
                stack,
                f"State{kind}Throttles",
                f"{kind}s to the state table were throttled: the orchestration stalls waiting on them.",
                "AWS/DynamoDB",
                f"{kind}ThrottleEvents",
                {"TableName": ref("StateTable")},
                1,
            )
    elif (
        placement == "elasticache"
        and stack.resources.get("ContextCache", {}).get("Type") == "AWS::ElastiCache::ServerlessCache"
    ):
        _alarm(
            stack,
            "CacheEvictions",
            "The cache evicted keys: the hot context no longer fits.",
            "AWS/ElastiCache",
            "Evictions",
            {"clusterId": ref("ContextCache")},
            1,
        )


def _budget(stack: Stack, ctx: Context) -> None:
    total = (ctx.advice.get("monthly_cost") or {}).get("total")
    if not total:
        return
    stack.add(
        "MonthlyBudget",
        "AWS::Budgets::Budget",
        {
            "Budget": {
                "BudgetType": "COST",
                "TimeUnit": "MONTHLY",
                "BudgetLimit": {"Amount": round(float(total), 2), "Unit": "USD"},
            }
        },
        {
            "next_step": f"A budget at the estimated ${float(total):,.2f} a month: compare the first bills with it."
        },
    )
