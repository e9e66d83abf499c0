"""One-off jobs: a total volume and a deadline, priced as a total rather than a month.

A profile with ``job_total_requests`` and ``job_deadline_days`` describes a job (a
backfill, a migration, a one-time enrichment) rather than a continuing workload. Its
``requests_per_day`` is the total over the deadline (placement/profile.py), so every
monthly cost in placement/costs.py already describes a month *of this job*, running at
the rate that just meets the deadline. The job's total is that month scaled to the
job's days:

    total = monthly cost x deadline_days / DAYS_PER_MONTH      (DAYS_PER_MONTH = 730 h / 24)

Why this is exact, line type by line type (tests/placement/test_one_off_jobs.py checks
the first two against the rates):

* **Pay per use** (requests, GB-seconds, tokens, transitions, writes): the month bills
  ``requests_per_day x DAYS_PER_MONTH`` items at a rate per item, so scaling by
  ``days / DAYS_PER_MONTH`` bills ``requests_per_day x days`` = the job's items. The total
  is the per-item cost times the items.
* **Always on** (fleets, servers, endpoints, minimum OCUs, provisioned concurrency, an EKS
  control plane): the month bills ``units x 730 h`` (or ``units x active hours a day x
  DAYS_PER_MONTH``), so scaling bills ``units x 24 h x days``: the capacity for the job's
  days, not for a month.
* **Storage** (GB-months) held while the job runs scales the same way.
* A deadline longer than a month is the same arithmetic: 91.25 days is three monthly
  bills. One exception is approximate: a rate with volume tiers (Lambda duration past
  6 billion GB-seconds a month, Express duration past 1,000 GB-hours) is applied to a
  month at the job's daily rate, as AWS bills it per calendar month; a job shorter than a
  month reaches a cheaper tier later than that, so its true total can be a little higher.

The job runs for its whole deadline at the derived rate. Finishing sooner with more
capacity leaves pay-per-use lines unchanged and buys a larger fleet for fewer days, so
the deadline is the honest basis for both kinds.

Pure domain code: no Django, nothing from costs.py (which imports this module).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from placement.facts import DAYS_PER_MONTH
from placement.profile import WorkloadProfile

CENT = Decimal("0.01")

# -- AWS Batch and Distributed Map, for the cost builders in costs.py ------------------------
# AWS Batch adds no charge of its own: you pay for the EC2 or Fargate capacity it starts
# (Vantage, "AWS Batch Pricing", https://handbook.vantage.sh/aws/services/batch-pricing/, B).
# Start-up, from the same page: a Fargate task starts in 30-90 s; an EC2 compute environment
# launches instances in 5-15 minutes. The middle of each range is taken (assumption).
BATCH_FARGATE_STARTUP_S = 60.0
BATCH_EC2_STARTUP_S = 600.0
# Assumption: items are grouped into array child jobs of about an hour of work each, so one
# task start-up is spread over an hour (an item longer than that is its own child job).
BATCH_CHILD_JOB_WORK_S = 3_600.0
# A Distributed Map bills one Standard state transition per child workflow execution it
# starts ("Transitions in Step Functions workflows", AWS, A); the parent's own handful of
# states per run is left out. One item per child (assumption): an ItemBatcher that gives
# each child several items cuts the transitions, which are a small share of the total anyway.
DISTRIBUTED_MAP_ITEMS_PER_CHILD = 1


@dataclass(frozen=True)
class JobTerms:
    """What makes a profile a one-off job: its items and its deadline."""

    items: float
    deadline_days: float

    @property
    def months(self) -> float:
        """The job's length in 730-hour months (10 days = 0.33)."""
        return self.deadline_days / DAYS_PER_MONTH

    def total(self, monthly: Decimal) -> Decimal:
        """The job's total from the monthly cost at its daily rate (the module docstring says why
        this is exact for pay-per-use and always-on lines alike), to the cent."""
        return (monthly * Decimal(repr(self.deadline_days)) / Decimal(repr(DAYS_PER_MONTH))).quantize(
            CENT, rounding=ROUND_HALF_UP
        )


def job_terms(p: WorkloadProfile) -> JobTerms | None:
    """The job's terms, or None for a continuing workload (priced by the month)."""
    if not p.one_off:
        return None
    # A one-off profile always has both (profile validation).
    return JobTerms(
        items=float(cast(float, p.job_total_requests)), deadline_days=float(cast(float, p.job_deadline_days))
    )


@dataclass(frozen=True)
class JobSummary:
    """``monthly_cost["job"]`` of the output contract."""

    items: float
    deadline_days: float
    total: Decimal
    monthly_equivalent: Decimal
    headline: str
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": self.items,
            "deadline_days": self.deadline_days,
            "total": float(self.total),
            "monthly_equivalent": float(self.monthly_equivalent),
            "headline": self.headline,
            "notes": list(self.notes),
        }


def job_summary(p: WorkloadProfile, monthly: Decimal, unpriced_names: list[str]) -> JobSummary | None:
    """The one-off job priced as a total, or None for a continuing workload.

    ``monthly`` is the split's month at the job's daily rate (under the profile's chosen
    terms); ``unpriced_names`` names the layers left out of it, as the headline does.
    """
    terms = job_terms(p)
    if terms is None:
        return None
    total = terms.total(monthly)
    return JobSummary(
        items=terms.items,
        deadline_days=terms.deadline_days,
        total=total,
        monthly_equivalent=monthly,
        headline=job_headline(total, terms, unpriced_names),
        notes=tuple(_notes(p, terms, monthly)),
    )


def job_headline(total: Decimal, terms: JobTerms, unpriced_names: list[str]) -> str:
    """'One-off job: $40,120.00 in total over 10 days', or loudly incomplete."""
    days = days_text(terms.deadline_days)
    if not unpriced_names:
        return f"One-off job: ${total:,.2f} in total over {days}"
    names = " and ".join(unpriced_names)
    verb = "is" if len(unpriced_names) == 1 else "are"
    return (
        f"INCOMPLETE: one-off job: ${total:,.2f} in total over {days} without {names}, which "
        f"{verb} not priced; the real total is higher"
    )


def days_text(days: float) -> str:
    """'10 days', '1 day', '2.5 days', '1,000 days'."""
    shown = f"{days:,.0f}" if days == int(days) else f"{days:,.2f}".rstrip("0").rstrip(".")
    return f"{shown} day" if days == 1 else f"{shown} days"


def _notes(p: WorkloadProfile, terms: JobTerms, monthly: Decimal) -> list[str]:
    days = days_text(terms.deadline_days)
    notes = [
        f"Priced as a total: {terms.items:,.0f} items in {days}, {p.requests_per_day:,.0f} a day. "
        f"Pay-per-use lines count the job's items; always-on capacity (fleets, servers, minimum "
        f"capacity) is charged for the job's {days} only, {terms.months:.2f} of a 730-hour month "
        f"(${monthly:,.2f} a month while it runs).",
        "Finishing sooner would cost about the same: pay-per-use lines do not change, and a fleet "
        "would be larger for fewer days.",
    ]
    if terms.deadline_days > DAYS_PER_MONTH:
        notes.append(
            f"The job spans {terms.months:.1f} months: no billing month sees more than ${monthly:,.2f}."
        )
    if getattr(p, "commitment", "none") != "none":
        term = "1-year" if p.commitment == "1y" else "3-year"
        notes.append(
            f"A {term} commitment outlives a job of {days}: its hourly commitment is owed for "
            f"the whole term after the job ends, so on demand or Spot usually suits a job better."
        )
    return notes


def monthly_horizon_reasons(p: WorkloadProfile, monthly: Decimal) -> dict[str, str]:
    """Why each calculator over months says nothing for a one-off job (empty for a continuing one).

    ``monthly`` is the split's month at the job's daily rate, as ``job_summary`` takes it."""
    terms = job_terms(p)
    if terms is None:
        return {}
    days = days_text(terms.deadline_days)
    total = terms.total(monthly)
    return {
        "break_even": f"A one-off job has no monthly volume to break even on: it processes "
        f"{terms.items:,.0f} items once. Compare the placements' totals for the job instead.",
        "payback": f"A one-off job ends after {days}: no monthly saving continues to pay back refactoring.",
        "repatriation": f"Owning hardware does not pay back on a job of {days}: the servers outlive it.",
        "tco": f"A one-off job costs its total, ${total:,.2f}, once; a {p.horizon_months}-month "
        f"total of ownership would bill it every month.",
    }


def without_monthly_horizon(money: dict[str, Any], reasons: dict[str, str]) -> dict[str, Any]:
    """``Economics.to_dict()`` for a one-off job: each calculator over months is null, with the
    reason beside it under ``not_applicable``. A continuing workload's dict is returned as is."""
    if not reasons:
        return money
    return {**money, **{name: None for name in reasons}, "not_applicable": reasons}
