"""Container services (ECS on Fargate or EC2) and the network they run in, sized as the report sizes them."""

from __future__ import annotations

import math

from placement import sizing
from placement.infrastructure._context import Context
from placement.infrastructure._template import Json, Stack, get_att, log_retention, ref, sub

CONTAINER_PORT = 8080


def network(stack: Stack) -> tuple[Json, Json]:
    vpc = stack.parameter("VpcId", "VPC the services run in.", Type="AWS::EC2::VPC::Id")
    subnets = stack.parameter(
        "SubnetIds", "Private subnets in two Availability Zones.", Type="List<AWS::EC2::Subnet::Id>"
    )
    return vpc, subnets


def add_service(
    stack: Stack,
    ctx: Context,
    name: str,
    fleet: sizing.Fleet,
    on_ec2: bool,
    layer: str,
    code: str,
    instance: sizing.Instance = sizing.GENERAL_INSTANCE,
) -> None:
    """An ECS service of the advised task size, scaled between its always-on minimum and the peak."""
    vpc, subnets = network(stack)
    cluster = f"{name}Cluster"
    stack.add(
        cluster,
        "AWS::ECS::Cluster",
        {"ClusterSettings": [{"Name": "containerInsights", "Value": "enabled"}]},
        {"note": "Container Insights on: the report's next steps read CPU and memory per service."},
    )
    _task_roles(stack, name)
    log_retention(stack)
    stack.add(
        f"{name}LogGroup",
        "AWS::Logs::LogGroup",
        {"RetentionInDays": ref("LogRetentionDays")},
        {"note": f"Logs of the {name} containers."},
    )
    image = stack.parameter(f"{name}ImageUri", f"Image URI (ECR) of the {code} container the team builds.")
    container: Json = {
        "Name": code,
        "Image": image,
        "Essential": True,
        "PortMappings": [{"ContainerPort": CONTAINER_PORT}],
        "LogConfiguration": {
            "LogDriver": "awslogs",
            "Options": {
                "awslogs-group": ref(f"{name}LogGroup"),
                "awslogs-region": ref("AWS::Region"),
                "awslogs-stream-prefix": code,
            },
        },
    }
    if stack.environment:
        container["Environment"] = [{"Name": k, "Value": v} for k, v in stack.environment.items()]
    task: Json = {
        "RequiresCompatibilities": ["EC2" if on_ec2 else "FARGATE"],
        "NetworkMode": "awsvpc",
        "Cpu": str(int(fleet.vcpu * 1024)),
        "Memory": str(int(fleet.memory_gb * 1024)),
        "RuntimePlatform": {"CpuArchitecture": "ARM64", "OperatingSystemFamily": "LINUX"},
        "ExecutionRoleArn": get_att(f"{name}ExecutionRole", "Arn"),
        "TaskRoleArn": get_att(f"{name}TaskRole", "Arn"),
        "ContainerDefinitions": [container],
    }
    stack.add(
        f"{name}Task",
        "AWS::ECS::TaskDefinition",
        task,
        ctx.why(
            layer,
            f"Tasks of {fleet.vcpu:g} vCPU / {fleet.memory_gb:g} GB on arm64, as the report sizes them.",
        ),
    )
    stack.add(
        f"{name}SecurityGroup",
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": f"{name} tasks", "VpcId": vpc},
        {"note": "Ingress is added by the front door, when it has one."},
    )
    service: Json = {
        "Cluster": ref(cluster),
        "TaskDefinition": ref(f"{name}Task"),
        "DesiredCount": fleet.min_tasks,
        "NetworkConfiguration": {
            "AwsvpcConfiguration": {
                "Subnets": subnets,
                "SecurityGroups": [ref(f"{name}SecurityGroup")],
                "AssignPublicIp": "DISABLED",
            }
        },
    }
    if on_ec2:
        capacity = add_ec2_capacity(stack, name, fleet, instance)
        service["CapacityProviderStrategy"] = [{"CapacityProvider": ref(capacity), "Weight": 1}]
        service_extra: Json = {"DependsOn": [f"{name}CapacityProviders"]}
    else:
        service["LaunchType"] = "FARGATE"
        service_extra = {}
    stack.add(
        name,
        "AWS::ECS::Service",
        service,
        ctx.why(
            layer,
            f"{fleet.min_tasks} always on, {fleet.active_tasks} while traffic is on, {fleet.peak_tasks} at the peak.",
        ),
        **service_extra,
    )
    stack.add(
        f"{name}ScalingTarget",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "MinCapacity": fleet.min_tasks,
            "MaxCapacity": max(fleet.peak_tasks, fleet.min_tasks),
            "ResourceId": sub(f"service/${{{cluster}}}/${{{name}.Name}}"),
            "ScalableDimension": "ecs:service:DesiredCount",
            "ServiceNamespace": "ecs",
        },
        {"note": "From the always-on minimum to the tasks the peak needs."},
    )


def _task_roles(stack: Stack, name: str) -> None:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    stack.add(
        f"{name}ExecutionRole",
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": trust,
            "ManagedPolicyArns": [
                sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
            ],
        },
        {"note": "Pulls the image and writes the logs."},
    )
    role: Json = {"AssumeRolePolicyDocument": trust}
    if stack.access:
        role["ManagedPolicyArns"] = [ref("WorkloadAccessPolicy")]
    stack.add(f"{name}TaskRole", "AWS::IAM::Role", role, {"note": "What the code in the task may call."})


def add_ec2_capacity(stack: Stack, name: str, fleet: sizing.Fleet, instance: sizing.Instance) -> str:
    """Instances of the type the report prices, joined to the cluster, scaled by ECS."""
    per_instance = max(1, sizing.tasks_per_instance(fleet, instance))
    if sizing.tasks_per_instance(fleet, instance) < 1:
        stack.notes.append(
            f"{sizing.no_container_instance(fleet)} Choose an instance type that holds one task."
        )
    _, subnets = network(stack)
    ami = stack.parameter(
        "EcsAmiId",
        "ECS-optimised Amazon Linux 2023 AMI for arm64 (SSM public parameter).",
        Type="AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        Default="/aws/service/ecs/optimized-ami/amazon-linux-2023/arm64/recommended/image_id",
    )
    stack.add(
        f"{name}InstanceRole",
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "ec2.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "ManagedPolicyArns": [
                sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEC2ContainerServiceforEC2Role")
            ],
        },
        {"note": "Lets the instances join the ECS cluster."},
    )
    stack.add(
        f"{name}InstanceProfile",
        "AWS::IAM::InstanceProfile",
        {"Roles": [ref(f"{name}InstanceRole")]},
        {"note": "The instances' role."},
    )
    stack.add(
        f"{name}LaunchTemplate",
        "AWS::EC2::LaunchTemplate",
        {
            "LaunchTemplateData": {
                "ImageId": ami,
                "InstanceType": instance.name,
                "IamInstanceProfile": {"Arn": get_att(f"{name}InstanceProfile", "Arn")},
                "SecurityGroupIds": [ref(f"{name}SecurityGroup")],
                "MetadataOptions": {"HttpTokens": "required"},
                "UserData": {
                    "Fn::Base64": sub(
                        f"#!/bin/bash\necho ECS_CLUSTER=${{{name}Cluster}} >> /etc/ecs/ecs.config\n"
                    )
                },
            }
        },
        {"note": f"{instance.name}, the instance the report prices ECS on EC2 with."},
    )
    most = max(1, math.ceil(fleet.peak_tasks / per_instance))
    least = max(1, math.ceil(fleet.min_tasks / per_instance))
    stack.add(
        f"{name}Instances",
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "MinSize": str(least),
            "MaxSize": str(most),
            "VPCZoneIdentifier": subnets,
            "LaunchTemplate": {
                "LaunchTemplateId": ref(f"{name}LaunchTemplate"),
                "Version": get_att(f"{name}LaunchTemplate", "LatestVersionNumber"),
            },
            "NewInstancesProtectedFromScaleIn": True,
        },
        {"note": f"{per_instance} task(s) per instance: {least} to {most} instances."},
    )
    stack.add(
        f"{name}CapacityProvider",
        "AWS::ECS::CapacityProvider",
        {
            "AutoScalingGroupProvider": {
                "AutoScalingGroupArn": ref(f"{name}Instances"),
                "ManagedScaling": {"Status": "ENABLED"},
                "ManagedTerminationProtection": "ENABLED",
            }
        },
        {"note": "ECS adds and removes instances as tasks need them."},
    )
    stack.add(
        f"{name}CapacityProviders",
        "AWS::ECS::ClusterCapacityProviderAssociations",
        {
            "Cluster": ref(f"{name}Cluster"),
            "CapacityProviders": [ref(f"{name}CapacityProvider")],
            "DefaultCapacityProviderStrategy": [
                {"CapacityProvider": ref(f"{name}CapacityProvider"), "Weight": 1}
            ],
        },
        {"note": "The cluster places tasks on these instances."},
    )
    return f"{name}CapacityProvider"


def service_role(stack: Stack, name: str, principal: str, managed: list[str]) -> None:
    stack.add(
        name,
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"Service": principal}, "Action": "sts:AssumeRole"}
                ],
            },
            "ManagedPolicyArns": [sub(f"arn:${{AWS::Partition}}:iam::aws:policy/{m}") for m in managed],
        },
        {"note": f"The role {principal} assumes."},
    )
