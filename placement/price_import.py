"""Import AWS Price List bulk offer files into a new catalog version for a region.

An offer file is AWS's JSON with ``offerCode``, ``products`` (SKU -> attributes)
and ``terms`` (``OnDemand`` -> SKU -> term -> priceDimensions). The rates found
for the region replace the same rates of the region's newest catalog; every
other rate is carried over with its own source. Nothing is written unless the
files are valid and yield at least one rate, and the file appears atomically.

Lambda, Fargate and EC2 are matched by the attribute values AWS uses in its
offer files (``group``, ``usagetype``, ``instanceType``); Step Functions Express
usage types are matched by pattern (``Express...Request``, ``Express...Duration``
or ``GB-Second``) because their exact names were not checked against a live file.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from placement.pricing import PRICES_DIR, catalog_versions, check_catalog, read_catalog

# Older offer files name the region by its location, newer ones by regionCode.
LOCATIONS = {
    "US East (N. Virginia)": "us-east-1",
    "US East (Ohio)": "us-east-2",
    "US West (Oregon)": "us-west-2",
    "US West (N. California)": "us-west-1",
    "EU (Ireland)": "eu-west-1",
    "EU (Frankfurt)": "eu-central-1",
    "EU (London)": "eu-west-2",
    "EU (Paris)": "eu-west-3",
    "EU (Stockholm)": "eu-north-1",
    "Asia Pacific (Tokyo)": "ap-northeast-1",
    "Asia Pacific (Singapore)": "ap-southeast-1",
    "Asia Pacific (Sydney)": "ap-southeast-2",
    "Asia Pacific (Mumbai)": "ap-south-1",
    "Canada (Central)": "ca-central-1",
    "South America (Sao Paulo)": "sa-east-1",
}


class OfferFileError(ValueError):
    """A file that is not an offer file, or one with nothing to import; says which and why."""


@dataclass(frozen=True)
class Rule:
    """Which products of an offer feed which catalog rate."""

    key: Callable[[dict[str, Any]], str | None]  # attributes -> catalog key (None: not this rule)
    unit: str
    per: int = 1  # the published price is for this many of our units (3600 s in an hour)
    tiered: bool = False


def _group(mapping: dict[str, str]) -> Callable[[dict[str, Any]], str | None]:
    return lambda a: mapping.get(a.get("group", ""))


def _usage(patterns: list[tuple[str, str]]) -> Callable[[dict[str, Any]], str | None]:
    def key(a: dict[str, Any]) -> str | None:
        usage = a.get("usagetype", "")
        return next((k for pattern, k in patterns if re.search(pattern, usage)), None)

    return key


def _ec2(a: dict[str, Any]) -> str | None:
    plain_linux = (
        a.get("operatingSystem") == "Linux"
        and a.get("tenancy") == "Shared"
        and a.get("preInstalledSw", "NA") == "NA"
        and a.get("capacitystatus", "Used") == "Used"
        and a.get("licenseModel", "No License required") == "No License required"
    )
    return f"ec2.{a['instanceType']}" if plain_linux and a.get("instanceType") else None


def _sagemaker(a: dict[str, Any]) -> str | None:
    name = a.get("instanceName") or a.get("instanceType", "")
    hosting = "-Host:" in a.get("usagetype", "") or a.get("component") == "Hosting"
    return f"sagemaker_realtime.{name}" if hosting and name.startswith("ml.") else None


OFFERS: dict[str, list[Rule]] = {
    "AWSLambda": [
        Rule(_group({"AWS-Lambda-Requests": "lambda.requests"}), "requests"),
        Rule(
            _group(
                {
                    "AWS-Lambda-Duration": "lambda.duration.x86_64",
                    "AWS-Lambda-Duration-ARM": "lambda.duration.arm64",
                }
            ),
            "GB-s",
            tiered=True,
        ),
        Rule(
            _group(
                {
                    "AWS-Lambda-Provisioned-Concurrency": "lambda.provisioned.x86_64",
                    "AWS-Lambda-Provisioned-Concurrency-ARM": "lambda.provisioned.arm64",
                }
            ),
            "GB-s provisioned",
        ),
        Rule(
            _group(
                {
                    "AWS-Lambda-Duration-Provisioned": "lambda.provisioned_duration.x86_64",
                    "AWS-Lambda-Duration-Provisioned-ARM": "lambda.provisioned_duration.arm64",
                }
            ),
            "GB-s of duration while provisioned",
        ),
        Rule(_group({"AWS-Lambda-Storage-Duration": "lambda.ephemeral"}), "GB-s above the free 512 MB"),
    ],
    "AmazonECS": [
        Rule(
            _usage(
                [
                    (r"Fargate-vCPU-Hours:perCPU$", "fargate.linux.x86_64.vcpu"),
                    (r"Fargate-ARM-vCPU-Hours:perCPU$", "fargate.linux.arm64.vcpu"),
                    (r"Fargate-Windows-vCPU-Hours:perCPU$", "fargate.windows.x86_64.vcpu"),
                    (r"Fargate-Windows-OS-Hours:perCPU$", "fargate.windows.x86_64.license"),
                ]
            ),
            "vCPU-s",
            per=3600,
        ),
        Rule(
            _usage(
                [
                    (r"Fargate-GB-Hours$", "fargate.linux.x86_64.memory"),
                    (r"Fargate-ARM-GB-Hours$", "fargate.linux.arm64.memory"),
                    (r"Fargate-Windows-GB-Hours$", "fargate.windows.x86_64.memory"),
                    (r"Fargate-EphemeralStorage-GB-Hours$", "fargate.ephemeral"),
                ]
            ),
            "GB-s",
            per=3600,
        ),
    ],
    "AmazonEC2": [Rule(_ec2, "instance-hour")],
    "AmazonSageMaker": [Rule(_sagemaker, "instance-hour")],
    "AmazonStates": [
        Rule(_usage([(r"StateTransition$", "step_functions.transitions")]), "state transitions"),
        Rule(_usage([(r"Express.*Request", "step_functions_express.requests")]), "requests"),
        Rule(
            _usage([(r"Express.*(Duration|GB-Second)", "step_functions_express.duration")]),
            "GB-s",
            tiered=True,
        ),
    ],
}
OFFERS["AWSStepFunctions"] = OFFERS["AmazonStates"]


@dataclass(frozen=True)
class ImportResult:
    path: Path
    version: str
    imported: tuple[str, ...]
    carried_over: int
    is_newest: bool


def import_offer_files(paths: list[Path], region: str, prices_dir: Path = PRICES_DIR) -> ImportResult:
    """Read offer files, merge their rates into the region's newest catalog, write a new version."""
    offers = [_read_offer(Path(p)) for p in paths]
    rates: dict[str, dict[str, Any]] = {}
    for path, offer in zip(paths, offers):
        found = _rates(offer, region, Path(path).name)
        if not found:
            raise OfferFileError(f"{Path(path).name}: no {offer['offerCode']} prices for region {region}")
        rates.update(found)
    published = max(offer["publicationDate"][:10] for offer in offers)
    base = catalog_versions(region, prices_dir)
    carried = dict(read_catalog(base[-1]).rates) if base else {}
    merged = {**carried, **rates}
    target, version = _next_version(region, published, prices_dir)
    catalog = {
        "region": region,
        "version": version,
        "currency": "USD",
        "read_on": published,
        "origin": "imported from AWS Price List offer files: "
        + ", ".join(sorted({o["offerCode"] for o in offers})),
        "rates": merged,
    }
    check_catalog(catalog, target.name)
    _write_atomically(target, catalog)
    newest = catalog_versions(region, prices_dir)[-1] == target
    return ImportResult(target, version, tuple(sorted(rates)), len(set(carried) - set(rates)), newest)


def _read_offer(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise OfferFileError(f"{path.name}: cannot read it ({exc.strerror})") from exc
    except ValueError as exc:
        raise OfferFileError(f"{path.name}: not JSON ({exc})") from exc
    if (
        not isinstance(raw, dict)
        or not isinstance(raw.get("products"), dict)
        or not isinstance(raw.get("terms"), dict)
        or "offerCode" not in raw
    ):
        raise OfferFileError(
            f"{path.name}: not an AWS Price List offer file (needs offerCode, products and terms)"
        )
    if raw["offerCode"] not in OFFERS:
        raise OfferFileError(
            f"{path.name}: offer {raw['offerCode']!r} is not one the advisor imports "
            f"(it imports {', '.join(sorted(OFFERS))})"
        )
    if not re.match(r"\d{4}-\d{2}-\d{2}", str(raw.get("publicationDate", ""))):
        raise OfferFileError(f"{path.name}: no publicationDate")
    return raw


def _rates(offer: dict[str, Any], region: str, filename: str) -> dict[str, dict[str, Any]]:
    rules = OFFERS[offer["offerCode"]]
    on_demand = offer["terms"].get("OnDemand", {})
    rates = {}
    for sku, product in offer["products"].items():
        attributes = product.get("attributes", {}) if isinstance(product, dict) else {}
        if _region_of(attributes) != region:
            continue
        for rule in rules:
            key = rule.key(attributes)
            if key and sku in on_demand:
                rates[key] = _rate(rule, on_demand[sku], offer, sku, filename)
    return rates


def _region_of(attributes: dict[str, Any]) -> str | None:
    return attributes.get("regionCode") or LOCATIONS.get(attributes.get("location", ""))


def _rate(
    rule: Rule, terms: dict[str, Any], offer: dict[str, Any], sku: str, filename: str
) -> dict[str, Any]:
    dimensions = [d for term in terms.values() for d in term.get("priceDimensions", {}).values()]
    if not dimensions:
        raise OfferFileError(f"{filename}: SKU {sku} has no price dimensions")
    try:
        ordered = sorted(dimensions, key=lambda d: Decimal(d.get("beginRange", "0")))
        prices = [(d, Decimal(d["pricePerUnit"]["USD"])) for d in ordered]
    except (KeyError, InvalidOperation, TypeError) as exc:
        raise OfferFileError(f"{filename}: SKU {sku} has a malformed price ({exc})") from exc
    rate: dict[str, Any] = {
        "unit": rule.unit,
        "per": rule.per,
        "confidence": "A",
        "source": f"AWS Price List {offer['offerCode']} offer {offer.get('version', '')}, SKU {sku}",
        "read_on": offer["publicationDate"][:10],
    }
    if rule.tiered:
        rate["tiers"] = [{"size": _tier_size(d), "price": str(price / rule.per)} for d, price in prices]
    else:
        rate["price"] = str(prices[0][1])
    return rate


def _tier_size(dimension: dict[str, Any]) -> float | None:
    end = dimension.get("endRange", "Inf")
    if end in ("Inf", "", None):
        return None
    return float(Decimal(end) - Decimal(dimension.get("beginRange", "0")))


def _next_version(region: str, published: str, prices_dir: Path) -> tuple[Path, str]:
    folder = prices_dir / region
    n, target = 1, folder / f"{published}.json"
    while target.exists():
        n += 1
        target = folder / f"{published}_{n}.json"
    return target, f"{region}@{target.stem}"


def _write_atomically(target: Path, catalog: dict[str, Any]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as out:
            json.dump(catalog, out, indent=1)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
