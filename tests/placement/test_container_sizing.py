"""Containers sized as an engineer would provision them: a Fargate task of a size Fargate runs,
and ECS tasks packed on an instance that holds them (or no price at all)."""

from __future__ import annotations

import pytest

from placement import parse_profile
from placement.costs import cost_of
from placement.facts import derive_facts
from placement.pricing import load_catalog
from placement.sizing import FARGATE_TASK_SIZES, nerves_fleet, nerves_task_size, task_size

CATALOG = load_catalog()


def orchestration(memory_mb: int, **fields):
    p = parse_profile(
        {"name": "big", "requests_per_day": 50_000, "memory_mb": memory_mb, "inference": "none", **fields}
    )
    return p, derive_facts(p)


@pytest.mark.parametrize("memory_mb", [128, 512, 4096, 8192, 9000, 12288, 15360, 16384, 20000, 30720, 61440])
def test_a_nerves_task_is_a_size_fargate_runs(memory_mb):
    vcpu, memory_gb = nerves_task_size(
        parse_profile({"name": "x", "requests_per_day": 1, "memory_mb": memory_mb})
    )

    least, most, step = FARGATE_TASK_SIZES[int(vcpu)]
    assert least <= memory_gb <= most and memory_gb % step == 0
    assert memory_gb >= memory_mb / 1024  # the code's memory, with room to spare


def test_a_task_that_needs_3_vcpu_gets_4_and_one_too_large_for_4_gets_8():
    assert task_size(3, 24) == (4, 24)
    assert task_size(4, 31) == (8, 32)  # 4 vCPU take at most 30 GB
    assert task_size(9, 65) == (16, 72)  # 16 vCPU in 8 GB steps


def test_a_task_larger_than_fargates_largest_keeps_its_size_for_ec2():
    assert task_size(25, 200) == (25, 200)


def test_ecs_on_ec2_packs_a_task_too_large_for_the_general_instance_on_one_that_holds_it():
    p, f = orchestration(12288)
    fleet = nerves_fleet(p, f)
    assert (fleet.vcpu, fleet.memory_gb) == (4, 24)

    cost = cost_of("nerves", "ecs_ec2", p, f, CATALOG)

    [instances] = [line for line in cost.lines if line.name.startswith("EC2")]
    assert "r7g.xlarge" in instances.name + instances.detail
    assert any("packed on r7g.xlarge" in a for a in cost.assumptions)


def test_ecs_on_ec2_is_not_priced_when_no_priced_instance_holds_one_task():
    p, f = orchestration(204800, requests_per_day=1000, request_duration_s=30, wait_fraction=0.2)

    for placement in ("ecs_ec2", "eks", "ec2"):
        cost = cost_of("nerves", placement, p, f, CATALOG)
        assert cost.total is None, placement
        assert any(
            "No instance type in the price catalog holds one task of 50 vCPU / 400 GB" in a
            for a in cost.assumptions
        )
