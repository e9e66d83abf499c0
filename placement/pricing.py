"""Price catalogs and ``estimate(service, usage)``: one month of one service, billed as AWS does.

Catalogs are dated JSON files under ``prices/<region>/<date>.json``; every rate
carries its source, the date it was read and how sure it is. Amounts are
Decimals: each line is rounded to the cent (half up) before lines are added,
which is how AWS's own worked examples reach their totals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from placement import commitments

T = TypeVar("T")
PRICES_DIR = Path(__file__).with_name("prices")
DEFAULT_REGION = "us-east-1"
CENT = Decimal("0.01")
GB_PER_MB = Decimal(1) / Decimal(1024)


class CatalogError(ValueError):
    """A catalog file is missing, malformed, or lacks a source for a rate."""


class UsageError(ValueError):
    """A usage mapping has an unknown key or an impossible value; names the key."""


Tiers = tuple[tuple[Decimal | None, Decimal], ...]  # (size of the tier, unit price); the last size None


@dataclass(frozen=True)
class ReadRate:
    """One rate of a catalog read as Decimals: its price, its price per unit, or its volume tiers."""

    value: Decimal | None
    unit_price: Decimal | None
    tiers: Tiers | None

    @classmethod
    def of(cls, rate: Mapping[str, Any]) -> ReadRate:
        if "tiers" in rate:
            tiers = tuple(
                (None if t["size"] is None else Decimal(str(t["size"])), Decimal(t["price"]))
                for t in rate["tiers"]
            )
            return cls(None, None, tiers)
        price = Decimal(rate["price"])
        return cls(price, price / Decimal(rate.get("per", 1)), None)


@dataclass(frozen=True)
class Catalog:
    """A dated price catalog of one region. It never changes once read: its rates are read into
    Decimals once, when it is built (``read_catalog``), and a catalog hashes by its version, so
    what is derived from its rates alone can be kept with ``functools.lru_cache``."""

    region: str
    version: str
    read_on: str
    rates: Mapping[str, Mapping[str, Any]]
    read_rates: Mapping[str, ReadRate] = field(repr=False, compare=False)  # ``rates`` as Decimals

    @classmethod
    def of(cls, region: str, version: str, read_on: str, rates: Mapping[str, Mapping[str, Any]]) -> Catalog:
        read_rates = MappingProxyType({key: ReadRate.of(rate) for key, rate in rates.items()})
        return cls(region, version, read_on, rates, read_rates)

    def __hash__(self) -> int:
        return hash((self.region, self.version))

    def unit_price(self, key: str) -> Decimal:
        """Price of one unit (the published price divided by its quantity)."""
        return _given(self._read_rate(key).unit_price, key, "a price")

    def value(self, key: str) -> Decimal:
        return _given(self._read_rate(key).value, key, "a price")

    def tiers(self, key: str) -> list[tuple[Decimal | None, Decimal]]:
        """(size of the tier, unit price) pairs, in order; the last size is None (no end)."""
        return list(_given(self._read_rate(key).tiers, key, "tiers"))

    def has(self, key: str) -> bool:
        return key in self.rates

    def _read_rate(self, key: str) -> ReadRate:
        try:
            return self.read_rates[key]
        except KeyError:
            raise UsageError(f"no rate {key!r} in catalog {self.version}") from None


def _given(value: T | None, key: str, what: str) -> T:
    if value is None:
        raise UsageError(f"rate {key!r} has no {what}")
    return value


@dataclass(frozen=True)
class Line:
    name: str
    amount: Decimal  # under the purchase option priced (a Savings Plan, Spot or on demand)
    detail: str = ""
    on_demand: Decimal | None = None  # the same usage on demand, when a discount applied

    @property
    def on_demand_amount(self) -> Decimal:
        return self.amount if self.on_demand is None else self.on_demand

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "amount": float(self.amount),
            "detail": self.detail,
            "on_demand": float(self.on_demand_amount),
        }


@dataclass(frozen=True)
class Estimate:
    service: str
    lines: tuple[Line, ...]
    catalog: str

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def on_demand_total(self) -> Decimal:
        return sum((line.on_demand_amount for line in self.lines), Decimal("0.00"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "service": self.service,
            "total": float(self.total),
            "catalog": self.catalog,
            "on_demand_total": float(self.on_demand_total),
            "lines": [line.to_dict() for line in self.lines],
        }


# -- catalogs ---------------------------------------------------------------------


def catalog_versions(region: str = DEFAULT_REGION, prices_dir: Path = PRICES_DIR) -> list[Path]:
    """Catalog files of a region, oldest first: named by ISO date, ``_N`` for the Nth of a day."""

    def order(path: Path) -> tuple[str, int]:
        day, _, n = path.stem.partition("_")
        return day, int(n) if n.isdigit() else 1

    return sorted((prices_dir / region).glob("*.json"), key=order)


def load_catalog(region: str = DEFAULT_REGION, prices_dir: Path = PRICES_DIR) -> Catalog:
    """The newest catalog of a region."""
    versions = catalog_versions(region, prices_dir)
    if not versions:
        raise CatalogError(f"no price catalog for region {region!r}")
    return read_catalog(versions[-1])


def catalog_for_region(region: str, prices_dir: Path = PRICES_DIR) -> Catalog | None:
    """The newest catalog of a region, or None when the region has none.

    Looked for again whenever the region's folder changes, so a catalog imported while the
    process runs counts from the next advice, and otherwise not (every advice asks).
    """
    try:
        changed = (prices_dir / region).stat().st_mtime_ns
    except FileNotFoundError:
        return None
    return _newest_catalog(region, prices_dir, changed)


@lru_cache(maxsize=64)
def _newest_catalog(region: str, prices_dir: Path, changed: int) -> Catalog | None:
    versions = catalog_versions(region, prices_dir)
    return read_catalog(versions[-1]) if versions else None


# The offer files ``manage.py import_prices`` reads (placement/price_import.py OFFERS), named as
# AWS's Price List bulk API names each region's file.
IMPORTABLE_OFFERS = ("AWSLambda", "AmazonECS", "AmazonEC2", "AmazonSageMaker", "AmazonStates")


def catalog_for_pricing(region: str, prices_dir: Path = PRICES_DIR) -> tuple[Catalog | None, bool]:
    """The catalog that prices ``region``, and whether it is a fallback.

    A region without a catalog of its own is priced at the default region's rates
    (us-east-1): an estimate in the right order of magnitude beats none, and the
    advice says so (``fallback_notice``). None only when the default has none either.
    """
    own = catalog_for_region(region, prices_dir)
    if own is not None or region == DEFAULT_REGION:
        return own, False
    fallback = catalog_for_region(DEFAULT_REGION, prices_dir)
    return fallback, fallback is not None


def pricing_catalog(region: str, prices_dir: Path = PRICES_DIR) -> Catalog:
    """``catalog_for_pricing``'s catalog, for callers that must have one (simulations)."""
    catalog, _ = catalog_for_pricing(region, prices_dir)
    if catalog is None:
        raise CatalogError(f"no price catalog for region {region!r} nor for {DEFAULT_REGION}")
    return catalog


def fallback_notice(region: str) -> str:
    """What a user is told when ``region`` is priced at the default region's rates, and how to fix it."""
    files = " ".join(f"{offer}.json" for offer in IMPORTABLE_OFFERS)
    return (
        f"No price catalog for {region}: every cost here is at {DEFAULT_REGION} rates, which can differ "
        f"from {region}'s (in eu-central-1 Fargate costs 15% more, GPU instances 25% more). To price "
        f"{region} itself, download its AWS Price List offer files and run "
        f"`python manage.py import_prices {files} --region {region}`; rates the files do not "
        f"cover (Bedrock, DynamoDB, S3, ...) stay unpriced until added with a source."
    )


def hosted_models(catalog: Catalog) -> frozenset[str]:
    """The hosted models a catalog prices by the token: Bedrock's, one ``bedrock.<model>.input`` rate each."""
    return frozenset(
        key[len("bedrock.") : -len(".input")]
        for key in catalog.rates
        if key.startswith("bedrock.") and key.endswith(".input")
    )


def catalog_by_version(version: str, prices_dir: Path = PRICES_DIR) -> Catalog:
    """A catalog by its version (``region@stem``), e.g. the one a stored run was priced with."""
    region, _, stem = version.partition("@")
    path = prices_dir / region / f"{stem}.json"
    if not region or not stem or not path.is_file():
        raise CatalogError(f"no price catalog {version!r}")
    return read_catalog(path)


@lru_cache(maxsize=16)
def read_catalog(path: Path) -> Catalog:
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise CatalogError(f"{path}: {exc}") from exc
    check_catalog(raw, str(path))
    return Catalog.of(raw["region"], raw["version"], raw["read_on"], raw["rates"])


def check_catalog(raw: Any, where: str = "catalog") -> None:
    """Refuse a catalog whose rates lack a price, a source or the date it was read."""
    if not isinstance(raw, dict) or not {"region", "version", "read_on", "rates"} <= set(raw):
        raise CatalogError(f"{where}: needs region, version, read_on and rates")
    for key, rate in raw["rates"].items():
        if not isinstance(rate, dict) or not rate.get("source") or not rate.get("read_on"):
            raise CatalogError(f"{where}: rate {key!r} needs a source and a read_on date")
        if "price" not in rate and "tiers" not in rate:
            raise CatalogError(f"{where}: rate {key!r} needs a price or tiers")


# -- estimate ------------------------------------------------------------------------


def estimate(service: str, usage: Mapping[str, Any], catalog: Catalog | None = None) -> Estimate:
    """One month of ``service`` for ``usage`` (keys listed in PRICES.md), line by line."""
    try:
        spec = SERVICES[service]
    except KeyError:
        raise UsageError(f"unknown service {service!r}; known: {', '.join(sorted(SERVICES))}") from None
    catalog = catalog or load_catalog()
    clean = _check_usage(service, usage, spec.keys)
    lines = tuple(line for line in spec.compute(clean, catalog) if line.amount or line.detail)
    return Estimate(service=service, lines=lines, catalog=catalog.version)


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _line(name: str, amount: Decimal, detail: str) -> Line:
    return Line(name=name, amount=_money(amount), detail=detail)


def _tiered(quantity: Decimal, tiers: list[tuple[Decimal | None, Decimal]]) -> Decimal:
    """Price ``quantity`` through consecutive tiers, each ``(size, unit price)``."""
    cost, left = Decimal(0), quantity
    for size, price in tiers:
        used = left if size is None else min(left, size)
        cost += used * price
        left -= used
        if left <= 0:
            break
    return cost


# A usage key's type (or its allowed values) and its default.
UsageKey = tuple[type | tuple[str, ...], Any]


@dataclass(frozen=True)
class _Service:
    keys: Mapping[str, UsageKey]  # key -> (type, default); default None = required
    compute: Callable[[dict[str, Any], Catalog], list[Line]]


_REQUIRED = object()


def _check_usage(service: str, usage: Mapping[str, Any], keys: Mapping[str, Any]) -> dict[str, Any]:
    """The usage with every value checked and the defaults filled in; raises on the first problem."""
    if type(usage) is not dict and not isinstance(usage, Mapping):  # the ABC check is slow; dicts skip it
        raise UsageError("usage must be a mapping of usage keys to values")
    if not usage.keys() <= keys.keys():  # a subset test builds no set in the common case
        unknown = usage.keys() - keys.keys()
        raise UsageError(f"{service}: unknown usage keys {sorted(unknown)}; known: {sorted(keys)}")
    for key in _required(service):
        if key not in usage:
            raise UsageError(f"{service}: usage key {key!r} is required")
    # Defaults are checked once per service; only the values given are checked here.
    clean = dict(_clean_defaults(service))
    for key, value in usage.items():
        kind = keys[key][0]
        # The common case inline (estimate runs dozens of times an advice): a plain finite
        # number not below zero; anything else gets _check_value's full checks and messages.
        if kind is NUM and type(value) in _PLAIN_NUMBERS and 0 <= value < math.inf:
            clean[key] = Decimal(str(value))
        else:
            clean[key] = _check_value(service, key, kind, value)
    return clean


_PLAIN_NUMBERS = (float, int)


@cache
def _required(service: str) -> tuple[str, ...]:
    return tuple(key for key, (_, default) in SERVICES[service].keys.items() if default is _REQUIRED)


@cache
def _clean_defaults(service: str) -> dict[str, Any]:
    """A service's optional usage keys at their defaults, checked once: most calls leave most unset."""
    return {
        key: _check_value(service, key, kind, default)
        for key, (kind, default) in SERVICES[service].keys.items()
        if default is not _REQUIRED
    }


def _check_value(service: str, key: str, kind: Any, value: Any) -> Any:
    if kind is NUM and type(value) in (float, int) and value >= 0 and value != math.inf:
        return Decimal(str(value))  # the common case, checked below in full for anything else
    if isinstance(kind, tuple):  # a choice
        if value not in kind:
            raise UsageError(f"{service}: {key} must be one of {kind}, not {value!r}")
        return value
    if kind is bool:
        if not isinstance(value, bool):
            raise UsageError(f"{service}: {key} must be true or false")
        return value
    if kind is str:
        if not isinstance(value, str) or not value:
            raise UsageError(f"{service}: {key} must be a non-empty string")
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise UsageError(f"{service}: {key} must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{service}: {key} must be finite")
    if value < 0:
        raise UsageError(f"{service}: {key} must not be negative")
    return Decimal(str(value))


ARCH = ("x86_64", "arm64")
PURCHASE = commitments.PURCHASES  # on_demand, spot, savings_1y, savings_3y
PURCHASE_WORDS = {
    "on_demand": "on demand",
    "spot": "Spot",
    "savings_1y": "1-year Savings Plan",
    "savings_3y": "3-year Savings Plan",
}
NUM, REQ = Decimal, _REQUIRED


def _lambda(u: dict[str, Any], c: Catalog) -> list[Line]:
    arch, gb = u["arch"], u["memory_mb"] * GB_PER_MB
    plan = _purchased("lambda", u, c)
    # AWS meters duration in whole milliseconds.
    od_seconds = u["requests"] * Decimal(math.ceil(u["duration_ms"])) / 1000
    pc_seconds = u["pc_requests"] * Decimal(math.ceil(u["pc_duration_ms"])) / 1000
    free = u["free_tier"]
    all_requests = u["requests"] + u["pc_requests"]
    billable_requests = max(Decimal(0), all_requests - (c.value("lambda.free_tier.requests") if free else 0))
    od_gb_s = od_seconds * gb
    billable_gb_s = max(Decimal(0), od_gb_s - (c.value("lambda.free_tier.gb_seconds") if free else 0))
    lines = [
        _line(
            "Requests",
            billable_requests * c.unit_price("lambda.requests"),
            f"{all_requests:,.0f} requests{' less 1M free' if free else ''}",
        ),
        # A Compute Savings Plan discounts Lambda's duration and provisioned concurrency, not requests.
        plan(
            f"Duration ({arch})",
            _tiered(billable_gb_s, c.tiers(f"lambda.duration.{arch}")),
            f"{od_gb_s:,.0f} GB-s{' less 400,000 free' if free else ''}",
        ),
    ]
    if u["pc_concurrency"] and u["pc_hours"]:
        pc_gb_s = u["pc_concurrency"] * gb * u["pc_hours"] * 3600
        lines.append(
            plan(
                "Provisioned concurrency",
                pc_gb_s * c.unit_price(f"lambda.provisioned.{arch}"),
                f"{u['pc_concurrency']:,.0f} x {u['memory_mb']:,.0f} MB for {_quantity(u['pc_hours'])} h",
            )
        )
    if pc_seconds:
        lines.append(
            plan(
                "Provisioned duration",
                pc_seconds * gb * c.unit_price(f"lambda.provisioned_duration.{arch}"),
                f"{u['pc_requests']:,.0f} requests of {u['pc_duration_ms']} ms",
            )
        )
    extra_gb = max(Decimal(0), u["ephemeral_mb"] - 512) * GB_PER_MB
    if extra_gb:
        lines.append(
            _line(
                "Ephemeral storage",
                extra_gb * (od_seconds + pc_seconds) * c.unit_price("lambda.ephemeral"),
                f"{u['ephemeral_mb']:,.0f} MB",
            )
        )
    lines += _snapstart(u, c, gb) + _lambda_extras(u, c)
    return lines


def _snapstart(u: dict[str, Any], c: Catalog, gb: Decimal) -> list[Line]:
    lines = []
    if u["snapstart_cache_hours"]:
        hours = max(Decimal(3), u["snapstart_cache_hours"])  # 3-hour minimum
        lines.append(
            _line(
                "SnapStart cache",
                gb * hours * 3600 * c.unit_price("lambda.snapstart.cache"),
                f"{_quantity(hours)} h cached",
            )
        )
    if u["snapstart_restores"]:
        lines.append(
            _line(
                "SnapStart restore",
                u["snapstart_restores"] * gb * c.unit_price("lambda.snapstart.restore"),
                f"{u['snapstart_restores']:,.0f} restores",
            )
        )
    return lines


def _lambda_extras(u: dict[str, Any], c: Catalog) -> list[Line]:
    lines = []
    if u["stream_gb"]:
        billable = max(Decimal(0), u["stream_gb"] - c.value("lambda.streaming.free_gb"))
        lines.append(
            _line(
                "Response streaming",
                billable * c.unit_price("lambda.streaming"),
                f"{_quantity(u['stream_gb'])} GB streamed less 100 GB free",
            )
        )
    if u["durable_operations"]:
        lines.append(
            _line(
                "Durable operations",
                u["durable_operations"] * c.unit_price("lambda.durable.operations"),
                f"{u['durable_operations']:,.0f} operations",
            )
        )
    if u["durable_written_gb"]:
        lines.append(
            _line(
                "Durable state written",
                u["durable_written_gb"] * c.unit_price("lambda.durable.written"),
                f"{_quantity(u['durable_written_gb'])} GB",
            )
        )
    if u["durable_retained_gb_month"]:
        lines.append(
            _line(
                "Durable state retained",
                u["durable_retained_gb_month"] * c.unit_price("lambda.durable.retained"),
                f"{_quantity(u['durable_retained_gb_month'])} GB-month",
            )
        )
    return lines


def _fargate(u: dict[str, Any], c: Catalog) -> list[Line]:
    os_, arch = u["os"], u["arch"]
    if os_ == "windows" and arch != "x86_64":
        raise UsageError("fargate: Windows tasks run on x86_64 only")
    if u["spot"]:  # the older spelling of purchase="spot"
        u = {**u, "purchase": "spot"}
    if u["purchase"] == "spot" and (os_, arch) != ("linux", "x86_64"):
        raise UsageError("fargate: Fargate Spot runs x86_64 Linux tasks only (no arm64, no Windows)")
    # Fargate bills per second with a one-minute minimum per task.
    task_seconds = u["tasks"] * max(Decimal(60), u["seconds"]) if u["seconds"] else Decimal(0)
    prefix = f"fargate.{os_}.{arch}"
    vcpu = task_seconds * u["vcpu"] * c.unit_price(f"{prefix}.vcpu")
    memory = task_seconds * u["memory_gb"] * c.unit_price(f"{prefix}.memory")
    licence = task_seconds * u["vcpu"] * c.unit_price(f"{prefix}.license") if os_ == "windows" else Decimal(0)
    plan = _purchased("fargate", u, c)
    lines = [
        plan("vCPU", vcpu, f"{task_seconds:,.0f} task-seconds x {u['vcpu']} vCPU"),
        plan("Memory", memory, f"{u['memory_gb']} GB"),
    ]
    if licence:
        lines.append(_line("Windows licence", licence, f"{u['vcpu']} vCPU"))
    extra = max(Decimal(0), u["ephemeral_gb"] - 20)
    if extra:
        lines.append(
            _line(
                "Ephemeral storage",
                extra * task_seconds * c.unit_price("fargate.ephemeral"),
                f"{u['ephemeral_gb']} GB",
            )
        )
    return lines


def _step_functions(u: dict[str, Any], c: Catalog) -> list[Line]:
    free = c.value("step_functions.free_tier.transitions") if u["free_tier"] else 0
    billable = max(Decimal(0), u["transitions"] - free)
    return [
        _line(
            "State transitions",
            billable * c.unit_price("step_functions.transitions"),
            f"{u['transitions']:,.0f} transitions{' less 4,000 free' if free else ''}",
        )
    ]


def _step_functions_express(u: dict[str, Any], c: Catalog) -> list[Line]:
    # Duration rounds up to 100 ms; memory is billed in 64 MB chunks.
    seconds = Decimal(math.ceil(u["duration_ms"] / 100)) / 10
    memory_gb = Decimal(math.ceil(u["memory_mb"] / 64) * 64) * GB_PER_MB
    gb_seconds = u["requests"] * seconds * memory_gb
    # AWS's page publishes GB-hour rates, its offer files GB-second ones.
    per_hour = c.rates["step_functions_express.duration"]["unit"].startswith("GB-h")
    quantity = gb_seconds / 3600 if per_hour else gb_seconds
    return [
        _line(
            "Requests",
            u["requests"] * c.unit_price("step_functions_express.requests"),
            f"{u['requests']:,.0f} requests",
        ),
        _line(
            "Duration",
            _tiered(quantity, c.tiers("step_functions_express.duration")),
            f"{gb_seconds / 3600:,.2f} GB-hours",
        ),
    ]


def _instances(service: str) -> Callable[[dict[str, Any], Catalog], list[Line]]:
    def compute(u: dict[str, Any], c: Catalog) -> list[Line]:
        hourly = c.unit_price(f"{service}.{u['instance_type']}")
        hours = u["hours"] * u["count"]
        plan = _purchased(service, u, c)
        return [
            plan(
                f"{u['instance_type']} ({PURCHASE_WORDS[u['purchase']]})",
                hours * hourly,
                f"{_quantity(hours)} instance-hours at ${hourly}/h",
            )
        ]

    return compute


def _purchased(service: str, u: dict[str, Any], c: Catalog) -> Callable[[str, Decimal, str], Line]:
    """A line maker for the usage's purchase option (``purchase``, ``committed_share``): the on-demand
    amount less the option's rate (placement/commitments.py) on the share of the usage it covers,
    with the on-demand amount kept beside it."""
    purchase = u.get("purchase", "on_demand")
    if purchase == "on_demand":
        return _line
    discount, plan_words = _purchase_rate(c, service, purchase, u.get("instance_type"))
    share = Decimal(1) if purchase == "spot" else u.get("committed_share", Decimal(1))
    if share > 1:
        raise UsageError(f"{service}: committed_share must be between 0 and 1")
    cut = discount * share
    words = plan_words + ("" if share >= 1 else f" on {share:.0%} of it, the rest on demand")

    def line(name: str, amount: Decimal, detail: str) -> Line:
        if not cut or not amount:
            return _line(name, amount, detail)
        return Line(
            name=name, amount=_money(amount * (1 - cut)), detail=detail + words, on_demand=_money(amount)
        )

    return line


@lru_cache(maxsize=256)
def _purchase_rate(c: Catalog, service: str, purchase: str, instance_type: str | None) -> tuple[Decimal, str]:
    """A purchase option's discount and its words for the lines ("; <plan> at 28% off"), worked out
    once per catalog and instance type: the options of every candidate are priced on each advice."""
    try:
        rate = commitments.rate_for(c, service, purchase, instance_type)
    except commitments.NotOffered as exc:
        raise UsageError(f"{service}: {exc}") from None
    return rate.discount, f"; {commitments.plan_label(service, purchase)} at {rate.discount:.0%} off"


def _sagemaker_serverless(u: dict[str, Any], c: Catalog) -> list[Line]:
    gb = u["memory_mb"] * GB_PER_MB
    plan = _purchased("sagemaker_serverless", u, c)
    return [
        plan(
            "Inference",
            gb * u["seconds"] * c.unit_price("sagemaker_serverless.memory"),
            f"{_quantity(u['seconds'])} s at {u['memory_mb']:,.0f} MB",
        )
    ]


def _bedrock(u: dict[str, Any], c: Catalog) -> list[Line]:
    model = u["model"]
    if not c.has(f"bedrock.{model}.input"):
        raise UsageError(f"bedrock: no price for model {model!r} in catalog {c.version}")
    share, how = Decimal(1), ""
    if u["batch"]:  # batch inference: the catalog's discount off on-demand, for models that have one
        if not c.has(f"bedrock.{model}.batch_discount"):
            raise UsageError(f"bedrock: model {model!r} has no batch inference price in catalog {c.version}")
        discount = c.value(f"bedrock.{model}.batch_discount")
        share, how = 1 - discount, f" at batch inference's {discount:.0%} off on-demand"
    suffix = " (batch)" if u["batch"] else ""
    return [
        _line(
            f"Input tokens{suffix}",
            u["input_tokens"] * c.unit_price(f"bedrock.{model}.input") * share,
            f"{u['input_tokens']:,.0f} tokens of {model}{how}",
        ),
        _line(
            f"Output tokens{suffix}",
            u["output_tokens"] * c.unit_price(f"bedrock.{model}.output") * share,
            f"{u['output_tokens']:,.0f} tokens of {model}{how}",
        ),
    ]


def batch_models(catalog: Catalog) -> frozenset[str]:
    """The Bedrock models a catalog gives a batch inference price: one ``bedrock.<model>.batch_discount`` each."""
    return frozenset(
        key[len("bedrock.") : -len(".batch_discount")]
        for key in catalog.rates
        if key.startswith("bedrock.") and key.endswith(".batch_discount")
    )


def _quantity(value: Decimal) -> str:
    """A usage as a reader wants it: whole from a thousand up (608,333 requests), else to the cent."""
    whole = value == value.to_integral_value() or abs(value) >= 1000
    return f"{value:,.0f}" if whole else f"{value:,.2f}"


def _charge(quantity: Decimal, c: Catalog, key: str) -> Decimal:
    """``quantity`` at rate ``key``, through its volume tiers when the catalog gives them."""
    if c._read_rate(key).tiers is not None:  # raises UsageError naming a rate the catalog lacks
        return _tiered(quantity, c.tiers(key))
    return quantity * c.unit_price(key)


def _per_unit(*parts: tuple[str, str, str]) -> Callable[[dict[str, Any], Catalog], list[Line]]:
    """A service billed as usage key x rate, one line per (key, rate, line name); a rate may be tiered."""

    def compute(u: dict[str, Any], c: Catalog) -> list[Line]:
        return [
            _line(name, _charge(u[key], c, rate), f"{_quantity(u[key])} {c.rates[rate]['unit']}")
            for key, rate, name in parts
        ]

    return compute


def _sqs(u: dict[str, Any], c: Catalog) -> list[Line]:
    free = c.value("sqs.free_tier.requests") if u["free_tier"] else 0
    billable = max(Decimal(0), u["requests"] - free)
    return [_line("Requests", billable * c.unit_price("sqs.requests"), f"{u['requests']:,.0f} requests")]


# A purchase option (placement/commitments.py) and the share of the usage a Savings Plan
# covers (the steady baseline it is sized to; the rest on demand). Spot covers it all.
_PURCHASE_KEYS: dict[str, UsageKey] = {"purchase": (PURCHASE, "on_demand"), "committed_share": (NUM, 1)}

SERVICES: dict[str, _Service] = {
    "lambda": _Service(
        {
            "requests": (NUM, 0),
            "duration_ms": (NUM, 0),
            "memory_mb": (NUM, 128),
            "arch": (ARCH, "x86_64"),
            "ephemeral_mb": (NUM, 512),
            "free_tier": (bool, True),
            "pc_concurrency": (NUM, 0),
            "pc_hours": (NUM, 0),
            "pc_requests": (NUM, 0),
            "pc_duration_ms": (NUM, 0),
            "snapstart_cache_hours": (NUM, 0),
            "snapstart_restores": (NUM, 0),
            "stream_gb": (NUM, 0),
            "durable_operations": (NUM, 0),
            "durable_written_gb": (NUM, 0),
            "durable_retained_gb_month": (NUM, 0),
            **_PURCHASE_KEYS,
        },
        _lambda,
    ),
    "fargate": _Service(
        {
            "tasks": (NUM, 1),
            "seconds": (NUM, REQ),
            "vcpu": (NUM, REQ),
            "memory_gb": (NUM, REQ),
            "arch": (ARCH, "x86_64"),
            "os": (("linux", "windows"), "linux"),
            "ephemeral_gb": (NUM, 20),
            "spot": (bool, False),
            **_PURCHASE_KEYS,
        },
        _fargate,
    ),
    "step_functions": _Service({"transitions": (NUM, REQ), "free_tier": (bool, True)}, _step_functions),
    "step_functions_express": _Service(
        {"requests": (NUM, REQ), "duration_ms": (NUM, REQ), "memory_mb": (NUM, 64)}, _step_functions_express
    ),
    "ec2": _Service(
        {"instance_type": (str, REQ), "hours": (NUM, 730), "count": (NUM, 1), **_PURCHASE_KEYS},
        _instances("ec2"),
    ),
    "sagemaker_realtime": _Service(
        {"instance_type": (str, REQ), "hours": (NUM, 730), "count": (NUM, 1), **_PURCHASE_KEYS},
        _instances("sagemaker_realtime"),
    ),
    "sagemaker_serverless": _Service(
        {"memory_mb": (NUM, REQ), "seconds": (NUM, REQ), **_PURCHASE_KEYS}, _sagemaker_serverless
    ),
    "bedrock": _Service(
        {"model": (str, REQ), "input_tokens": (NUM, 0), "output_tokens": (NUM, 0), "batch": (bool, False)},
        _bedrock,
    ),
    "api_gateway_http": _Service(
        {"requests": (NUM, REQ)}, _per_unit(("requests", "api_gateway_http.requests", "Requests"))
    ),
    "api_gateway_rest": _Service(
        {"requests": (NUM, REQ)}, _per_unit(("requests", "api_gateway_rest.requests", "Requests"))
    ),
    "api_gateway_websocket": _Service(
        {"messages": (NUM, 0), "connection_minutes": (NUM, 0)},
        _per_unit(
            ("messages", "api_gateway_websocket.messages", "Messages"),
            ("connection_minutes", "api_gateway_websocket.connection_minutes", "Connection minutes"),
        ),
    ),
    "sqs": _Service({"requests": (NUM, REQ), "free_tier": (bool, True)}, _sqs),
    "dynamodb": _Service(
        {"write_units": (NUM, 0), "read_units": (NUM, 0)},
        _per_unit(
            ("write_units", "dynamodb.write_units", "Write request units"),
            ("read_units", "dynamodb.read_units", "Read request units"),
        ),
    ),
    "elasticache_serverless": _Service(
        {"gb_hours": (NUM, 0), "ecpus": (NUM, 0)},
        _per_unit(
            ("gb_hours", "elasticache_serverless.gb_hours", "Data stored"),
            ("ecpus", "elasticache_serverless.ecpus", "ElastiCache Processing Units"),
        ),
    ),
    "alb": _Service(
        {"hours": (NUM, 0), "lcu_hours": (NUM, 0)},
        _per_unit(
            ("hours", "alb.hours", "Load balancer hours"),
            ("lcu_hours", "alb.lcu_hours", "Load balancer capacity units (LCU-hours)"),
        ),
    ),
    "s3": _Service(
        {"storage_gb_month": (NUM, 0), "put_requests": (NUM, 0), "get_requests": (NUM, 0)},
        _per_unit(
            ("storage_gb_month", "s3.storage", "Storage (S3 Standard)"),
            ("put_requests", "s3.put", "PUT, COPY, POST and LIST requests"),
            ("get_requests", "s3.get", "GET requests"),
        ),
    ),
    "eks": _Service(
        {"cluster_hours": (NUM, REQ)}, _per_unit(("cluster_hours", "eks.cluster_hours", "Control plane"))
    ),
    "opensearch_serverless": _Service(
        {"ocu_hours": (NUM, 0), "storage_gb": (NUM, 0)},
        _per_unit(
            ("ocu_hours", "opensearch_serverless.ocu_hours", "Compute (OCU-hours)"),
            ("storage_gb", "opensearch_serverless.storage_gb", "Storage"),
        ),
    ),
    "aurora_serverless": _Service(
        {"acu_hours": (NUM, 0), "storage_gb_month": (NUM, 0), "io_requests": (NUM, 0)},
        _per_unit(
            ("acu_hours", "aurora_serverless.acu_hours", "Capacity (ACU-hours)"),
            ("storage_gb_month", "aurora_serverless.storage_gb", "Storage"),
            ("io_requests", "aurora_serverless.io_requests", "I/O requests"),
        ),
    ),
    "s3_vectors": _Service(
        {
            "storage_gb_month": (NUM, 0),
            "put_gb": (NUM, 0),
            "queries": (NUM, 0),
            "processed_gb_first_tier": (NUM, 0),
            "processed_gb_beyond": (NUM, 0),
        },
        _per_unit(
            ("storage_gb_month", "s3_vectors.storage", "Vector storage"),
            ("put_gb", "s3_vectors.put_gb", "PUT (logical GB written)"),
            ("queries", "s3_vectors.queries", "Query requests"),
            (
                "processed_gb_first_tier",
                "s3_vectors.processed_first_tier",
                "Query data processed (first 100,000 vectors of the index)",
            ),
            (
                "processed_gb_beyond",
                "s3_vectors.processed_beyond",
                "Query data processed (vectors beyond 100,000)",
            ),
        ),
    ),
    "elasticache_nodes": _Service(
        {
            "instance_type": (str, REQ),
            "hours": (NUM, 730),
            "count": (NUM, 1),
            "purchase": (PURCHASE, "on_demand"),
        },
        _instances("elasticache"),
    ),
}
