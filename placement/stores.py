"""How much of each Memory store a workload needs: vector index RAM, OpenSearch OCUs, Aurora ACUs,
S3 Vectors usage, ElastiCache data and nodes.

Pure arithmetic over a profile's vectors and context, no catalog: ``costs.py`` prices what these
functions size. Every constant says where it comes from, or that it is an assumption; AWS's
capacities and hard limits are read from ``placement/limits/aws.yaml`` (their one home).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from placement.limits import limit_values

_LIMITS = limit_values()
GIB = 1024**3 / 1e9  # GB in a GiB: AWS gives OCU, ACU and node memory in GiB

# -- HNSW vector index ---------------------------------------------------------------------
# OpenSearch k-NN docs ("Methods and engines", memory estimation): an HNSW graph needs about
# 1.1 x (4 x d + 8 x M) bytes per vector, M the graph's links per node (16 by default).
# docs/research/issue15-commitments-stores-regions.md, section 2 (grade A).
HNSW_OVERHEAD = 1.1
HNSW_DEFAULT_M = 16
BYTES_PER_FLOAT = 4  # float32 embeddings


def hnsw_bytes_per_vector(dim: int, m: int = HNSW_DEFAULT_M) -> float:
    """Bytes one vector takes in an HNSW graph in RAM: 1.1 x (4 x d + 8 x M)."""
    return HNSW_OVERHEAD * (BYTES_PER_FLOAT * dim + 8 * m)


def hnsw_index_gb(vectors: float, dim: int, m: int = HNSW_DEFAULT_M) -> float:
    """RAM of an HNSW index in GB (10^9 bytes, as the docs' worked example: 1M x 256 -> 1.267 GB).
    No vectors, no index."""
    if vectors <= 0 or dim <= 0:
        return 0.0
    return vectors * hnsw_bytes_per_vector(dim, m) / 1e9


def raw_vectors_gb(vectors: float, dim: int) -> float:
    """The embeddings themselves, 4 bytes a dimension, in GB."""
    return max(0.0, vectors) * max(0, dim) * BYTES_PER_FLOAT / 1e9


# -- OpenSearch Serverless -----------------------------------------------------------------
# One OCU is 6 GiB of RAM with its vCPU (AWS, "Managing capacity limits for Amazon OpenSearch
# Serverless"). Vector collections are RAM-bound: graphs must fit the search OCUs' memory.
OCU_MEMORY_GB = _LIMITS["opensearch_serverless_ocu_memory_gb"] * GIB
# Assumption: half of an OCU's memory holds graphs. AWS does not publish the share; on a
# provisioned domain the k-NN circuit breaker defaults to 50% of the RAM left after the JVM heap.
OCU_GRAPH_SHARE = 0.5
# Capacity scales from 0.5 OCU to 1, then in whole OCUs (AWS Big Data Blog, grade A).
OCU_FIRST_STEP = 0.5
# Redundancy (the default) keeps a standby replica in a second Availability Zone: every OCU is
# doubled, so the floor is 1 indexing OCU (0.5 x 2) + 1 search OCU (0.5 x 2) = 2 OCUs.
REDUNDANT_REPLICAS = 2


def ocu_step(ocus: float) -> float:
    """OCUs as AWS allocates them: 0.5, then whole OCUs."""
    return OCU_FIRST_STEP if ocus <= OCU_FIRST_STEP else float(math.ceil(ocus - 1e-9))


@dataclass(frozen=True)
class OpenSearchSize:
    """A vector collection's capacity: search OCUs hold the graphs, indexing OCUs build them."""

    index_gb: float
    replicas: int
    search_ocus_per_replica: float
    indexing_ocus_per_replica: float
    storage_gb: float

    @property
    def search_ocus(self) -> float:
        return self.search_ocus_per_replica * self.replicas

    @property
    def indexing_ocus(self) -> float:
        return self.indexing_ocus_per_replica * self.replicas

    @property
    def ocus(self) -> float:
        return self.search_ocus + self.indexing_ocus

    def describe(self) -> str:
        graph_gb = OCU_MEMORY_GB * OCU_GRAPH_SHARE
        redundancy = (
            "with redundancy (a standby replica in a second Availability Zone)"
            if self.replicas > 1
            else "without redundancy"
        )
        return (
            f"{self.ocus:g} OCUs always on, {redundancy}: {self.search_ocus:g} for search and "
            f"{self.indexing_ocus:g} for indexing. The {self.index_gb:,.1f} GB HNSW index needs "
            f"{self.search_ocus_per_replica:g} search OCUs per replica, assuming {OCU_GRAPH_SHARE:.0%} "
            f"of an OCU's {OCU_MEMORY_GB:.2f} GB holds graphs ({graph_gb:.2f} GB; an assumption: AWS "
            f"does not publish the share). Indexing stays at its floor: a steady index with light "
            f"updates; a bulk load scales it up for a while, not priced."
        )


def opensearch_size(index_gb: float, redundancy: bool = True) -> OpenSearchSize:
    """OCUs for a vector collection whose HNSW graphs take ``index_gb`` of RAM."""
    graph_gb_per_ocu = OCU_MEMORY_GB * OCU_GRAPH_SHARE
    search = ocu_step(max(index_gb, 0.0) / graph_gb_per_ocu)
    return OpenSearchSize(
        index_gb=index_gb,
        replicas=REDUNDANT_REPLICAS if redundancy else 1,
        search_ocus_per_replica=search,
        indexing_ocus_per_replica=OCU_FIRST_STEP,
        storage_gb=max(index_gb, 0.0),
    )


# -- Aurora PostgreSQL Serverless v2 with pgvector ------------------------------------------
ACU_MEMORY_GB = _LIMITS["aurora_serverless_gb_per_acu"] * GIB  # 1 ACU ~ 2 GiB with its CPU
ACU_MIN = _LIMITS["aurora_serverless_min_acu"]  # 0.5 ACU, or 0 with auto-pause
ACU_MAX = _LIMITS["aurora_serverless_max_acu"]  # 256 ACU per instance
ACU_STEP = 0.5
# Resuming from automatic pause: about 15 s, about 30 s after a pause over a day (same source).
AURORA_RESUME_S = _LIMITS["aurora_serverless_resume_s"]
AURORA_RESUME_TEXT = f"{AURORA_RESUME_S:g}-{2 * AURORA_RESUME_S:g} s"


def aurora_acus(ram_gb: float) -> float:
    """ACUs one instance needs to hold ``ram_gb`` (the HNSW index, so queries never read it
    from storage): in 0.5 steps from the 0.5 minimum."""
    needed = max(ram_gb, 0.0) / ACU_MEMORY_GB
    return max(ACU_MIN, math.ceil(needed / ACU_STEP - 1e-9) * ACU_STEP)


@dataclass(frozen=True)
class AuroraSize:
    acus: float  # per instance
    instances: int  # a writer, and a reader in a second Availability Zone for synchronous callers
    hours: float  # a month's hours the instances run (auto-pause stops the clock)
    storage_gb: float
    fits: bool  # within one instance's 256 ACUs

    @property
    def acu_hours(self) -> float:
        return self.acus * self.instances * self.hours


def aurora_size(ram_gb: float, vectors: float, dim: int, synchronous: bool, hours: float) -> AuroraSize:
    """Capacity for ``ram_gb`` held in the buffer cache; storage is the table of embeddings plus
    the HNSW index on disk."""
    acus = aurora_acus(ram_gb)
    storage = raw_vectors_gb(vectors, dim) + hnsw_index_gb(vectors, dim)
    return AuroraSize(
        acus=acus, instances=2 if synchronous else 1, hours=hours, storage_gb=storage, fits=acus <= ACU_MAX
    )


# -- Amazon S3 Vectors --------------------------------------------------------------------
# Assumption: each vector carries about 1 KB of key and filterable metadata (a document id and
# a few filter fields; AWS allows 2 KB filterable, 40 KB in all).
S3_VECTORS_KEY_AND_METADATA_BYTES = 1024
# Assumption: a tenth of the index is rewritten each month (new and re-embedded documents).
INDEX_MONTHLY_REWRITE_SHARE = 0.1
# Query data processed is charged at a first rate for an index's first 100,000 vectors and a
# lower one beyond (S3 pricing page; the rates are in the catalog).
S3_VECTORS_FIRST_TIER_VECTORS = 100_000
S3_VECTORS_MAX_VECTORS_PER_INDEX = _LIMITS["s3_vectors_max_vectors_per_index"]


def s3_vectors_usage(
    vectors: float,
    dim: int,
    queries: float,
    indexes: int = 1,
    metadata_bytes: float = S3_VECTORS_KEY_AND_METADATA_BYTES,
    rewrite_share: float = INDEX_MONTHLY_REWRITE_SHARE,
) -> dict[str, Any]:
    """A month of S3 Vectors as ``estimate("s3_vectors", ...)`` usage.

    Storage and PUTs are logical GB (4 bytes a dimension plus key and metadata). Each query
    processes the whole index it searches (average vector size x vectors in that index), the
    first 100,000 vectors at the first rate, the rest at the second; the vectors are split
    evenly over ``indexes``.
    """
    vector_bytes = BYTES_PER_FLOAT * max(0, dim) + metadata_bytes
    logical_gb = max(0.0, vectors) * vector_bytes / 1e9
    per_index = max(0.0, vectors) / max(1, indexes)
    first = min(per_index, S3_VECTORS_FIRST_TIER_VECTORS)
    rest = per_index - first
    return {
        "storage_gb_month": logical_gb,
        "put_gb": logical_gb * rewrite_share,
        "queries": queries,
        "processed_gb_first_tier": queries * first * vector_bytes / 1e9,
        "processed_gb_beyond": queries * rest * vector_bytes / 1e9,
    }


def s3_vectors_indexes(vectors: float) -> int:
    """Indexes the vectors need at 2 billion each."""
    return max(1, math.ceil(max(0.0, vectors) / S3_VECTORS_MAX_VECTORS_PER_INDEX))


# -- ElastiCache -------------------------------------------------------------------------
# Serverless Valkey meters at least 100 MB of data per cache (ElastiCache pricing, grade A).
ELASTICACHE_SERVERLESS_MIN_GB = _LIMITS["elasticache_serverless_valkey_min_data_gb"]
# A node keeps about 25% of its memory for overhead (reserved-memory-percent default; grade B).
NODE_USABLE_SHARE = 0.75
# Memory-optimised Graviton nodes, memory in GiB (recalled, grade C; research note section 3c).
CACHE_NODES = (("cache.r7g.large", 13.07), ("cache.r7g.xlarge", 26.32))


def elasticache_serverless_gb(data_gb: float) -> float:
    """GB a serverless cache bills: the data, at least the 100 MB minimum."""
    return max(ELASTICACHE_SERVERLESS_MIN_GB, data_gb)


@dataclass(frozen=True)
class CacheCluster:
    node_type: str
    shards: int
    nodes_per_shard: int  # a primary, and a replica in a second Availability Zone if synchronous

    @property
    def nodes(self) -> int:
        return self.shards * self.nodes_per_shard

    def describe(self) -> str:
        shards = "1 shard" if self.shards == 1 else f"{self.shards:,} shards"
        replicas = ""
        if self.nodes_per_shard > 1:
            each = "" if self.shards == 1 else ", each"
            replicas = f"{each} with a replica in a second Availability Zone"
        return (
            f"{self.nodes:,} x {self.node_type} ({shards}{replicas}), "
            f"{NODE_USABLE_SHARE:.0%} of each node's memory usable"
        )


def cache_clusters(data_gb: float, synchronous: bool) -> tuple[CacheCluster, ...]:
    """A node-based cluster of each node type that holds ``data_gb``."""
    return tuple(
        CacheCluster(
            name, max(1, math.ceil(data_gb / (gib * GIB * NODE_USABLE_SHARE) - 1e-9)), 2 if synchronous else 1
        )
        for name, gib in CACHE_NODES
    )
