"""The Brain layer as resources: model access for Bedrock, or an endpoint, function or fleet."""

from __future__ import annotations

import math
from typing import Any

from placement import sizing
from placement.infrastructure._context import LIMITS, Context, timeout_s
from placement.infrastructure._template import Json, Stack, get_att, ref, sub
from placement.infrastructure.containers import network
from placement.infrastructure.nerves import add_function

ENDPOINT = "ModelEndpoint"


def build(stack: Stack, ctx: Context) -> None:
    placement = ctx.placement("brain")
    builders = {
        "bedrock": _bedrock,
        "bedrock_batch": _bedrock_batch,
        "sagemaker_realtime": _sagemaker,
        "sagemaker_serverless": _sagemaker,
        "sagemaker_async": _sagemaker,
        "ec2_gpu": _gpu_fleet,
        "lambda": _function,
    }
    builder = builders.get(placement)
    if builder is None:
        notes = {
            "hosted_api": "The model is a hosted API outside AWS: nothing to deploy; keep its key in Secrets Manager.",
            "none": "No model to serve.",
            "on_prem": "The model runs on owned hardware, outside this template.",
        }
        stack.notes.append(notes.get(placement, f"Brain on {placement}: nothing to generate."))
        return
    builder(stack, ctx)


def _model_id(stack: Stack, ctx: Context) -> Json:
    model = ctx.profile.hosted_model or "the model"
    return stack.parameter(
        "BedrockModelId",
        f"Bedrock model (or inference profile) id of {model}, the model the report prices.",
    )


def _bedrock(stack: Stack, ctx: Context) -> None:
    model = _model_id(stack, ctx)
    stack.allow(
        ["bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream"],
        [
            sub("arn:${AWS::Partition}:bedrock:*::foundation-model/${BedrockModelId}"),
            sub(
                "arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}:inference-profile/${BedrockModelId}"
            ),
        ],
    )
    stack.environment["MODEL_ID"] = model
    stack.notes.append(
        "Brain on Bedrock: the orchestration may invoke BedrockModelId (foundation model or "
        "cross-region inference profile); nothing else to deploy."
    )


def _bedrock_batch(stack: Stack, ctx: Context) -> None:
    _bedrock(stack, ctx)
    stack.add(
        "BatchBucket",
        "AWS::S3::Bucket",
        private_bucket(),
        ctx.why("brain", "Batch inference reads prompts (JSONL) from S3 and writes the results back."),
    )
    stack.allow(["bedrock:CreateModelInvocationJob", "bedrock:GetModelInvocationJob"], "*")
    stack.notes.append("Bedrock batch jobs also need a service role that reads and writes BatchBucket.")


def private_bucket() -> Json:
    """Encrypted, with no public access and no ACLs."""
    return {
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            ]
        },
        "PublicAccessBlockConfiguration": {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        },
        "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    }


# -- SageMaker ----------------------------------------------------------------------------------


def _sagemaker(stack: Stack, ctx: Context) -> None:
    placement = ctx.placement("brain")
    stack.add(
        "ModelRole",
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "sagemaker.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "ManagedPolicyArns": [sub("arn:${AWS::Partition}:iam::aws:policy/AmazonSageMakerFullAccess")],
        },
        {"note": "The role SageMaker runs the model with."},
    )
    image = stack.parameter(
        "InferenceImageUri", "Image URI of the model server (e.g. an AWS Deep Learning Container)."
    )
    data = stack.parameter("ModelDataUrl", "S3 URL of the model artefacts (model.tar.gz).")
    stack.add(
        "Model",
        "AWS::SageMaker::Model",
        {
            "ExecutionRoleArn": get_att("ModelRole", "Arn"),
            "PrimaryContainer": {"Image": image, "ModelDataUrl": data},
        },
        ctx.why("brain", "The self-hosted model."),
    )
    variant: Json = {"VariantName": "AllTraffic", "ModelName": get_att("Model", "ModelName")}
    config: Json = {"ProductionVariants": [variant]}
    if placement == "sagemaker_serverless":
        note = _serverless(ctx, variant)
    else:
        instance, count, note = _instances(ctx)
        instance_type: Any = instance
        if not instance:
            stack.notes.append(note)
            instance_type = stack.parameter("ModelInstanceType", "Instance type: none holds the model alone.")
        variant.update(InstanceType=instance_type, InitialInstanceCount=count, InitialVariantWeight=1.0)
        if placement == "sagemaker_async":
            stack.add(
                "InferenceBucket", "AWS::S3::Bucket", private_bucket(), ctx.why("brain", "Async results.")
            )
            config["AsyncInferenceConfig"] = {
                "OutputConfig": {"S3OutputPath": sub("s3://${InferenceBucket}/output/")}
            }
            stack.allow(["s3:GetObject", "s3:PutObject"], sub("${InferenceBucket.Arn}/*"))
            _scale_to_zero(stack, count)
            note += " Scales to zero between bursts."
    stack.add("ModelEndpointConfig", "AWS::SageMaker::EndpointConfig", config, ctx.why("brain", note))
    stack.add(
        ENDPOINT,
        "AWS::SageMaker::Endpoint",
        {"EndpointConfigName": get_att("ModelEndpointConfig", "EndpointConfigName")},
        ctx.why("brain", note),
    )
    action = "sagemaker:InvokeEndpointAsync" if placement == "sagemaker_async" else "sagemaker:InvokeEndpoint"
    stack.allow([action], ref(ENDPOINT))
    stack.environment["MODEL_ENDPOINT"] = get_att(ENDPOINT, "EndpointName")


def _serverless(ctx: Context, variant: Json) -> str:
    """Memory and concurrency as the report prices Serverless Inference."""
    f = ctx.facts
    limit_gb = LIMITS["sagemaker_serverless_memory_max_mb"] / 1024
    memory_gb = int(min(limit_gb, max(1, math.ceil(f.model_memory_gb + 0.5))))
    concurrency = int(
        min(LIMITS["sagemaker_serverless_concurrency_max"], max(1, math.ceil(f.peak_inference_concurrency)))
    )
    variant["ServerlessConfig"] = {"MemorySizeInMB": memory_gb * 1024, "MaxConcurrency": concurrency}
    return f"Serverless Inference with {memory_gb} GB and up to {concurrency} concurrent invocations."


def _instances(ctx: Context) -> tuple[str, int, str]:
    """The instance type and count the report prices the endpoint with."""
    if ctx.facts.gpu_needed:
        fit = sizing.model_fit(ctx.profile, ctx.facts, "sagemaker", ctx.catalog)
        if fit.instance is not None:
            return (
                fit.instance.name,
                max(1, fit.plan.replicas),
                f"{fit.plan.replicas} x {fit.instance.describe()}.",
            )
        return "", 1, f"No single instance holds the model: {fit.advice}"
    count = sizing.inference_servers(ctx.profile, ctx.facts)
    return sizing.SAGEMAKER_CPU.name, count, f"{count} x {sizing.SAGEMAKER_CPU.name}."


def _scale_to_zero(stack: Stack, most: int) -> None:
    stack.add(
        "ModelScalingTarget",
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "MinCapacity": 0,
            "MaxCapacity": most,
            "ResourceId": sub(f"endpoint/${{{ENDPOINT}.EndpointName}}/variant/AllTraffic"),
            "ScalableDimension": "sagemaker:variant:DesiredInstanceCount",
            "ServiceNamespace": "sagemaker",
        },
        {"note": "Asynchronous inference may scale to zero instances between bursts."},
    )
    stack.add(
        "ModelScalingPolicy",
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyName": "backlog-per-instance",
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": ref("ModelScalingTarget"),
            "TargetTrackingScalingPolicyConfiguration": {
                "TargetValue": 1.0,
                "CustomizedMetricSpecification": {
                    "MetricName": "ApproximateBacklogSizePerInstance",
                    "Namespace": "AWS/SageMaker",
                    "Dimensions": [{"Name": "EndpointName", "Value": get_att(ENDPOINT, "EndpointName")}],
                    "Statistic": "Average",
                },
            },
        },
        {
            "note": "One queued request per instance; from zero, a step policy on HasBacklogWithoutCapacity wakes it."
        },
    )


# -- a GPU fleet, a function --------------------------------------------------------------------


def _gpu_fleet(stack: Stack, ctx: Context) -> None:
    """A launch template and an Auto Scaling group of the GPU instances the report prices."""
    fit = sizing.model_fit(ctx.profile, ctx.facts, "ec2", ctx.catalog)
    if fit.instance is None:
        stack.parameter(
            "GpuInstanceType", "GPU instance type: the report found none that holds the model alone."
        )
        stack.notes.append(f"Brain on EC2 GPUs: no single instance holds the model. {fit.advice}")
        return
    _, subnets = network(stack)
    ami = stack.parameter(
        "GpuAmiId",
        "AMI with the GPU drivers (an AWS Deep Learning AMI, SSM public parameter).",
        Type="AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
        Default="/aws/service/deeplearning/ami/x86_64/base-oss-nvidia-driver-gpu-ubuntu-22.04/latest/ami-id",
    )
    stack.add(
        "ModelServerTemplate",
        "AWS::EC2::LaunchTemplate",
        {
            "LaunchTemplateData": {
                "ImageId": ami,
                "InstanceType": fit.instance.name,
                "MetadataOptions": {"HttpTokens": "required"},
            }
        },
        ctx.why("brain", f"{fit.instance.describe()}, the instance the report prices."),
    )
    count = str(max(1, fit.plan.replicas))
    stack.add(
        "ModelServers",
        "AWS::AutoScaling::AutoScalingGroup",
        {
            "MinSize": count,
            "MaxSize": count,
            "VPCZoneIdentifier": subnets,
            "LaunchTemplate": {
                "LaunchTemplateId": ref("ModelServerTemplate"),
                "Version": get_att("ModelServerTemplate", "LatestVersionNumber"),
            },
        },
        ctx.why("brain", f"{count} instance(s) always on, as the report sizes the fleet for the peak."),
    )
    stack.notes.append("The model server on the GPU instances (e.g. vLLM) is installed by the team.")


def _function(stack: Stack, ctx: Context) -> None:
    """The model in a 10,240 MB arm64 function with SnapStart, as the report prices it."""
    f = ctx.facts
    memory = int(LIMITS["lambda_memory_max_mb"])
    # The model's worst case: its average time stretched by the profile's own p99/average ratio.
    tail = ctx.profile.max_duration_s / ctx.profile.request_duration_s
    timeout = timeout_s(f.model_seconds * tail, LIMITS["lambda_timeout_s"])
    add_function(
        stack,
        "ModelFunction",
        memory,
        timeout,
        ctx.why(
            "brain", f"{memory:,} MB on arm64, SnapStart; {f.model_seconds:.1f} s of inference per request."
        ),
        "model",
        Description=f"{ctx.profile.name}: the model.",
        AutoPublishAlias="live",
        SnapStart={"ApplyOn": "PublishedVersions"},
        Runtime="python3.13",
    )
    stack.allow(["lambda:InvokeFunction"], get_att("ModelFunction", "Arn"))
    stack.environment["MODEL_FUNCTION"] = ref("ModelFunction.Alias")
