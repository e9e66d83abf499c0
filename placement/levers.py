"""Bedrock's own cost levers: what the chosen Brain could save, and what it must check.

For the Brain an advice chose (Amazon Bedrock on demand, a hosted model API priced at
Bedrock's rates, or Bedrock batch inference), each lever that applies is named with its
monthly saving where one can be priced from the catalog:

- prompt caching: the repeated part of each prompt read from the cache instead of sent again;
- batch inference: the same tokens at the catalog's batch discount when nobody waits;
- global cross-Region inference: about 10% off, where data may leave the Region;
- Provisioned Throughput: named where steady volume is high, never priced (AWS publishes no
  per-unit price);
- the tokens-per-minute quota at the peak.

Every figure comes from the price catalog (``bedrock.<model>.cache_read`` and the like) or
placement/limits; the work is a few multiplications on costs ``advise`` already has.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from placement.costs import PlacementCost
from placement.facts import DAYS_PER_MONTH, Facts
from placement.limits import load_limits
from placement.pricing import Catalog
from placement.profile import WorkloadProfile
from placement.rules import load_matrix

READ_ON = "2026-11-30"
CENT = Decimal("0.01")
_LIMITS = load_limits()
# Brains that bill Bedrock's token prices; "hosted_api" is priced at them too (costs.py).
BEDROCK_BRAINS = ("bedrock", "bedrock_batch", "hosted_api")
# Where a quota could not be cited, a peak from this many tokens a minute is worth a check
# (the matrix's rule B30 uses the same figure).
UNKNOWN_QUOTA_CHECK_TOKENS_PER_MINUTE = 1_000_000
# Provisioned Throughput is a commitment for steady traffic; business hours, spikes and batches
# leave reserved units idle.
STEADY_PATTERNS = ("steady", "diurnal")


@dataclass(frozen=True)
class LeverSource:
    url: str
    title: str
    read_on: str = READ_ON

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "title": self.title, "read_on": self.read_on}


PROMPT_CACHING = LeverSource(
    "https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html",
    "Prompt caching for faster model inference - Amazon Bedrock",
)
BATCH = LeverSource(_LIMITS["bedrock_batch_window_s"].source, _LIMITS["bedrock_batch_window_s"].source_title)
GLOBAL_CRIS = LeverSource(
    "https://docs.aws.amazon.com/bedrock/latest/userguide/global-cross-region-inference.html",
    "Global cross-Region inference - Amazon Bedrock",
)
PROVISIONED = LeverSource(
    "https://docs.aws.amazon.com/bedrock/latest/userguide/prov-throughput.html",
    "Increase model invocation capacity with Provisioned Throughput in Amazon Bedrock",
)
RUNTIME_QUOTAS = LeverSource(
    "https://docs.aws.amazon.com/bedrock/latest/userguide/quotas-runtime.html",
    "Quotas for the bedrock-runtime endpoint",
)


@dataclass(frozen=True)
class Lever:
    """One AWS cost lever that applies to an advice, with its monthly saving (None: not priceable)."""

    id: str
    layer: str
    title: str
    text: str
    monthly_saving: Decimal | None
    source: LeverSource

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "layer": self.layer,
            "title": self.title,
            "text": self.text,
            "monthly_saving": None if self.monthly_saving is None else float(self.monthly_saving),
            "source": self.source.to_dict(),
        }


def best_first(levers: Iterable[Lever]) -> tuple[Lever, ...]:
    """Levers by monthly saving, largest first; those without a price after them, in order."""
    return tuple(
        sorted(levers, key=lambda lever: (lever.monthly_saving is None, -(lever.monthly_saving or 0)))
    )


def bedrock_levers(
    p: WorkloadProfile,
    f: Facts,
    catalog: Catalog,
    split: dict[str, str],
    costs: dict[str, dict[str, PlacementCost]],
) -> tuple[Lever, ...]:
    """The Bedrock levers that apply to the chosen Brain, best saving first."""
    brain = split.get("brain")
    model = p.hosted_model if p.inference == "hosted_api" else None
    if brain not in BEDROCK_BRAINS or model is None or not catalog.has(f"bedrock.{model}.input"):
        return ()
    bill = costs["brain"][brain].total if brain in costs["brain"] else None
    found = [
        _prompt_caching(p, f, catalog, model) if brain != "bedrock_batch" else None,
        _batch(p, catalog, model, brain, bill, costs) if brain != "bedrock_batch" else None,
        _cross_region(p, catalog, model, bill) if brain == "bedrock" else None,
        _provisioned(p, f, model, bill) if brain == "bedrock" else None,
        _quota(p, f, model) if brain == "bedrock" else None,
    ]
    return best_first(lever for lever in found if lever is not None)


# -- prompt caching ------------------------------------------------------------------


@dataclass(frozen=True)
class CachePlan:
    """Repeated prompt tokens served from the cache over a month, and what that saves."""

    repeated_tokens: int
    requests: Decimal
    writes: Decimal  # requests that write the cache (the rest read it)
    saving: Decimal


def cache_plan(p: WorkloadProfile, f: Facts, catalog: Catalog, model: str) -> CachePlan | None:
    """The month of prompt caching, or None when the model has no cache price, the repeated part
    is under the model's minimum, or caching would not save.

    Assumption (said in the lever's text): one cache write per 5-minute time to live while
    traffic flows, the cache kept warm by the hits in between (AWS resets the TTL on each hit,
    so a steady stream may need fewer writes). With fewer requests than 5-minute windows, every
    request finds the cache expired and writes it: no saving.
    """
    key = f"bedrock.{model}"
    if p.repeated_prompt_share <= 0 or not catalog.has(f"{key}.cache_read"):
        return None
    repeated = int(p.input_tokens * p.repeated_prompt_share)
    if catalog.has(f"{key}.cache_max_tokens"):
        repeated = min(repeated, int(catalog.value(f"{key}.cache_max_tokens")))
    if repeated <= 0 or repeated < catalog.value(f"{key}.cache_min_tokens"):
        return None
    requests = Decimal(str(f.requests_per_month))
    windows = Decimal(
        str(f.active_hours_per_day * 3600 * DAYS_PER_MONTH / _LIMITS["bedrock_prompt_cache_ttl_s"].value)
    )
    writes = min(requests, windows)
    tokens = Decimal(repeated)
    uncached = requests * tokens * catalog.unit_price(f"{key}.input")
    cached = tokens * (
        writes * catalog.unit_price(f"{key}.cache_write")
        + (requests - writes) * catalog.unit_price(f"{key}.cache_read")
    )
    saving = _money(uncached - cached)
    return CachePlan(repeated, requests, writes, saving) if saving > 0 else None


def _prompt_caching(p: WorkloadProfile, f: Facts, catalog: Catalog, model: str) -> Lever | None:
    plan = cache_plan(p, f, catalog, model)
    if plan is None:
        return None
    key = f"bedrock.{model}"
    ttl_min = _LIMITS["bedrock_prompt_cache_ttl_s"].value / 60
    text = (
        f"Prompt caching on the {plan.repeated_tokens:,} repeated tokens of each prompt saves about "
        f"${plan.saving:,.2f} a month: they are read from the cache at "
        f"{_per_million(catalog, f'{key}.cache_read')} per million tokens instead of "
        f"{_per_million(catalog, f'{key}.input')}, after about {plan.writes:,.0f} cache writes a month at "
        f"{_per_million(catalog, f'{key}.cache_write')} per million. Assumes one write per "
        f"{ttl_min:g}-minute window of traffic, the cache kept warm by the requests in between (about "
        f"{plan.requests / plan.writes:,.0f} in each window at the rate while traffic is on); "
        f"requests more than {ttl_min:g} minutes apart would each write it again. The repeated part "
        f"must be the prompt's prefix, marked with a cache checkpoint; cache prices are derived "
        f"from the input price (grade C)."
    )
    return Lever("prompt_caching", "brain", "Prompt caching", text, plan.saving, PROMPT_CACHING)


# -- batch inference -----------------------------------------------------------------


def _batch(
    p: WorkloadProfile, catalog: Catalog, model: str, brain: str, bill: Decimal | None, costs: dict[str, Any]
) -> Lever | None:
    """On-demand tokens for work nobody waits on: what batch inference would save."""
    batch = costs["brain"].get("bedrock_batch")
    if (
        p.trigger == "api"
        or bill is None
        or batch is None
        or batch.total is None
        or not catalog.has(f"bedrock.{model}.batch_discount")
    ):
        return None
    # A one-off profile always has its total (profile validation).
    per_run = cast(float, p.job_total_requests) if p.one_off else p.requests_per_day
    if per_run < _LIMITS["bedrock_batch_records_per_job_min"].value:
        return None
    saving = bill - batch.total
    if saving <= 0:
        return None
    discount = catalog.value(f"bedrock.{model}.batch_discount")
    hours = _LIMITS["bedrock_batch_window_s"].value / 3600
    text = (
        f"If results within {hours:,.0f} hours are acceptable, Bedrock batch inference takes "
        f"{discount:.0%} off {model}'s tokens: about ${saving:,.2f} a month less. Prompts go to S3 "
        f"as JSONL files and the results come back to S3, not to the caller."
    )
    return Lever("bedrock_batch", "brain", "Bedrock batch inference", text, saving, BATCH)


# -- cross-Region inference ----------------------------------------------------------


def _cross_region(p: WorkloadProfile, catalog: Catalog, model: str, bill: Decimal | None) -> Lever | None:
    # Only a catalog whose price is the geographic one carries the key (us-east-1's Claude 4.5
    # prices are already the global profile's; eu-central-1's are 10% above them).
    key = f"bedrock.{model}.global_discount"
    if p.data_residency or bill is None or not catalog.has(key):
        return None  # residency keeps requests in the Region: no cross-Region profile at all
    discount = catalog.value(key)
    saving = _money(bill * discount)
    text = (
        f"Calling {model} through its global cross-Region inference profile costs about "
        f"{discount:.0%} less than the geographic price this advice uses, billed in the calling Region: "
        f"about ${saving:,.2f} a month. Requests may then be served in any commercial AWS Region, so only "
        f"where data may leave {p.region}'s geography; the profile also has its own tokens-per-minute "
        f"quota."
    )
    return Lever(
        "cross_region_inference", "brain", "Global cross-Region inference", text, saving, GLOBAL_CRIS
    )


# -- Provisioned Throughput ------------------------------------------------------------


def _provisioned(p: WorkloadProfile, f: Facts, model: str, bill: Decimal | None) -> Lever | None:
    tokens = f.monthly_input_tokens + f.monthly_output_tokens
    high = load_matrix().constants["self_hosting_tokens_per_month"]
    if bill is None or p.pattern not in STEADY_PATTERNS or tokens < high:
        return None
    text = (
        f"With {tokens:,.0f} tokens a month of steady traffic (${bill:,.2f} on demand), Provisioned "
        f"Throughput may cost less: model units reserved by the hour for a 1- or 6-month term. AWS "
        f"publishes neither the price nor the throughput of a model unit for {model}: ask your AWS "
        f"account manager for a quote and compare it with the on-demand bill. Batch inference does not "
        f"run on provisioned models, and an account starts with no model units (request a quota)."
    )
    return Lever("provisioned_throughput", "brain", "Provisioned Throughput", text, None, PROVISIONED)


# -- quotas ------------------------------------------------------------------------------


def _quota(p: WorkloadProfile, f: Facts, model: str) -> Lever | None:
    """The on-demand tokens-per-minute quota at the peak: over it, near it, or not citable."""
    peak, quota = f.peak_tokens_per_minute, f.bedrock_tokens_per_minute_quota
    at_peak = (
        f"At the peak ({f.peak_rps:,.1f} requests a second) this workload sends about "
        f"{peak:,.0f} tokens a minute to {model}"
    )
    way_out = (
        "request a quota increase in Service Quotas (cross-Region inference, with its own and "
        "higher quota, is ruled out by data residency)"
        if p.data_residency
        else "request a quota increase in Service Quotas or use cross-Region inference, which has its "
        "own, higher quota"
    )
    if quota > 0:
        limit = _LIMITS.get(f"bedrock_tpm.{model}")
        share = load_matrix().constants["limit_warning_share"]
        if peak < quota * share:
            return None
        over = "over" if peak > quota else "close to"
        text = (
            f"{at_peak}, {over} the default on-demand quota of {quota:,.0f} tokens a minute: "
            f"{way_out}. Defaults vary by account; check the account's own quota."
        )
        source = LeverSource(limit.source, limit.source_title, limit.read_on) if limit else RUNTIME_QUOTAS
        return Lever("quota", "brain", "Bedrock token quota", text, None, source)
    if peak < UNKNOWN_QUOTA_CHECK_TOKENS_PER_MINUTE:
        return None
    text = (
        f"{at_peak}; AWS publishes no default tokens-per-minute quota for it that could be cited, "
        f"so the check could not be made: read the account's quota for this model in Service Quotas, "
        f"and if the peak is above it, {way_out}."
    )
    return Lever("quota", "brain", "Bedrock token quota", text, None, RUNTIME_QUOTAS)


def _money(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def _per_million(catalog: Catalog, key: str) -> str:
    """A token price per million as a reader wants it: $3.00, and finer than a cent as given ($0.00875)."""
    price = catalog.unit_price(key) * 1_000_000
    return f"${price:,.2f}" if price == price.quantize(CENT) else f"${price.normalize():f}"
