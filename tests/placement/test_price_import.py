"""Importing AWS Price List offer files (fixtures in offers/ follow AWS's bulk format)."""

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from placement.price_import import OfferFileError, import_offer_files
from placement.pricing import PRICES_DIR, catalog_versions, estimate, load_catalog, read_catalog

OFFERS = Path(__file__).with_name("offers")
ALL = [
    OFFERS / f"{name}.json"
    for name in ("AWSLambda", "AmazonECS", "AmazonEC2", "AmazonSageMaker", "AmazonStates")
]


PUBLISHED = "2026-11-15"  # the fixtures' publicationDate


@pytest.fixture
def prices(tmp_path):
    """The shipped catalogs as they stood when the offers were published (later ones left out)."""
    shutil.copytree(PRICES_DIR, tmp_path / "prices")
    for later in (tmp_path / "prices").rglob("*.json"):
        if later.stem.partition("_")[0] > PUBLISHED:
            later.unlink()
    return tmp_path / "prices"


@pytest.fixture
def shipped_prices(tmp_path):
    """Every shipped catalog, the newest dated after the offers."""
    shutil.copytree(PRICES_DIR, tmp_path / "shipped")
    return tmp_path / "shipped"


def files_in(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_it_writes_a_new_catalog_version_from_the_five_offers(prices):
    result = import_offer_files(ALL, "us-east-1", prices)
    assert result.version == "us-east-1@2026-11-15" and result.is_newest
    assert load_catalog("us-east-1", prices).version == "us-east-1@2026-11-15"
    assert {
        "lambda.duration.arm64",
        "fargate.linux.x86_64.vcpu",
        "ec2.g6.xlarge",
        "sagemaker_realtime.ml.g5.xlarge",
        "step_functions.transitions",
    } <= set(result.imported)


def test_imported_rates_carry_the_offer_sku_and_date_and_the_rest_is_kept(prices):
    catalog = read_catalog(import_offer_files(ALL, "us-east-1", prices).path)
    rate = catalog.rates["lambda.requests"]
    assert "AWSLambda" in rate["source"] and "SKU L1" in rate["source"] and rate["read_on"] == "2026-11-15"
    assert catalog.rates["bedrock.nova-lite.input"]["source"].startswith("https://")  # carried over


def test_the_new_prices_flow_into_estimates(prices):
    # the fixture's x86 duration is $0.0000165: 140,000 billable GB-s = $2.31, plus $0.40 of requests
    catalog = read_catalog(import_offer_files(ALL, "us-east-1", prices).path)
    usage = {"requests": 3_000_000, "duration_ms": 120, "memory_mb": 1536}
    assert estimate("lambda", usage, catalog).total == Decimal("2.71")


def test_hourly_fargate_prices_become_per_second_rates(prices):
    catalog = read_catalog(import_offer_files([OFFERS / "AmazonECS.json"], "us-east-1", prices).path)
    assert catalog.unit_price("fargate.linux.x86_64.vcpu") == Decimal("0.04048") / 3600


def test_tiers_come_from_the_begin_and_end_ranges(prices):
    catalog = read_catalog(import_offer_files([OFFERS / "AWSLambda.json"], "us-east-1", prices).path)
    assert catalog.tiers("lambda.duration.arm64") == [
        (Decimal("7500000000"), Decimal("0.0000132000")),
        (Decimal("11250000000"), Decimal("0.0000120001")),
        (None, Decimal("0.0000106667")),
    ]


def test_only_shared_linux_instances_without_software_are_taken(prices):
    catalog = read_catalog(import_offer_files([OFFERS / "AmazonEC2.json"], "us-east-1", prices).path)
    assert catalog.unit_price("ec2.g6.xlarge") == Decimal("0.8048")
    assert catalog.unit_price("ec2.m7g.large") == Decimal("0.08")  # not the dedicated-tenancy price


def test_sagemaker_takes_hosting_instances_not_training(prices):
    catalog = read_catalog(import_offer_files([OFFERS / "AmazonSageMaker.json"], "us-east-1", prices).path)
    assert catalog.rates["sagemaker_realtime.ml.g5.xlarge"]["source"].endswith("SKU S1")


def test_offers_older_than_the_newest_catalog_carry_its_rates_and_say_they_are_not_newest(shipped_prices):
    newest = read_catalog(catalog_versions("us-east-1", shipped_prices)[-1])
    result = import_offer_files(ALL, "us-east-1", shipped_prices)
    assert result.version == f"us-east-1@{PUBLISHED}" and not result.is_newest
    assert load_catalog("us-east-1", shipped_prices).version == newest.version
    imported = read_catalog(result.path)
    for key in ("alb.hours", "s3.storage", "api_gateway_http.requests", "sagemaker_realtime.ml.g6e.12xlarge"):
        if key in newest.rates and key not in result.imported:
            assert imported.rates[key] == newest.rates[key], key  # carried over as it was, tiers and all
    usage = {"storage_gb_month": 100, "put_requests": 10_000, "get_requests": 100_000}
    assert estimate("s3", usage, imported).total == estimate("s3", usage, newest).total


def test_another_region_gets_only_its_own_prices(prices):
    result = import_offer_files([OFFERS / "AWSLambda.json"], "eu-west-1", prices)
    assert set(result.imported) == {"lambda.requests", "lambda.duration.x86_64"}
    assert catalog_versions("eu-west-1", prices) == [result.path]


def test_a_second_import_on_the_same_day_becomes_the_newest(prices):
    first = import_offer_files([OFFERS / "AWSLambda.json"], "us-east-1", prices)
    second = import_offer_files([OFFERS / "AmazonECS.json"], "us-east-1", prices)
    assert second.path.name == "2026-11-15_2.json" and second.is_newest
    assert catalog_versions("us-east-1", prices)[-2:] == [first.path, second.path]


@pytest.mark.parametrize(
    "content,message",
    [
        ("{not json", "not JSON"),
        ('{"hello": "world"}', "not an AWS Price List offer file"),
        ("[1, 2, 3]", "not an AWS Price List offer file"),
    ],
)
def test_a_malformed_file_is_refused_and_nothing_is_written(prices, tmp_path, content, message):
    bad = tmp_path / "bad.json"
    bad.write_text(content)
    before = files_in(prices)
    with pytest.raises(OfferFileError, match=message):
        import_offer_files([OFFERS / "AWSLambda.json", bad], "us-east-1", prices)
    assert files_in(prices) == before


def test_an_unrelated_offer_is_refused_naming_the_offers_it_imports(prices):
    with pytest.raises(OfferFileError, match="AmazonS3.*AWSLambda"):
        import_offer_files([OFFERS / "AmazonS3.json"], "us-east-1", prices)


def test_an_offer_without_prices_for_the_region_is_refused(prices):
    before = files_in(prices)
    with pytest.raises(OfferFileError, match="no AmazonECS prices for region ap-south-1"):
        import_offer_files([OFFERS / "AmazonECS.json"], "ap-south-1", prices)
    assert files_in(prices) == before
