"""The Nerves layer as resources: functions, a state machine, or a container service."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from placement import sizing
from placement.infrastructure._context import LIMITS, Context, timeout_s
from placement.infrastructure._template import Json, Stack, get_att, log_retention, ref, sub
from placement.infrastructure.containers import add_service, network, service_role

# Step Functions' own best practice: retry a Lambda task on its transient service errors, with
# the retrier AWS gives. Source, "Handle Lambda service exceptions":
# https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html (read 2026-12-01)
LAMBDA_TRANSIENT_RETRY = {
    "ErrorEquals": [
        "Lambda.ClientExecutionTimeoutException",
        "Lambda.ServiceException",
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
    ],
    "IntervalSeconds": 2,
    "MaxAttempts": 6,
    "BackoffRate": 2,
}
ORCHESTRATOR = "Orchestrator"
STEP_FUNCTION = "StepFunction"
WORKFLOW = "Workflow"
SERVICE = "Service"


@dataclass
class Entry:
    """What the front door starts and the alarms watch: a function, a state machine or a service."""

    kind: str  # "function", "state_machine", "service", "instances" or "none"
    name: str = ""
    timeout_s: int = 0  # how long one request may take in it: the consumer's timeout
    express: bool = False
    fleet: sizing.Fleet | None = None


def build(stack: Stack, ctx: Context) -> Entry:
    placement = ctx.placement("nerves")
    builders = {
        "lambda": _function,
        "lambda_durable": _function,
        "step_functions": _state_machine,
        "step_functions_express": _state_machine,
        "fargate": _containers,
        "ecs_ec2": _containers,
        "eks": _kubernetes,
        "ec2": _containers,  # plain EC2 is sized and deployed as ECS on EC2
    }
    builder = builders.get(placement)
    if builder is None:
        stack.notes.append(f"Nerves on {placement}: nothing to generate in a SAM template.")
        return Entry("none")
    return builder(stack, ctx)


# -- functions ----------------------------------------------------------------------------------


def add_function(
    stack: Stack, name: str, memory_mb: int, timeout: int, why: Json, code: str, **properties: Any
) -> Json:
    """A function on arm64 (as every Lambda cost in the report is priced), traced, with a log
    group that keeps its logs for the retention the team chooses (serverless rule WS1004)."""
    body: Json = {
        "CodeUri": f"src/{code}/",
        "Handler": "app.handler",
        # The team's language: any runtime works; SnapStart needs Python 3.12+ or Java.
        "Runtime": "python3.13",
        "Architectures": ["arm64"],
        "MemorySize": memory_mb,
        "Timeout": timeout,
        "Tracing": "Active",
        **properties,
    }
    if stack.access:
        body.setdefault("Policies", []).append(ref("WorkloadAccessPolicy"))
    if stack.environment:
        body["Environment"] = {"Variables": dict(stack.environment)}
    stack.add(name, "AWS::Serverless::Function", body, why)
    log_retention(stack)
    stack.add(
        f"{name}LogGroup",
        "AWS::Logs::LogGroup",
        {"LogGroupName": sub(f"/aws/lambda/${{{name}}}"), "RetentionInDays": ref("LogRetentionDays")},
        {"note": f"Logs of {name}, kept for LogRetentionDays."},
    )
    return ref(name)


def _keep_warm(extra: Json, ctx: Context, billed_s: float) -> str:
    """Provisioned concurrency where the report prices it (a tight synchronous latency target)."""
    concurrency = sizing.provisioned_concurrency(ctx.profile, ctx.facts, billed_s)
    if not concurrency:
        return ""
    extra["AutoPublishAlias"] = "live"
    extra["ProvisionedConcurrencyConfig"] = {"ProvisionedConcurrentExecutions": concurrency}
    return f" Provisioned concurrency of {concurrency}: the latency target leaves no room for cold starts."


def _function(stack: Stack, ctx: Context) -> Entry:
    p, f = ctx.profile, ctx.facts
    memory = int(f.lambda_memory_mb)
    timeout = timeout_s(f.lambda_worst_case_s, LIMITS["lambda_timeout_s"])
    extra: Json = {"Description": f"{p.name}: the orchestration ({ctx.placement('nerves')})."}
    note = (
        f"{memory:,} MB (the memory the report prices), timeout {timeout} s covering the worst case "
        f"of {f.lambda_worst_case_s:,.1f} s at that memory."
    )
    # Billed duration as the report prices it, for the provisioned concurrency it sizes.
    config = sizing.lambda_config(p, p.request_duration_s * f.cpu_share, f.wait_seconds_per_request)
    note += _keep_warm(extra, ctx, config.duration_s)
    if ctx.placement("nerves") == "lambda_durable":
        execution = math.ceil(p.max_duration_s + f.human_wait_seconds)
        extra["DurableConfig"] = {"ExecutionTimeout": execution}
        note += (
            f" Durable execution of up to {execution:,} s: the worst case plus the "
            f"{p.human_wait_hours:g} h wait, checkpointed at each of the {ctx.steps} steps."
        )
    add_function(stack, ORCHESTRATOR, memory, timeout, ctx.why("nerves", note), "orchestration", **extra)
    return Entry("function", ORCHESTRATOR, timeout)


# -- state machines ---------------------------------------------------------------------------


def _state_machine(stack: Stack, ctx: Context) -> Entry:
    p, f = ctx.profile, ctx.facts
    express = ctx.placement("nerves") == "step_functions_express"
    # As the report prices it: functions run only the CPU part of each step.
    cpu_s = max(0.1, p.request_duration_s * f.cpu_share) / ctx.steps
    config = sizing.lambda_config(p, cpu_s, 0.0)
    memory = config.memory_mb
    step_worst = sizing.lambda_worst_case_s(p, memory) / ctx.steps
    step_timeout = timeout_s(step_worst, LIMITS["lambda_timeout_s"])
    extra: Json = {"Description": f"{p.name}: the work of each workflow step."}
    warm = _keep_warm(extra, ctx, config.duration_s)
    add_function(
        stack,
        STEP_FUNCTION,
        memory,
        step_timeout,
        ctx.why("nerves", f"Runs one step's work: {memory:,} MB, timeout {step_timeout} s.{warm}"),
        "steps",
        **extra,
    )
    limit = LIMITS["step_functions_express_max_s" if express else "step_functions_standard_max_s"]
    whole = min(limit, math.ceil(p.max_duration_s + (0 if express else f.human_wait_seconds)))
    definition = _definition(ctx, step_timeout, int(whole), express)
    log_retention(stack)
    stack.add(
        "WorkflowLogGroup",
        "AWS::Logs::LogGroup",
        {
            "LogGroupName": sub(f"/aws/vendedlogs/states/${{AWS::StackName}}-{WORKFLOW}"),
            "RetentionInDays": ref("LogRetentionDays"),
        },
        {"note": "Execution logs: Express workflows keep no history of their own."},
    )
    policies: list[Any] = [{"LambdaInvokePolicy": {"FunctionName": ref(STEP_FUNCTION)}}, _log_delivery()]
    if stack.access:
        policies.append(ref("WorkloadAccessPolicy"))
    stack.add(
        WORKFLOW,
        "AWS::Serverless::StateMachine",
        {
            "Type": "EXPRESS" if express else "STANDARD",
            "Definition": definition,
            "DefinitionSubstitutions": {"StepFunctionArn": get_att(STEP_FUNCTION, "Arn")},
            "Policies": policies,
            "Tracing": {"Enabled": True},
            "Logging": {
                "Level": "ERROR",
                "IncludeExecutionData": False,
                "Destinations": [
                    {"CloudWatchLogsLogGroup": {"LogGroupArn": get_att("WorkflowLogGroup", "Arn")}}
                ],
            },
        },
        ctx.why(
            "nerves",
            f"One Task state per orchestration step ({ctx.steps}), each bounded by the step "
            f"function's {step_timeout} s timeout; the whole run by {int(whole):,} s.",
        ),
    )
    return Entry("state_machine", WORKFLOW, int(whole), express=express)


def _definition(ctx: Context, step_timeout: int, whole_s: int, express: bool) -> Json:
    names = [f"Step{i}" for i in range(1, ctx.steps + 1)]
    states: Json = {}
    for name in names:
        states[name] = _task(name, step_timeout)
    if ctx.human_wait_s and not express:
        # A person (or an outside event) answers with SendTaskSuccess and the token.
        waiting = _task("WaitForPerson", step_timeout)
        waiting["Resource"] = "arn:aws:states:::lambda:invoke.waitForTaskToken"
        waiting["Parameters"]["Payload"] = {"token.$": "$$.Task.Token", "input.$": "$"}
        del waiting["OutputPath"]  # the output is what SendTaskSuccess sends, not a Lambda response
        waiting["TimeoutSeconds"] = ctx.human_wait_s
        names.insert(len(names) - 1 if len(names) > 1 else 1, "WaitForPerson")
        states["WaitForPerson"] = waiting
    for current, following in zip(names, names[1:], strict=False):
        states[current]["Next"] = following
    states[names[-1]]["End"] = True
    ordered = {name: states[name] for name in names}
    return {
        "Comment": f"{ctx.profile.name}: a skeleton of the {ctx.steps} orchestration steps.",
        "StartAt": names[0],
        "TimeoutSeconds": whole_s,
        "States": ordered,
    }


def _task(name: str, timeout: int) -> Json:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": "${StepFunctionArn}", "Payload": {"step": name, "input.$": "$"}},
        "OutputPath": "$.Payload",
        "TimeoutSeconds": timeout,
        "Retry": [dict(LAMBDA_TRANSIENT_RETRY)],
    }


def _log_delivery() -> Json:
    """What Step Functions needs to deliver execution logs (these actions take no resource ARN)."""
    return {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": [
                    "logs:CreateLogDelivery",
                    "logs:GetLogDelivery",
                    "logs:UpdateLogDelivery",
                    "logs:DeleteLogDelivery",
                    "logs:ListLogDeliveries",
                    "logs:PutResourcePolicy",
                    "logs:DescribeResourcePolicies",
                    "logs:DescribeLogGroups",
                ],
                "Resource": "*",
            }
        ]
    }


# -- containers ---------------------------------------------------------------------------------


def _containers(stack: Stack, ctx: Context) -> Entry:
    fleet = sizing.nerves_fleet(ctx.profile, ctx.facts)
    on_ec2 = ctx.placement("nerves") in ("ecs_ec2", "ec2")
    add_service(stack, ctx, SERVICE, fleet, on_ec2, "nerves", "orchestration", container_instance(ctx, fleet))
    return Entry("service", SERVICE, math.ceil(ctx.profile.max_duration_s), fleet=fleet)


def _kubernetes(stack: Stack, ctx: Context) -> Entry:
    """A stand-in: the cluster and its nodes. The orchestration's Deployment and autoscaler are
    Kubernetes manifests, outside CloudFormation."""
    fleet = sizing.nerves_fleet(ctx.profile, ctx.facts)
    _, subnets = network(stack)
    instance = container_instance(ctx, fleet)
    per_node = max(1, sizing.tasks_per_instance(fleet, instance))
    service_role(stack, "ClusterRole", "eks.amazonaws.com", ["AmazonEKSClusterPolicy"])
    service_role(
        stack,
        "NodeRole",
        "ec2.amazonaws.com",
        ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"],
    )
    stack.add(
        "Cluster",
        "AWS::EKS::Cluster",
        {"RoleArn": get_att("ClusterRole", "Arn"), "ResourcesVpcConfig": {"SubnetIds": subnets}},
        ctx.why("nerves", "A minimal stand-in for EKS: the control plane the report prices."),
    )
    stack.add(
        "Nodes",
        "AWS::EKS::Nodegroup",
        {
            "ClusterName": ref("Cluster"),
            "NodeRole": get_att("NodeRole", "Arn"),
            "Subnets": subnets,
            "AmiType": "AL2023_ARM_64_STANDARD",
            "InstanceTypes": [instance.name],
            "ScalingConfig": {
                "MinSize": max(1, math.ceil(fleet.min_tasks / per_node)),
                "DesiredSize": max(1, math.ceil(fleet.min_tasks / per_node)),
                "MaxSize": max(1, math.ceil(fleet.peak_tasks / per_node)),
            },
        },
        ctx.why("nerves", f"{instance.name} nodes for pods of {fleet.vcpu:g} vCPU / {fleet.memory_gb:g} GB."),
    )
    stack.notes.append(
        f"EKS is a stand-in: deploy the orchestration as pods of {fleet.vcpu:g} vCPU / "
        f"{fleet.memory_gb:g} GB with a HorizontalPodAutoscaler from {fleet.min_tasks} to "
        f"{fleet.peak_tasks} replicas (Kubernetes manifests, not CloudFormation)."
    )
    return Entry("instances", "Nodes", math.ceil(ctx.profile.max_duration_s), fleet=fleet)


def container_instance(ctx: Context, fleet: sizing.Fleet) -> sizing.Instance:
    """The instance the report packs the fleet's tasks on (``sizing.container_instance``); the
    general-purpose one when no priced instance holds a task (the report then prices none, and
    ``add_ec2_capacity`` says so in the template)."""
    catalog = ctx.catalog
    chosen = sizing.container_instance(fleet, catalog) if catalog is not None else None
    return chosen or sizing.GENERAL_INSTANCE
