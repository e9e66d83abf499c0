"""The placement identifiers every recommendation uses, with their display names."""

PLACEMENTS: dict[str, str] = {
    "lambda": "AWS Lambda",
    "lambda_durable": "Lambda durable functions",
    "step_functions": "Step Functions (Standard)",
    "step_functions_express": "Step Functions (Express)",
    "fargate": "ECS on Fargate",
    "ecs_ec2": "ECS on EC2",
    "eks": "Amazon EKS",
    "ec2": "Amazon EC2",
    "aws_batch": "AWS Batch",  # one-off jobs (placement/jobs.py)
    "step_functions_distributed_map": "Step Functions Distributed Map",
    "ec2_gpu": "EC2 with GPUs",
    "sagemaker_realtime": "SageMaker real-time endpoint",
    "sagemaker_serverless": "SageMaker Serverless Inference",
    "sagemaker_async": "SageMaker asynchronous inference",
    "bedrock": "Amazon Bedrock",
    "bedrock_batch": "Bedrock batch inference",
    "hosted_api": "Hosted model API",
    "elasticache": "ElastiCache (Valkey/Redis)",
    "opensearch_serverless": "OpenSearch Serverless (vectors)",
    "aurora_pgvector": "Aurora PostgreSQL Serverless v2 with pgvector",  # placement/stores.py
    "s3_vectors": "Amazon S3 Vectors",
    "dynamodb": "DynamoDB",
    "s3": "Amazon S3",
    "on_prem": "Owned hardware (repatriation)",
    "none": "Nothing needed",
}

LAYER_NAMES: dict[str, str] = {
    "brain": "Brain (inference)",
    "memory": "Memory (context)",
    "nerves": "Nerves (orchestration)",
}
# The three layers, in the order pages, charts, exports and the PDF show them.
LAYERS: tuple[str, ...] = tuple(LAYER_NAMES)
# The order the engine decides them in and its JSON lists them (the advise contract):
# the orchestration first, since the other two are reached through it.
DECISION_ORDER: tuple[str, ...] = ("nerves", "brain", "memory")


def label(placement: str) -> str:
    return PLACEMENTS.get(placement, placement)
