"""One-off jobs (issue 15): a total volume and a deadline, priced as a total and placed on
AWS Batch or a Step Functions Distributed Map where an architect would put them."""

import json
import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placement import advise, parse_profile
from placement.costs import cost_of
from placement.facts import DAYS_PER_MONTH, derive_facts
from placement.jobs import JobTerms, days_text, job_terms
from placement.presets import PRESETS
from placement.pricing import load_catalog
from placement.profile import PATTERNS, TRIGGERS
from placement.sizing import lambda_config

ONE_OFF_PLACEMENTS = {"aws_batch", "step_functions_distributed_map"}
CATALOG = load_catalog()
# The case: a backfill of 2 million documents within 10 days, each a 20-second,
# mostly waiting, three-step summarisation by a hosted model.
BACKFILL = {
    "name": "Backfill",
    "job_total_requests": 2_000_000,
    "job_deadline_days": 10,
    "trigger": "queue",
    "request_duration_s": 20,
    "max_duration_s": 60,
    "wait_fraction": 0.8,
    "orchestration_steps": 3,
    "memory_mb": 1024,
    "inference": "hosted_api",
    "hosted_model": "claude-haiku-4.5",
    "input_tokens": 3000,
    "output_tokens": 500,
}
# The same backfill with hour-long CPU-heavy items (a transcode, a re-index of a large file).
LONG_ITEMS = {**BACKFILL, "request_duration_s": 1_800, "max_duration_s": 3_600, "wait_fraction": 0.3}


def _advice(**fields):
    return advise(parse_profile({**BACKFILL, **fields})).to_dict()


def _priced(layer, placement, profile):
    p = parse_profile(profile)
    return cost_of(layer, placement, p, derive_facts(p), CATALOG)


# ---- priced as a total ---------------------------------------------------------------------


def test_the_backfill_is_priced_as_a_total_over_its_ten_days_not_as_a_month():
    money = _advice()["monthly_cost"]
    job = money["job"]
    # 10 days are 10 / 30.42 of a 730-hour month
    expected = round(money["total"] * 10 / (730 / 24), 2)
    assert job["total"] == pytest.approx(expected, abs=0.01)
    assert job["total"] < money["total"]
    assert job["monthly_equivalent"] == money["total"]
    assert (job["items"], job["deadline_days"]) == (2_000_000, 10)
    assert job["headline"] == f"One-off job: ${job['total']:,.2f} in total over 10 days"


def test_with_pay_per_use_lines_the_total_is_the_cost_per_item_times_the_items():
    terms = job_terms(parse_profile(BACKFILL))
    # Bedrock: each document is 3,000 input and 500 output tokens at the model's rates.
    per_item = 3_000 * CATALOG.unit_price("bedrock.claude-haiku-4.5.input") + 500 * CATALOG.unit_price(
        "bedrock.claude-haiku-4.5.output"
    )
    assert terms.total(_priced("brain", "bedrock", BACKFILL).total) == pytest.approx(
        per_item * 2_000_000, abs=Decimal("0.01")
    )
    # Lambda: one request and the billed GB-seconds per document, whatever the deadline.
    p = parse_profile(BACKFILL)
    config = lambda_config(p, 20 * 0.2, 20 * 0.8)
    gb_s_rate = CATALOG.tiers("lambda.duration.arm64")[0][
        1
    ]  # 2 million x 20 s x 1 GB stays in the first tier
    billed_s = Decimal(math.ceil(config.duration_s * 1000)) / 1000  # Lambda bills whole milliseconds
    per_item = CATALOG.unit_price("lambda.requests") + billed_s * Decimal(config.memory_mb) / 1024 * gb_s_rate
    lambda_lines = [
        line for line in _priced("nerves", "lambda", BACKFILL).lines if line.name.startswith("Lambda")
    ]
    monthly = sum((line.amount for line in lambda_lines), Decimal(0))
    assert terms.total(monthly) == pytest.approx(per_item * 2_000_000, abs=Decimal("0.02"))


def test_an_always_on_fleet_is_charged_for_the_jobs_ten_days_not_a_month():
    # 4 GB of hot context (5 GB with headroom) fits one memory instance, priced on all month.
    profile = {**BACKFILL, "hot_context_gb": 4}
    (line,) = _priced("memory", "ecs_ec2", profile).lines
    instance = line.name.split(": ")[1].split(" ")[0]  # "EC2: r7g.large (on demand)"
    hourly = CATALOG.unit_price(f"ec2.{instance}")
    assert line.amount == (730 * hourly).quantize(Decimal("0.01"))
    total = job_terms(parse_profile(profile)).total(line.amount)
    # the one instance for 10 days of 24 hours: 240 instance-hours, not 730
    assert total == pytest.approx(240 * hourly, abs=Decimal("0.01"))


def test_a_deadline_longer_than_a_month_is_that_many_monthly_bills():
    three_months = 3 * DAYS_PER_MONTH  # 91.25 days
    money = _advice(job_deadline_days=three_months)["monthly_cost"]
    assert money["job"]["total"] == pytest.approx(3 * money["total"], abs=0.02)
    assert any("3.0 months" in note for note in money["job"]["notes"])


def test_a_longer_deadline_never_makes_the_same_job_cheaper_per_day_of_fleet():
    # Half the daily rate over twice the days: pay-per-use lines cost the same in total.
    short, long = (job_terms(parse_profile({**BACKFILL, "job_deadline_days": d})) for d in (10, 20))
    short_bedrock = short.total(_priced("brain", "bedrock", {**BACKFILL, "job_deadline_days": 10}).total)
    long_bedrock = long.total(_priced("brain", "bedrock", {**BACKFILL, "job_deadline_days": 20}).total)
    assert short_bedrock == pytest.approx(long_bedrock, abs=Decimal("0.02"))


def test_the_headline_says_total_and_days_and_loudly_when_a_layer_is_unpriced():
    terms = JobTerms(items=500, deadline_days=1)
    from placement.jobs import job_headline

    assert job_headline(Decimal("1234.5"), terms, []) == "One-off job: $1,234.50 in total over 1 day"
    incomplete = job_headline(Decimal("10"), JobTerms(500, 2.5), ["Brain (inference)"])
    assert incomplete.startswith("INCOMPLETE") and "2.5 days" in incomplete and "Brain" in incomplete
    assert days_text(1_000) == "1,000 days"


def test_a_jobs_headline_is_its_total_with_the_month_while_it_runs_kept_beside_it():
    money = _advice()["monthly_cost"]
    assert money["headline"] == money["job"]["headline"]
    assert money["headline"].startswith("One-off job: $") and money["headline"].endswith("over 10 days")
    assert money["monthly_headline"] == f"${money['total']:,.2f} a month"


def test_a_jobs_tco_reason_quotes_the_jobs_total_not_its_monthly_rate():
    advice = _advice()
    total = advice["monthly_cost"]["job"]["total"]
    assert f"${total:,.2f}, once" in advice["economics"]["not_applicable"]["tco"]


def test_a_continuing_workload_has_no_job_total():
    money = advise(parse_profile({"name": "steady", "requests_per_day": 1000})).to_dict()["monthly_cost"]
    assert money["job"] is None


# ---- calculators over months ---------------------------------------------------------------


def test_the_calculators_over_months_say_they_do_not_apply_to_a_one_off_job():
    economics = _advice(current_monthly_cost=20_000, refactor_hours=100)["economics"]
    for name in ("break_even", "payback", "repatriation", "tco"):
        assert economics[name] is None, name
        assert (
            "one-off job" in economics["not_applicable"][name].lower()
            or "job of" in economics["not_applicable"][name]
        )
    continuing = advise(parse_profile({"name": "steady", "requests_per_day": 1000})).to_dict()["economics"]
    assert continuing["break_even"] is not None and "not_applicable" not in continuing


# ---- placement -------------------------------------------------------------------------------


def test_a_backfill_of_short_items_fans_out_in_a_distributed_map():
    # An architect runs 2 million 20-second items from S3 through a Distributed Map: each item
    # fits a function, the map runs thousands at once with retries, a failure threshold and a
    # redrive, and nothing stays running after the job (rule J04).
    nerves = _advice()["layers"]["nerves"]
    assert nerves["placement"] == "step_functions_distributed_map", nerves["ranking"]
    assert any(reason["rule"] == "J04" for reason in nerves["reasons"])


def test_a_backfill_of_hour_long_items_runs_on_aws_batch():
    # Hour-long items cannot run in a 15-minute function: an architect queues them as AWS Batch
    # container jobs, which add no fee and leave no fleet idling after the job (rule J05).
    nerves = advise(parse_profile(LONG_ITEMS)).to_dict()["layers"]["nerves"]
    assert nerves["placement"] == "aws_batch", nerves["ranking"]
    assert any(reason["rule"] == "J05" for reason in nerves["reasons"])


def test_batch_costs_only_the_busy_fargate_capacity_it_starts():
    batch, fleet = (_priced("nerves", p, LONG_ITEMS) for p in ("aws_batch", "fargate"))
    assert [line.name for line in batch.lines][0].startswith("Batch on Fargate")
    assert not any("Batch fee" in line.name for line in batch.lines)
    # no idle minimum, no headroom for a peak: less than an always-on fleet for the same work
    assert batch.total < fleet.total


def test_a_distributed_map_bills_one_transition_per_item():
    cost = _priced("nerves", "step_functions_distributed_map", BACKFILL)
    transitions = next(line for line in cost.lines if line.name.startswith("Distributed Map"))
    per_month = 2_000_000 / 10 * DAYS_PER_MONTH
    expected = Decimal(repr(per_month)) * CATALOG.unit_price("step_functions.transitions")
    assert transitions.amount == pytest.approx(expected, abs=Decimal("0.01"))
    assert any(line.name.startswith("Express children") for line in cost.lines)


def test_a_synchronous_one_off_job_is_told_to_use_an_asynchronous_trigger():
    nerves = _advice(trigger="api")["layers"]["nerves"]
    assert nerves["placement"] not in ONE_OFF_PLACEMENTS
    assert "asynchronous" not in nerves["placement"]
    assert any("one-off job" in warning for warning in nerves["warnings"])


def test_the_backfill_preset_is_a_one_off_job_placed_in_a_distributed_map():
    advice = advise(parse_profile(PRESETS["one_off_backfill"].profile)).to_dict()
    assert advice["layers"]["nerves"]["placement"] == "step_functions_distributed_map"
    assert advice["monthly_cost"]["job"]["headline"].startswith("One-off job: $")


# ---- continuing workloads are never placed there -------------------------------------------

SCENARIOS = sorted(Path(__file__).with_name("scenarios").glob("*.json"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_no_continuing_scenario_is_placed_on_batch_or_a_distributed_map(path):
    advice = advise(parse_profile(json.loads(path.read_text())["profile"])).to_dict()
    assert advice["layers"]["nerves"]["placement"] not in ONE_OFF_PLACEMENTS


@settings(max_examples=40, deadline=None)
@given(
    requests_per_day=st.floats(1, 5e6),
    trigger=st.sampled_from(TRIGGERS),
    pattern=st.sampled_from(PATTERNS),
    duration=st.floats(0.5, 3_000),
    wait=st.floats(0, 1),
    steps=st.integers(0, 12),
)
def test_a_continuing_stream_is_never_placed_on_batch_or_a_distributed_map(
    requests_per_day, trigger, pattern, duration, wait, steps
):
    if pattern == "batch" and trigger == "schedule":
        return  # a scheduled batch window is a batch fan-out: both are candidates there
    advice = advise(
        parse_profile(
            {
                "name": "stream",
                "requests_per_day": requests_per_day,
                "trigger": trigger,
                "pattern": pattern,
                "request_duration_s": duration,
                "wait_fraction": wait,
                "orchestration_steps": steps,
            }
        )
    )
    assert advice.layers["nerves"].placement not in ONE_OFF_PLACEMENTS


def test_a_one_off_job_gets_no_repatriation_signal_however_busy_its_fleet():
    # Hour-long items keep a fleet 65% busy, but only for 10 days: owning servers is no answer.
    advice = advise(parse_profile(LONG_ITEMS)).to_dict()
    assert not any("repatriation" in w.lower() for w in json.dumps(advice["warnings"]).split('", "'))


def test_a_continuing_stream_hears_nothing_about_batch_or_a_distributed_map():
    # Both are ruled out for it, so warnings about them would only be noise.
    advice = advise(
        parse_profile(
            {"name": "events", "requests_per_day": 2_000_000, "trigger": "event", "request_duration_s": 10}
        )
    ).to_dict()
    nerves = advice["layers"]["nerves"]
    said = json.dumps(nerves["warnings"] + nerves["alternative_warnings"])
    assert "AWS Batch starts" not in said and "Distributed Map" not in said
