"""The Memory layer as resources: a table, a bucket, a cache, a vector store or a database."""

from __future__ import annotations

import json
import math

from placement import sizing, stores
from placement.costs import cache_cluster
from placement.facts import HOURS_PER_MONTH
from placement.infrastructure._context import Context
from placement.infrastructure._template import Stack, get_att, ref, sub
from placement.infrastructure.brain import private_bucket
from placement.infrastructure.containers import add_service, network

# The same instances the report prices context held in RAM with (placement/costs.py).


def build(stack: Stack, ctx: Context) -> None:
    placement = ctx.placement("memory")
    builders = {
        "dynamodb": _dynamodb,
        "s3": _s3,
        "s3_vectors": _s3_vectors,
        "elasticache": _elasticache,
        "opensearch_serverless": _opensearch,
        "aurora_pgvector": _aurora,
        "fargate": _containers,
        "ecs_ec2": _containers,
    }
    builder = builders.get(placement)
    if builder is None:
        stack.notes.append(
            "No context store needed." if placement == "none" else f"Memory on {placement}: not generated."
        )
        return
    builder(stack, ctx)


def _kept_hours(ctx: Context) -> float:
    """State is kept for the wait plus a day, as the report prices it."""
    return ctx.profile.human_wait_hours + 24


def _dynamodb(stack: Stack, ctx: Context) -> None:
    stack.add(
        "StateTable",
        "AWS::DynamoDB::Table",
        {
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            "TimeToLiveSpecification": {"AttributeName": "expires_at", "Enabled": True},
            "SSESpecification": {"SSEEnabled": True},
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
        },
        ctx.why(
            "memory",
            f"On-demand, one write and one read of {max(1.0, ctx.profile.state_kb):g} KB per step; "
            f"items expire (expires_at) after the wait plus a day ({_kept_hours(ctx):g} h).",
        ),
        DeletionPolicy="Retain",
        UpdateReplacePolicy="Retain",
    )
    stack.allow(
        [
            "dynamodb:GetItem",
            "dynamodb:PutItem",
            "dynamodb:UpdateItem",
            "dynamodb:DeleteItem",
            "dynamodb:Query",
        ],
        get_att("StateTable", "Arn"),
    )
    stack.environment["STATE_TABLE"] = ref("StateTable")


def _s3(stack: Stack, ctx: Context) -> None:
    days = max(1, math.ceil(_kept_hours(ctx) / 24))
    bucket = private_bucket()
    bucket["LifecycleConfiguration"] = {
        "Rules": [{"Id": "expire-state", "Status": "Enabled", "ExpirationInDays": days}]
    }
    stack.add(
        "StateBucket",
        "AWS::S3::Bucket",
        bucket,
        ctx.why("memory", f"One object per step, expired after {days} day(s): the wait plus a day."),
    )
    stack.allow(["s3:GetObject", "s3:PutObject"], sub("${StateBucket.Arn}/*"))
    stack.environment["STATE_BUCKET"] = ref("StateBucket")


def _s3_vectors(stack: Stack, ctx: Context) -> None:
    p = ctx.profile
    indexes = stores.s3_vectors_indexes(p.vector_count)
    stack.add("VectorBucket", "AWS::S3Vectors::VectorBucket", {}, ctx.why("memory", "The vector bucket."))
    for i in range(1, indexes + 1):
        stack.add(
            f"VectorIndex{i}",
            "AWS::S3Vectors::Index",
            {
                "VectorBucketArn": get_att("VectorBucket", "VectorBucketArn"),
                "DataType": "float32",
                "Dimension": p.embedding_dim,
                "DistanceMetric": "cosine",
            },
            ctx.why(
                "memory",
                f"{p.vector_count:,} vectors of {p.embedding_dim} dimensions over {indexes} index(es).",
            ),
        )
    stack.allow(
        ["s3vectors:QueryVectors", "s3vectors:GetVectors", "s3vectors:PutVectors"],
        sub("${VectorBucket.VectorBucketArn}/*"),
    )


def _elasticache(stack: Stack, ctx: Context) -> None:
    """Serverless or nodes, whichever the report priced as the cheaper form."""
    vpc, subnets = network(stack)
    stack.add(
        "CacheSecurityGroup",
        "AWS::EC2::SecurityGroup",
        {"GroupDescription": "Context cache", "VpcId": vpc},
        {"note": "Allow the orchestration in on port 6379."},
    )
    catalog = ctx.catalog
    cluster = cache_cluster(ctx.profile, ctx.facts, catalog) if catalog is not None else None
    if cluster is None:
        billed = stores.elasticache_serverless_gb(ctx.facts.context_gb)
        stack.add(
            "ContextCache",
            "AWS::ElastiCache::ServerlessCache",
            {
                "ServerlessCacheName": sub("${AWS::StackName}-context"),
                "Engine": "valkey",
                "SubnetIds": subnets,
                "SecurityGroupIds": [ref("CacheSecurityGroup")],
            },
            ctx.why("memory", f"ElastiCache Serverless (Valkey) holding about {billed:,.1f} GB."),
        )
        stack.environment["CACHE_ENDPOINT"] = get_att("ContextCache", "Endpoint.Address")
        return
    stack.add(
        "CacheSubnets",
        "AWS::ElastiCache::SubnetGroup",
        {"Description": "Context cache subnets", "SubnetIds": subnets},
        {"note": "The cache's subnets."},
    )
    replicated = cluster.nodes_per_shard > 1
    stack.add(
        "ContextCache",
        "AWS::ElastiCache::ReplicationGroup",
        {
            "ReplicationGroupDescription": "Context cache",
            "Engine": "valkey",
            "CacheNodeType": cluster.node_type,
            "NumNodeGroups": cluster.shards,
            "ReplicasPerNodeGroup": cluster.nodes_per_shard - 1,
            "AutomaticFailoverEnabled": replicated or cluster.shards > 1,
            "MultiAZEnabled": replicated,
            "CacheSubnetGroupName": ref("CacheSubnets"),
            "SecurityGroupIds": [ref("CacheSecurityGroup")],
            "AtRestEncryptionEnabled": True,
            "TransitEncryptionEnabled": True,
        },
        ctx.why("memory", f"ElastiCache nodes (Valkey): {cluster.describe()}."),
    )
    stack.environment["CACHE_ENDPOINT"] = get_att("ContextCache", "ConfigurationEndPoint.Address")


def _opensearch(stack: Stack, ctx: Context) -> None:
    size = stores.opensearch_size(ctx.facts.vector_index_gb)
    name = "context-vectors"
    resource = [f"collection/{name}"]
    policy = {"Rules": [{"ResourceType": "collection", "Resource": resource}], "AWSOwnedKey": True}
    stack.add(
        "VectorEncryptionPolicy",
        "AWS::OpenSearchServerless::SecurityPolicy",
        {"Name": "context-vectors-enc", "Type": "encryption", "Policy": json.dumps(policy)},
        {"note": "A collection needs an encryption policy before it is created."},
    )
    network_policy = [
        {"Rules": [{"ResourceType": "collection", "Resource": resource}], "AllowFromPublic": False}
    ]
    stack.add(
        "VectorNetworkPolicy",
        "AWS::OpenSearchServerless::SecurityPolicy",
        {"Name": "context-vectors-net", "Type": "network", "Policy": json.dumps(network_policy)},
        {"note": "No public access: add the VPC endpoint the orchestration uses."},
    )
    stack.add(
        "VectorCollection",
        "AWS::OpenSearchServerless::Collection",
        {
            "Name": name,
            "Type": "VECTORSEARCH",
            "StandbyReplicas": "ENABLED" if size.replicas > 1 else "DISABLED",
        },
        ctx.why("memory", size.describe()),
        DependsOn=["VectorEncryptionPolicy", "VectorNetworkPolicy"],
    )
    stack.allow(["aoss:APIAccessAll"], get_att("VectorCollection", "Arn"))
    stack.environment["VECTOR_ENDPOINT"] = get_att("VectorCollection", "CollectionEndpoint")
    stack.notes.append(
        "OpenSearch Serverless also needs a data access policy naming the orchestration's role."
    )


def _aurora(stack: Stack, ctx: Context) -> None:
    """A stand-in with parameters: Aurora PostgreSQL Serverless v2 sized to hold the index in RAM."""
    p, f = ctx.profile, ctx.facts
    size = stores.aurora_size(f.context_gb, p.vector_count, p.embedding_dim, ctx.synchronous, HOURS_PER_MONTH)
    # Automatic pause (0 ACU) only where nobody waits for the resume, as the report prices it.
    paused = not ctx.synchronous and p.retrieval_latency_ms is None and f.active_hours_per_day < 24
    _, subnets = network(stack)
    stack.add(
        "DatabaseSubnets",
        "AWS::RDS::DBSubnetGroup",
        {"DBSubnetGroupDescription": "Context database", "SubnetIds": subnets},
        {"note": "The database's subnets."},
    )
    stack.add(
        "ContextDatabase",
        "AWS::RDS::DBCluster",
        {
            "Engine": "aurora-postgresql",
            "MasterUsername": stack.parameter("DatabaseUser", "Master user name.", Default="postgres"),
            "ManageMasterUserPassword": True,
            "StorageEncrypted": True,
            "DBSubnetGroupName": ref("DatabaseSubnets"),
            "ServerlessV2ScalingConfiguration": {
                "MinCapacity": 0 if paused else size.acus,
                "MaxCapacity": size.acus,
            },
        },
        ctx.why(
            "memory",
            f"{size.acus:g} ACUs per instance hold the {f.context_gb:,.1f} GB index and context in RAM"
            + (", paused outside the hours of traffic." if paused else ", always on."),
        ),
        DeletionPolicy="Snapshot",
        UpdateReplacePolicy="Snapshot",
    )
    for i in range(1, size.instances + 1):
        stack.add(
            f"ContextDatabaseInstance{i}",
            "AWS::RDS::DBInstance",
            {
                "Engine": "aurora-postgresql",
                "DBInstanceClass": "db.serverless",
                "DBClusterIdentifier": ref("ContextDatabase"),
            },
            ctx.why("memory", "A writer" if i == 1 else "A reader in a second Availability Zone."),
        )
    stack.environment["DATABASE_ENDPOINT"] = get_att("ContextDatabase", "Endpoint.Address")
    stack.notes.append("Run CREATE EXTENSION vector; in the database before loading the embeddings.")


def _containers(stack: Stack, ctx: Context) -> None:
    """The context in the RAM of always-on containers, sized as the report sizes them."""
    gb = math.ceil(ctx.facts.hot_ram_gb)
    tasks = sizing.MIN_TASKS_SYNC if ctx.synchronous else sizing.MIN_TASKS_ASYNC
    on_ec2 = ctx.placement("memory") == "ecs_ec2"
    instance = sizing.GENERAL_INSTANCE
    if on_ec2:
        # One task per instance, each holding what fits in the instance (packed as the report packs).
        instance, tasks = _memory_instances(ctx, tasks)
        vcpu, memory_gb = (
            float(instance.vcpu),
            float(math.floor(instance.memory_gb * sizing.ECS_PACKING_EFFICIENCY)),
        )
    else:
        vcpu, memory_gb = float(max(1, math.ceil(gb / sizing.FARGATE_MAX_GB_PER_VCPU))), float(max(2, gb))
    fleet = sizing.Fleet(vcpu, memory_gb, tasks, tasks, tasks, tasks * HOURS_PER_MONTH, 0)
    add_service(stack, ctx, "ContextService", fleet, on_ec2, "memory", "context", instance)
    stack.notes.append(
        f"The context ({ctx.facts.hot_ram_gb:,.1f} GB with headroom) is held in RAM by ContextService."
    )


def _memory_instances(ctx: Context, copies: int) -> tuple[sizing.Instance, int]:
    """The instances the report prices the context on (``sizing.memory_instances``)."""
    catalog = ctx.catalog
    if catalog is None:
        return sizing.GENERAL_INSTANCE, copies
    return sizing.memory_instances(ctx.facts.hot_ram_gb, copies, catalog)
