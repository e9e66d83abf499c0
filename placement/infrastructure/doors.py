"""The front door as resources, with the timeouts the advice relies on."""

from __future__ import annotations

from placement.infrastructure import apis, balancer, queues
from placement.infrastructure._context import Context
from placement.infrastructure._template import Json, Stack
from placement.infrastructure.nerves import Entry
from placement.infrastructure.scaling import cpu_scaling

__all__ = ["build", "cpu_scaling"]


def build(stack: Stack, ctx: Context, entry: Entry) -> Json:
    """Adds the door in front of ``entry``; returns what the alarms need to know about it."""
    door = ctx.door
    if entry.kind == "none" or door == "none":
        return {"door": "none"}
    builders = {
        "api_gateway_rest": apis.rest_api,
        "api_gateway_http": apis.http_api,
        "api_gateway_websocket": apis.websocket,
        "function_url": apis.function_url,
        "alb": balancer.load_balancer,
        "sqs": queues.queue_door,
        "eventbridge": queues.event_rule,
        "schedule": queues.schedule,
    }
    return builders[door](stack, ctx, entry)
