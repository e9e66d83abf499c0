"""The typed read model of a stored advice (advisor/advice_record.py): one parse per assessment,
a schema version written with every result, and results stored by the oldest code still read.

"The oldest code" is the first release (commit fae7e66): its ``Advice.to_dict()`` had no levers,
no pricing, no front doors or alternative warnings, no limit on a reason, a month without
``complete``, ``unpriced_layers``, ``headline``, ``common_assumptions``, commitment or job, lines
without their on-demand amount, and profiles without the fields added since.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from advisor.advice_record import SCHEMA_VERSION, SchemaVersionError, StoredAdvice, stamped
from advisor.models import Assessment
from advisor.presentation.advice import advice_context
from advisor.presentation.money import money_context
from advisor.reports.document import report_context
from advisor.workloads import services
from placement import advise, parse_profile

DEMO = json.loads(
    (Path(__file__).resolve().parents[2] / "advisor" / "demo" / "workloads.json").read_text(encoding="utf-8")
)
DEMO_PROFILES = [case["profile"] for case in DEMO["demo_team"]]
# Profile fields the first release did not know.
LATER_FIELDS = (
    "commitment",
    "data_residency",
    "hosted_input_usd_per_million_tokens",
    "hosted_output_usd_per_million_tokens",
    "job_deadline_days",
    "job_total_requests",
    "payload_kb",
    "repeated_prompt_share",
    "spot_allowed",
)


def engine_json(profile: dict) -> dict:
    """What the engine answers for a profile, as JSON carries it."""
    return json.loads(json.dumps(advise(parse_profile(profile)).to_dict()))


def as_the_first_release_stored_it(result: dict) -> dict:
    """A result with every key added since the first release taken out (see the module docstring)."""
    old = copy.deepcopy(result)
    for key in ("schema_version", "levers", "pricing"):
        old.pop(key, None)
    for name in LATER_FIELDS:
        old["profile"].pop(name, None)
    for layer in old["layers"].values():
        for key in ("alternative_warnings", "front_door", "front_door_detail"):
            layer.pop(key, None)
        for reason in layer["reasons"] + layer["excluded"]:
            reason.pop("limit", None)
    month = old["monthly_cost"]
    for key in (
        "complete",
        "unpriced_layers",
        "headline",
        "monthly_headline",
        "common_assumptions",
        "commitment",
        "job",
    ):
        month.pop(key, None)
    for line in month["lines"]:
        line.pop("on_demand", None)
    for by_placement in old["costs"].values():
        for cost in by_placement.values():
            cost.pop("on_demand_total", None)
            cost.pop("terms", None)
            for line in cost["lines"]:
                line.pop("on_demand", None)
    old["economics"].pop("not_applicable", None)
    return old


# -- reading ---------------------------------------------------------------------------------------


def test_a_result_without_a_schema_version_is_read_as_version_one():
    assert StoredAdvice.from_result(engine_json(DEMO_PROFILES[0])).schema_version == 1


def test_a_result_written_now_carries_the_current_schema_version():
    stored = StoredAdvice.from_result(stamped(engine_json(DEMO_PROFILES[0])))
    assert stored.schema_version == SCHEMA_VERSION == 2


def test_a_result_from_a_newer_release_is_refused_with_a_clear_error():
    newer = {**engine_json(DEMO_PROFILES[0]), "schema_version": SCHEMA_VERSION + 1}
    with pytest.raises(SchemaVersionError, match=f"schema_version {SCHEMA_VERSION + 1}.*newer release"):
        StoredAdvice.from_result(newer)


def test_a_current_result_missing_a_key_is_an_error_not_a_default():
    broken = stamped(engine_json(DEMO_PROFILES[0]))
    del broken["levers"]
    with pytest.raises(SchemaVersionError, match="lacks levers"):
        StoredAdvice.from_result(broken)


def test_the_oldest_result_reads_as_what_was_known_then():
    old = StoredAdvice.from_result(as_the_first_release_stored_it(engine_json(DEMO_PROFILES[0])))
    assert old.levers == () and old.pricing is None
    assert all(layer.front_door is None and layer.alternative_warnings == () for layer in old.layers.values())
    month = old.monthly_cost
    assert month.commitment is None and month.job is None
    assert month.complete and month.unpriced_layers == ()  # every chosen placement has a price
    assert all(line.on_demand is None for line in month.lines)


def test_the_oldest_result_gets_the_headline_in_the_engines_words_not_none():
    result = engine_json(DEMO_PROFILES[0])  # on demand, like every advice of the first release
    old = StoredAdvice.from_result(as_the_first_release_stored_it(result))
    assert old.monthly_cost.headline == result["monthly_cost"]["headline"]
    assert old.monthly_cost.monthly_headline == result["monthly_cost"]["headline"]


def test_an_unpriced_layer_of_the_oldest_result_is_found_from_its_stored_costs():
    result = as_the_first_release_stored_it(engine_json(DEMO_PROFILES[0]))
    brain = result["layers"]["brain"]["placement"]
    result["costs"]["brain"][brain]["total"] = None  # the first release left the total out then
    month = result["monthly_cost"]
    month["total"] = None
    month["lines"] = [line for line in month["lines"] if line["layer"] != "brain"]
    month = StoredAdvice.from_result(result).monthly_cost
    assert month.unpriced_layers == ("brain",) and not month.complete
    assert month.layer_total("brain") is None
    assert month.headline.startswith("INCOMPLETE: $") and "without Brain" in month.headline


def test_the_read_model_shows_what_the_stored_json_says():
    result = engine_json(DEMO_PROFILES[0])
    stored = StoredAdvice.from_result(result)
    assert list(stored.layers) == ["brain", "memory", "nerves"]
    for name, layer in stored.layers.items():
        assert layer.placement == result["layers"][name]["placement"]
        assert [r.to_dict() for r in layer.reasons] == result["layers"][name]["reasons"]
        assert [e.to_dict() for e in layer.excluded] == result["layers"][name]["excluded"]
    assert stored.monthly_cost.total == result["monthly_cost"]["total"]
    assert stored.monthly_cost.line_dicts() == result["monthly_cost"]["lines"]
    assert [lever.to_dict() for lever in stored.levers] == result["levers"]
    assert [t.to_dict() for t in stored.trace] == result["trace"]


# -- writing and the API ---------------------------------------------------------------------------

pytest_db = pytest.mark.django_db


@pytest_db
def test_every_assessment_is_stored_with_the_current_schema_version(workload):
    assessment = workload.assessments.get()
    assert assessment.result["schema_version"] == SCHEMA_VERSION
    assert assessment.advice is assessment.advice  # read once per instance


@pytest_db
def test_an_assessment_reloaded_from_the_database_reads_its_result_again(workload):
    assessment = workload.assessments.get()
    assert assessment.advice.schema_version == SCHEMA_VERSION
    Assessment.objects.filter(pk=assessment.pk).update(
        result=as_the_first_release_stored_it(assessment.result)
    )
    assessment.refresh_from_db()
    assert assessment.advice.schema_version == 1


@pytest_db
def test_the_api_answers_the_engines_json_unchanged_for_every_demo_workload(api, owner, team):
    for profile in DEMO_PROFILES:
        workload = services.workload_create(user=owner, team=team, profile_data=profile)
        assessment = workload.assessments.get()
        url = reverse("api-assessment-detail", args=[workload.pk, assessment.pk])
        body = api(owner).get(url).json()
        assert body["result"] == engine_json(profile), profile["name"]
        summary = (
            api(owner).get(reverse("api-workload-detail", args=[workload.pk])).json()["latest_assessment"]
        )
        assert summary["monthly_cost"] == body["result"]["monthly_cost"]["total"]
        assert summary["monthly_cost_complete"] == body["result"]["monthly_cost"]["complete"]
        assert summary["placements"] == {
            layer: body["result"]["layers"][layer]["placement"] for layer in ("brain", "memory", "nerves")
        }


# -- old assessments still render ------------------------------------------------------------------


@pytest_db
def test_an_assessment_stored_by_the_first_release_still_renders_everywhere(owner_client, api, owner, team):
    workload = services.workload_create(user=owner, team=team, profile_data=DEMO_PROFILES[0])
    other = services.workload_create(user=owner, team=team, profile_data=DEMO_PROFILES[1])
    assessment = workload.assessments.get()
    old = as_the_first_release_stored_it(assessment.result)
    Assessment.objects.filter(pk=assessment.pk).update(result=old, profile=old["profile"])
    assessment = Assessment.objects.get(pk=assessment.pk)
    assert assessment.advice.schema_version == 1

    pages = [
        reverse("workload-detail", args=[workload.pk]),
        reverse("assessment-detail", args=[workload.pk, assessment.pk]),
        reverse("compare") + f"?a={workload.pk}&b={other.pk}",
        reverse("team-portfolio", args=[team.pk]),
    ]
    for url in pages:
        response = owner_client.get(url)
        assert response.status_code == 200, url
        assert old["layers"]["nerves"]["label"] in response.content.decode(), url
    dashboard = owner_client.get(pages[0]).content.decode()
    assert "Cost levers" not in dashboard
    assert (
        f'<p class="cost-headline">{engine_json(DEMO_PROFILES[0])["monthly_cost"]["headline"]}</p>'
        in dashboard
    )

    report = render_to_string(
        "reports/report.html", report_context(assessment=assessment, simulation=None, charts=[], svgs={})
    )
    assert money_context(assessment.advice)["summary"]["recommended"] in report
    assert all(layer["label"] in report for layer in advice_context(assessment.advice)["layers"])

    body = api(owner).get(reverse("api-assessment-detail", args=[workload.pk, assessment.pk])).json()
    assert body["result"] == old  # as it was stored, nothing added
