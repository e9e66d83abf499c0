"""The Nerves layer's front door: chosen per placement, priced, and checked against its limits."""

import pytest

from placement import advise, parse_profile
from placement.costs import front_door_cost
from placement.facts import derive_facts
from placement.front_door import door_for
from placement.pricing import load_catalog


def door(placement, **fields):
    p = parse_profile({"name": "x", "requests_per_day": 20_000, **fields})
    return door_for(placement, p, derive_facts(p))


@pytest.mark.parametrize(
    "trigger,expected", [("queue", "sqs"), ("event", "eventbridge"), ("schedule", "schedule")]
)
def test_asynchronous_work_arrives_through_a_queue_a_rule_or_a_schedule(trigger, expected):
    assert door("lambda", trigger=trigger).id == expected


def test_a_short_synchronous_call_to_a_function_goes_through_an_http_api():
    assert door("lambda", request_duration_s=2, max_duration_s=5).id == "api_gateway_http"


def test_a_call_longer_than_api_gateway_waits_is_answered_by_a_function_url():
    d = door("lambda", request_duration_s=25, max_duration_s=70)
    assert d.id == "function_url" and not d.breaks


def test_a_streamed_answer_comes_from_a_function_url():
    assert door("lambda", streaming=True, request_duration_s=5).id == "function_url"


def test_containers_sit_behind_a_load_balancer_whose_idle_timeout_is_raised_for_long_calls():
    d = door("fargate", request_duration_s=150, max_duration_s=200, streaming=True)
    assert d.id == "alb"
    assert any("idle timeout of 60 s" in w and "240 s" in w for w in d.warnings)
    assert not door("fargate", request_duration_s=2, max_duration_s=5).warnings


def test_no_load_balancer_holds_a_synchronous_call_of_two_hours():
    d = door("fargate", request_duration_s=3_000, max_duration_s=7_200)
    assert d.breaks and d.breaks[0][0] == "alb_idle_timeout_max_s"


def test_a_synchronous_express_workflow_past_thirty_seconds_relies_on_a_raised_rest_timeout():
    d = door("step_functions_express", request_duration_s=20, max_duration_s=60)
    assert d.id == "api_gateway_rest" and not d.breaks
    assert any("quota increase" in w for w in d.warnings)
    assert door("step_functions_express", request_duration_s=5, max_duration_s=20).id == "api_gateway_http"


def test_websocket_sessions_longer_than_two_hours_cannot_stay_on_api_gateway():
    d = door("lambda", websocket_session_minutes=180)
    assert d.id == "api_gateway_websocket"
    assert d.breaks and "2 hours" in d.breaks[0][1]
    assert door("fargate", websocket_session_minutes=180).id == "alb"


def test_a_placement_whose_door_breaks_a_limit_is_ruled_out_naming_it():
    advice = advise(
        parse_profile(
            {
                "name": "x",
                "requests_per_day": 5_000,
                "websocket_session_minutes": 180,
                "request_duration_s": 30,
                "wait_fraction": 0.9,
                "inference": "none",
            }
        )
    )
    excluded = dict(advice.layers["nerves"].excluded)
    assert excluded["lambda"].limit == "api_gateway_websocket_connection_s"
    assert "docs.aws.amazon.com" in excluded["lambda"].source
    assert advice.layers["nerves"].front_door.id == "alb"


def test_the_door_is_priced_as_part_of_the_orchestration():
    p = parse_profile({"name": "x", "requests_per_day": 100_000, "request_duration_s": 2})
    f, catalog = derive_facts(p), load_catalog()
    # An HTTP API at $1.00 per million requests: 3,041,667 requests a month.
    assert float(front_door_cost("lambda", p, f, catalog)) == pytest.approx(3.04, abs=0.01)
    # A load balancer is billed by the hour whatever the traffic: 730 h at $0.0225 at least.
    assert float(front_door_cost("fargate", p, f, catalog)) >= 16.42
    advice = advise(p)
    lines = [line.name for line in advice.costs["nerves"]["fargate"].lines]
    assert any(name.startswith("Application Load Balancer") for name in lines)
    assert advice.layers["nerves"].to_dict()["front_door"] in {
        "api_gateway_http",
        "alb",
        "function_url",
        "api_gateway_rest",
    }
