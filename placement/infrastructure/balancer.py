"""An Application Load Balancer in front of containers, with the idle timeout the advice asks for."""

from __future__ import annotations

import math

from placement import sizing
from placement.infrastructure._context import LIMITS, Context
from placement.infrastructure._template import Json, Stack, ref, sub
from placement.infrastructure.containers import CONTAINER_PORT, network
from placement.infrastructure.nerves import Entry
from placement.infrastructure.scaling import door_why, scaling_policy


def alb_idle_timeout_s(ctx: Context) -> int:
    """The idle timeout the advice asks for: the default, or about 1.2 x the worst case rounded
    up to 10 s within the maximum (placement/front_door.py says "set it to about ...")."""
    default, maximum = LIMITS["alb_idle_timeout_default_s"], LIMITS["alb_idle_timeout_max_s"]
    worst = ctx.profile.max_duration_s
    if ctx.profile.websocket_session_minutes > 0 or worst <= default:
        return int(default)
    return int(min(maximum, math.ceil(worst * 1.2 / 10) * 10))


def load_balancer(stack: Stack, ctx: Context, entry: Entry) -> Json:
    vpc, subnets = network(stack)
    idle = alb_idle_timeout_s(ctx)
    public = stack.parameter(
        "PublicSubnetIds", "Public subnets of the load balancer.", Type="List<AWS::EC2::Subnet::Id>"
    )
    certificate = stack.parameter("CertificateArn", "ACM certificate of the HTTPS listener.")
    stack.add(
        "LoadBalancerSecurityGroup",
        "AWS::EC2::SecurityGroup",
        {
            "GroupDescription": "HTTPS from callers",
            "VpcId": vpc,
            "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"}
            ],
        },
        {"note": "Callers reach the load balancer on 443."},
    )
    stack.add(
        "LoadBalancer",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        {
            "Type": "application",
            "Scheme": "internet-facing",
            "Subnets": public,
            "SecurityGroups": [ref("LoadBalancerSecurityGroup")],
            "LoadBalancerAttributes": [{"Key": "idle_timeout.timeout_seconds", "Value": str(idle)}],
        },
        door_why(
            ctx, f"Idle timeout {idle} s: longer than the worst case of {ctx.profile.max_duration_s:g} s."
        ),
    )
    stack.add(
        "TargetGroup",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        {
            "TargetType": "ip",
            "Protocol": "HTTP",
            "Port": CONTAINER_PORT,
            "VpcId": vpc,
            "HealthCheckPath": "/health",
        },
        {"note": "The tasks, registered by ECS."},
    )
    stack.add(
        "Listener",
        "AWS::ElasticLoadBalancingV2::Listener",
        {
            "LoadBalancerArn": ref("LoadBalancer"),
            "Port": 443,
            "Protocol": "HTTPS",
            "Certificates": [{"CertificateArn": certificate}],
            "DefaultActions": [{"Type": "forward", "TargetGroupArn": ref("TargetGroup")}],
        },
        {"note": "HTTPS to the tasks."},
    )
    if entry.kind == "service":
        service = stack.resources[entry.name]
        service["Properties"]["LoadBalancers"] = [
            {
                "ContainerName": "orchestration",
                "ContainerPort": CONTAINER_PORT,
                "TargetGroupArn": ref("TargetGroup"),
            }
        ]
        service.setdefault("DependsOn", []).append("Listener")
        stack.resources[f"{entry.name}SecurityGroup"]["Properties"]["SecurityGroupIngress"] = [
            {
                "IpProtocol": "tcp",
                "FromPort": CONTAINER_PORT,
                "ToPort": CONTAINER_PORT,
                "SourceSecurityGroupId": ref("LoadBalancerSecurityGroup"),
            }
        ]
        _requests_per_target_scaling(stack, ctx, entry)
    else:
        stack.notes.append("Register the nodes' pods with the AWS Load Balancer Controller.")
    return {"door": "alb", "timeout_s": idle}


def _requests_per_target_scaling(stack: Stack, ctx: Context, entry: Entry) -> None:
    """Scale on requests per task: each task holds ``in_flight_per_task`` at the target
    utilisation, for the request's duration (the report's sizing), counted per minute."""
    fleet = entry.fleet
    if fleet is None:
        return
    per_minute = fleet.in_flight_per_task * sizing.TARGET_UTILIZATION / ctx.profile.request_duration_s * 60
    scaling_policy(
        stack,
        entry,
        {
            "TargetValue": round(max(1.0, per_minute), 1),
            "PredefinedMetricSpecification": {
                "PredefinedMetricType": "ALBRequestCountPerTarget",
                "ResourceLabel": sub(
                    "${LoadBalancer.LoadBalancerFullName}/${TargetGroup.TargetGroupFullName}"
                ),
            },
        },
        f"About {per_minute:,.0f} requests a minute per task keeps each at the report's target utilisation.",
    )
