"""Queues, rules and schedules: asynchronous doors, with SQS's visibility timeout rule."""

from __future__ import annotations

from placement import sizing
from placement.infrastructure._context import LIMITS, Context
from placement.infrastructure._template import Json, Stack, get_att, ref
from placement.infrastructure.nerves import Entry
from placement.infrastructure.scaling import door_why, events_of, scaling_policy

# AWS: "set the source queue's visibility timeout to at least six times the configuration
# timeout on your function" (the extra time lets Lambda retry a throttled batch). Source:
# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html (read 2026-12-01)
VISIBILITY_PER_FUNCTION_TIMEOUT = 6


def visibility_timeout_s(consumer_timeout_s: int) -> int:
    """Six times the consumer's timeout, within SQS's 12-hour maximum."""
    return int(
        min(LIMITS["sqs_visibility_timeout_max_s"], VISIBILITY_PER_FUNCTION_TIMEOUT * consumer_timeout_s)
    )


def _queue(stack: Stack, ctx: Context, consumer_timeout_s: int) -> int:
    visibility = visibility_timeout_s(consumer_timeout_s)
    stack.parameter(
        "MaxReceiveCount",
        "Deliveries of a message before it moves to the dead-letter queue.",
        Type="Number",
        Default=5,
        MinValue=1,
    )
    stack.add(
        "DeadLetterQueue",
        "AWS::SQS::Queue",
        {"SqsManagedSseEnabled": True},
        {"note": "Messages that failed MaxReceiveCount times."},
    )
    stack.add(
        "WorkQueue",
        "AWS::SQS::Queue",
        {
            "VisibilityTimeout": visibility,
            "SqsManagedSseEnabled": True,
            # A JSON string with the ARN as a Sub variable: the only form in which the serverless
            # rules (ES6000) see that DeadLetterQueue is a dead-letter queue.
            "RedrivePolicy": {
                "Fn::Sub": [
                    '{"deadLetterTargetArn": "${DeadLetterArn}", "maxReceiveCount": ${MaxReceiveCount}}',
                    {"DeadLetterArn": get_att("DeadLetterQueue", "Arn")},
                ]
            },
        },
        door_why(
            ctx,
            f"Visibility timeout {visibility} s: six times the consumer's {consumer_timeout_s} s timeout "
            "(https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html).",
        ),
    )
    stack.allow(
        ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"],
        get_att("WorkQueue", "Arn"),
    )
    stack.environment["WORK_QUEUE_URL"] = ref("WorkQueue")
    return visibility


def queue_door(stack: Stack, ctx: Context, entry: Entry) -> Json:
    visibility = _queue(stack, ctx, entry.timeout_s)
    _consume(stack, entry)
    return {"door": "sqs", "queue": "WorkQueue", "timeout_s": entry.timeout_s, "visibility_s": visibility}


def _container_env(stack: Stack, entry: Entry) -> None:
    if entry.kind != "service":
        return
    task = stack.resources[f"{entry.name}Task"]["Properties"]["ContainerDefinitions"][0]
    task.setdefault("Environment", []).append({"Name": "WORK_QUEUE_URL", "Value": ref("WorkQueue")})
    if stack.access and not stack.resources[f"{entry.name}TaskRole"]["Properties"].get("ManagedPolicyArns"):
        stack.resources[f"{entry.name}TaskRole"]["Properties"]["ManagedPolicyArns"] = [
            ref("WorkloadAccessPolicy")
        ]


def _backlog_scaling(stack: Stack, entry: Entry) -> None:
    """Messages waiting per task, at what one task holds at the report's target utilisation."""
    if entry.kind != "service" or entry.fleet is None:
        return
    per_task = max(1.0, entry.fleet.in_flight_per_task * sizing.TARGET_UTILIZATION)
    scaling_policy(
        stack,
        entry,
        {
            "TargetValue": round(per_task, 1),
            "CustomizedMetricSpecification": {
                "Metrics": [
                    {
                        "Id": "visible",
                        "ReturnData": False,
                        "MetricStat": {
                            "Stat": "Sum",
                            "Metric": {
                                "Namespace": "AWS/SQS",
                                "MetricName": "ApproximateNumberOfMessagesVisible",
                                "Dimensions": [
                                    {"Name": "QueueName", "Value": get_att("WorkQueue", "QueueName")}
                                ],
                            },
                        },
                    },
                    {
                        "Id": "tasks",
                        "ReturnData": False,
                        "MetricStat": {
                            "Stat": "Average",
                            "Metric": {
                                "Namespace": "ECS/ContainerInsights",
                                "MetricName": "RunningTaskCount",
                                "Dimensions": [
                                    {"Name": "ClusterName", "Value": ref(f"{entry.name}Cluster")},
                                    {"Name": "ServiceName", "Value": get_att(entry.name, "Name")},
                                ],
                            },
                        },
                    },
                    {
                        "Id": "backlog",
                        "Expression": "visible / tasks",
                        "Label": "Backlog per task",
                        "ReturnData": True,
                    },
                ]
            },
        },
        f"About {per_task:,.1f} waiting messages per task: what one task holds at the target utilisation.",
    )


def _pipe(stack: Stack, entry: Entry) -> None:
    """SQS starts a state machine through an EventBridge Pipe."""
    action = "states:StartSyncExecution" if entry.express else "states:StartExecution"
    stack.add(
        "PipeRole",
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "pipes.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "queue-to-workflow",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {
                                "Effect": "Allow",
                                "Action": [
                                    "sqs:ReceiveMessage",
                                    "sqs:DeleteMessage",
                                    "sqs:GetQueueAttributes",
                                ],
                                "Resource": get_att("WorkQueue", "Arn"),
                            },
                            {"Effect": "Allow", "Action": [action], "Resource": ref(entry.name)},
                        ],
                    },
                }
            ],
        },
        {"note": "Lets the pipe read the queue and start the workflow."},
    )
    stack.add(
        "QueuePipe",
        "AWS::Pipes::Pipe",
        {
            "RoleArn": get_att("PipeRole", "Arn"),
            "Source": get_att("WorkQueue", "Arn"),
            "Target": ref(entry.name),
            "TargetParameters": {
                "StepFunctionStateMachineParameters": {
                    "InvocationType": "REQUEST_RESPONSE" if entry.express else "FIRE_AND_FORGET"
                }
            },
        },
        {"note": "Each message starts one execution."},
    )


def event_rule(stack: Stack, ctx: Context, entry: Entry) -> Json:
    source = stack.parameter(
        "EventSource", "The event source the rule matches (e.g. aws.s3).", Default="aws.s3"
    )
    pattern = {"source": [source]}
    if entry.kind == "state_machine":
        events_of(stack, entry)["Rule"] = {
            "Type": "EventBridgeRule",
            "Properties": {"Pattern": pattern, "DeadLetterConfig": {"Type": "SQS"}},
        }
        return {"door": "eventbridge", "timeout_s": entry.timeout_s}
    # Functions and containers drain a queue the rule fills: it absorbs bursts and keeps
    # failures (rule N24, "functions behind a queue").
    stack.notes.append("The EventBridge rule puts each event on WorkQueue, which the orchestration drains.")
    return _queued(stack, ctx, entry, "EventRule", {"EventPattern": pattern})


def _queued(stack: Stack, ctx: Context, entry: Entry, rule: str, properties: Json) -> Json:
    visibility = _queue(stack, ctx, entry.timeout_s)
    _queue_target(stack, rule, "AWS::Events::Rule", properties)
    _consume(stack, entry)
    return {"door": "sqs", "queue": "WorkQueue", "timeout_s": entry.timeout_s, "visibility_s": visibility}


def _consume(stack: Stack, entry: Entry) -> None:
    if entry.kind == "function":
        events_of(stack, entry)["Queue"] = {
            "Type": "SQS",
            "Properties": {
                "Queue": get_att("WorkQueue", "Arn"),
                "FunctionResponseTypes": ["ReportBatchItemFailures"],
            },
        }
    elif entry.kind == "state_machine":
        _pipe(stack, entry)
    else:
        _container_env(stack, entry)
        _backlog_scaling(stack, entry)


def _queue_target(stack: Stack, name: str, kind: str, properties: Json) -> None:
    stack.add(
        name,
        kind,
        {
            **properties,
            "Targets": [
                {
                    "Id": "work-queue",
                    "Arn": get_att("WorkQueue", "Arn"),
                    "DeadLetterConfig": {"Arn": get_att("DeadLetterQueue", "Arn")},
                }
            ],
        },
        {"note": "Sends the work to the queue the orchestration drains."},
    )
    stack.add(
        "WorkQueuePolicy",
        "AWS::SQS::QueuePolicy",
        {
            "Queues": [ref("WorkQueue"), ref("DeadLetterQueue")],
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "events.amazonaws.com"},
                        "Action": "sqs:SendMessage",
                        "Resource": [get_att("WorkQueue", "Arn"), get_att("DeadLetterQueue", "Arn")],
                        "Condition": {"ArnEquals": {"aws:SourceArn": get_att(name, "Arn")}},
                    }
                ],
            },
        },
        {"note": "Lets EventBridge send to the queues."},
    )


def schedule(stack: Stack, ctx: Context, entry: Entry) -> Json:
    expression = stack.parameter(
        "ScheduleExpression", "When the runs start, e.g. cron(0 2 * * ? *).", Default="rate(1 day)"
    )
    if entry.kind == "state_machine":
        events_of(stack, entry)["Schedule"] = {
            "Type": "ScheduleV2",
            "Properties": {"ScheduleExpression": expression, "DeadLetterConfig": {"Type": "SQS"}},
        }
        return {"door": "schedule", "timeout_s": entry.timeout_s}
    return _queued(stack, ctx, entry, "ScheduleRule", {"ScheduleExpression": expression})
