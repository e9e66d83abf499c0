"""The Nerves layer's front door: how requests reach the orchestration, what it costs,
and which of its limits the workload meets.

Each Nerves candidate gets the door an architect would put in front of it: a
queue, a rule or a schedule for asynchronous work; for synchronous calls an HTTP
API in front of functions, a function URL when the answer takes longer than API
Gateway waits or is streamed, a load balancer in front of containers, a WebSocket
API for held connections. A door whose hard limit the workload breaks rules its
placement out, naming the limit; one close to a limit carries a warning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from placement.constants import MATRIX_CONSTANTS
from placement.facts import HOURS_PER_MONTH, Facts
from placement.limits import Limit, load_limits
from placement.profile import WorkloadProfile

DOORS: dict[str, str] = {
    "api_gateway_rest": "API Gateway REST API",
    "api_gateway_http": "API Gateway HTTP API",
    "api_gateway_websocket": "API Gateway WebSocket API",
    "alb": "Application Load Balancer",
    "function_url": "Lambda function URL",
    "sqs": "Amazon SQS queue",
    "eventbridge": "Amazon EventBridge rule",
    "schedule": "EventBridge Scheduler",
    "none": "None (started inside AWS)",
}
CONTAINERS = frozenset({"fargate", "ecs_ec2", "eks", "ec2"})
FUNCTIONS = frozenset({"lambda", "lambda_durable"})
CLOSE = MATRIX_CONSTANTS["limit_warning_share"]
# Read once: a break-even search asks for the door of every price point.
LIMITS = load_limits()
# ALB capacity units: one LCU is 25 new connections a second, 3,000 active connections a
# minute or 1 GB processed an hour, whichever is largest (Elastic Load Balancing pricing).
LCU_NEW_CONNECTIONS_PER_S = 25
LCU_ACTIVE_CONNECTIONS = 3_000
LCU_GB_PER_HOUR = 1.0
# What one request and its answer carry through the door when the profile does not say.
REQUEST_BYTES = 10 * 1024
# SQS: a message is sent, received and deleted: three requests.
SQS_REQUESTS_PER_MESSAGE = 3


@dataclass(frozen=True)
class Door:
    id: str
    why: str
    warnings: tuple[str, ...] = ()
    breaks: tuple[tuple[str, str], ...] = ()  # (limit name, the sentence that rules it out)

    @property
    def label(self) -> str:
        return DOORS[self.id]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "label": self.label,
            "why": self.why,
            "warnings": list(self.warnings),
            "breaks": [{"limit": name, "text": text} for name, text in self.breaks],
        }


def door_for(placement: str, p: WorkloadProfile, f: Facts) -> Door:
    """The front door of one Nerves candidate for this workload."""
    if p.trigger != "api":
        return _asynchronous(p)
    if p.websocket_session_minutes > 0:
        return _websocket(placement, p)
    if placement in CONTAINERS:
        return _load_balancer(p)
    return _within_api_gateway_payload(p, _api_door(placement, p))


def _api_door(placement: str, p: WorkloadProfile) -> Door:
    if placement == "step_functions_express":
        return _express(p)
    if placement == "step_functions":
        return Door(
            "api_gateway_rest",
            "A REST API starts the Standard workflow (StartExecution) "
            "and answers at once with its execution id; Standard workflows do not answer "
            "synchronously, so the caller polls or is called back.",
            warnings=(
                "Step Functions Standard starts asynchronously: the caller gets an "
                "execution id, not the answer, and must poll or take a callback.",
            ),
        )
    return _function(p)


def _within_api_gateway_payload(p: WorkloadProfile, door: Door) -> Door:
    """API Gateway refuses bodies over its payload quota, whatever stands behind it."""
    if not door.id.startswith("api_gateway"):
        return door
    limit = LIMITS[
        "api_gateway_http_payload_mb" if door.id == "api_gateway_http" else "api_gateway_rest_payload_mb"
    ]
    if p.payload_kb <= limit.value * 1024:
        return door
    return Door(
        door.id,
        door.why,
        door.warnings,
        door.breaks
        + (
            (
                limit.name,
                (
                    f"Calls of up to {p.payload_kb:,.0f} KB exceed API Gateway's {limit.value:g} MB payload "
                    f"quota: upload to S3 with a presigned URL and pass the key."
                ),
            ),
        ),
    )


def _asynchronous(p: WorkloadProfile) -> Door:
    if p.trigger == "queue":
        return Door(
            "sqs",
            "Work arrives on an SQS queue that the orchestration drains: it absorbs "
            "bursts and retries failures.",
        )
    if p.trigger == "event":
        return Door(
            "eventbridge",
            "Events (an S3 upload, a record change) reach the orchestration through an EventBridge rule.",
        )
    return Door("schedule", "EventBridge Scheduler starts the runs on time.")


def _function(p: WorkloadProfile) -> Door:
    limits = LIMITS
    http = limits["api_gateway_http_integration_timeout_s"]
    if p.streaming or p.max_duration_s > http.value * CLOSE:
        return _function_url(p, limits)
    return _http_api(p, "An HTTP API invokes the function: the cheapest API Gateway door.")


def _express(p: WorkloadProfile) -> Door:
    """Express answers synchronously through API Gateway, within its integration timeout."""
    limits = LIMITS
    http, rest = (
        limits["api_gateway_http_integration_timeout_s"],
        limits["api_gateway_rest_integration_timeout_s"],
    )
    why = "API Gateway starts the Express workflow synchronously (StartSyncExecution) and returns its result."
    if p.max_duration_s <= http.value:
        return _http_api(p, why)
    # Only a REST API's timeout can be raised (Regional and private APIs, against throttle quota).
    return Door(
        "api_gateway_rest",
        why,
        warnings=(
            f"A synchronous worst case of {p.max_duration_s:,.0f} s is past API Gateway's default "
            f"{rest.value:,.0f}-second integration timeout: this door relies on a quota increase "
            f"(a REST API's timeout can be raised for Regional and private APIs, at the cost of "
            f"throttle quota), or the call must become asynchronous.",
        ),
    )


def _http_api(p: WorkloadProfile, why: str) -> Door:
    limit = LIMITS["api_gateway_http_integration_timeout_s"]
    if p.max_duration_s > limit.value:
        return Door(
            "api_gateway_http",
            why,
            breaks=(
                (
                    limit.name,
                    (
                        f"A synchronous worst case of {p.max_duration_s:,.0f} s exceeds API Gateway's "
                        f"{limit.value:,.0f}-second integration timeout ({limit.title.lower()}): callers would "
                        f"get a 504. Make the call asynchronous, or answer from a function URL or containers."
                    ),
                ),
            ),
        )
    return Door("api_gateway_http", why, warnings=_close(p.max_duration_s, limit, "worst case"))


def _function_url(p: WorkloadProfile, limits: dict[str, Limit]) -> Door:
    limit = limits["function_url_timeout_s"]
    why = "A function URL answers directly, without API Gateway's 30-second timeout" + (
        ", and streams the response as it is generated." if p.streaming else "."
    )
    return Door("function_url", why, warnings=_close(p.max_duration_s, limit, "worst case"))


def _load_balancer(p: WorkloadProfile) -> Door:
    limits = LIMITS
    default, maximum = limits["alb_idle_timeout_default_s"], limits["alb_idle_timeout_max_s"]
    why = "An Application Load Balancer spreads requests over the tasks, in two Availability Zones."
    if p.max_duration_s > maximum.value:
        return Door(
            "alb",
            why,
            breaks=(
                (
                    maximum.name,
                    (
                        f"A synchronous worst case of {p.max_duration_s:,.0f} s exceeds the longest idle timeout "
                        f"a load balancer allows ({maximum.value:,.0f} s): make the call asynchronous."
                    ),
                ),
            ),
        )
    warnings = []
    if p.max_duration_s > default.value:
        wanted = min(maximum.value, math.ceil(p.max_duration_s * 1.2 / 10) * 10)
        kind = "Streams" if p.streaming else "Requests"
        warnings.append(
            f"{kind} of up to {p.max_duration_s:,.0f} s outlast the load balancer's default "
            f"idle timeout of {default.value:,.0f} s: set it to about {wanted:,.0f} s "
            f"(at most {maximum.value:,.0f} s), and the server's keep-alive above it."
        )
    return Door("alb", why, warnings=tuple(warnings))


def _websocket(placement: str, p: WorkloadProfile) -> Door:
    limits = LIMITS
    session_s = p.websocket_session_minutes * 60
    if placement in CONTAINERS:
        default = limits["alb_idle_timeout_default_s"]
        return Door(
            "alb",
            "An Application Load Balancer holds the WebSocket connections to the tasks.",
            warnings=(
                f"Held connections go quiet: ping within the load balancer's idle "
                f"timeout ({default.value:,.0f} s by default) or raise it.",
            ),
        )
    connection, idle = limits["api_gateway_websocket_connection_s"], limits["api_gateway_websocket_idle_s"]
    why = "An API Gateway WebSocket API holds the connections and invokes the functions per message."
    if session_s > connection.value:
        return Door(
            "api_gateway_websocket",
            why,
            breaks=(
                (
                    connection.name,
                    (
                        f"Sessions of {p.websocket_session_minutes:,.0f} minutes outlast the "
                        f"{connection.value / 3600:g} hours after which API Gateway closes a WebSocket "
                        f"connection."
                    ),
                ),
            ),
        )
    warnings = list(_close(session_s, connection, "session"))
    if session_s > idle.value:
        warnings.append(
            f"API Gateway closes a WebSocket connection idle for {idle.value / 60:g} "
            f"minutes: clients must send a keep-alive message."
        )
    return Door("api_gateway_websocket", why, warnings=tuple(warnings))


def _close(value: float, limit: Limit, what: str) -> tuple[str, ...]:
    if value < limit.value * CLOSE or value > limit.value:
        return ()
    return (
        f"The {what} of {value:,.0f} s is close to the {limit.title.lower()} of "
        f"{limit.value:,.0f} s: alarm on it, and move the long tail off this door if it grows.",
    )


# -- what a door costs ------------------------------------------------------------------------


def door_usage(door: Door, p: WorkloadProfile, f: Facts) -> tuple[str | None, dict[str, Any], str]:
    """``(service, usage, note)`` for ``estimate``; service None when the door adds no charge."""
    requests = f.requests_per_month
    if door.id == "api_gateway_http":
        return "api_gateway_http", {"requests": requests}, "HTTP API: one request per call."
    if door.id == "api_gateway_rest":
        return "api_gateway_rest", {"requests": requests}, "REST API: one request per call."
    if door.id == "api_gateway_websocket":
        return (
            "api_gateway_websocket",
            {"messages": 2 * requests, "connection_minutes": requests * p.websocket_session_minutes},
            "WebSocket API: a message each way per request, and one connection per request "
            "held for the whole session (an upper bound).",
        )
    if door.id == "alb":
        return (
            "alb",
            {"hours": HOURS_PER_MONTH, "lcu_hours": alb_lcus(p, f) * HOURS_PER_MONTH},
            (
                f"One load balancer all month at {alb_lcus(p, f):,.2f} capacity units on average "
                f"(new connections, active connections and about {REQUEST_BYTES // 1024} KB a request)."
            ),
        )
    if door.id == "sqs":
        return (
            "sqs",
            {"requests": requests * SQS_REQUESTS_PER_MESSAGE, "free_tier": False},
            "SQS: send, receive and delete for each message; the free tier is left out.",
        )
    notes = {
        "function_url": "A function URL costs nothing beyond the function itself.",
        "eventbridge": "Events from AWS services to the default event bus are free; custom events "
        "($1.00 per million) are not priced.",
        "schedule": "EventBridge Scheduler's first 14 million invocations a month are free.",
    }
    return None, {}, notes.get(door.id, "")


def alb_lcus(p: WorkloadProfile, f: Facts) -> float:
    """Average load balancer capacity units: the largest of the dimensions AWS bills."""
    new_connections = f.average_rps / LCU_NEW_CONNECTIONS_PER_S
    active = f.average_concurrency / LCU_ACTIVE_CONNECTIONS
    processed = f.average_rps * 3600 * REQUEST_BYTES / 1024**3 / LCU_GB_PER_HOUR
    return max(new_connections, active, processed)
