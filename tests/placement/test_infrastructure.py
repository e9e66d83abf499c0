"""The recommended split exported as an AWS SAM template (placement/infrastructure).

Every template passes cfn-lint with the awslabs serverless rules (``cfn-lint -a
cfn_lint_serverless.rules``) with no match at all: no error and no warning is accepted, since
the exporter satisfies every rule that fires on these templates (tracing, log retention,
dead-letter queues, API logging and throttling). Informational rules are off, as in cfn-lint's
default. Each template is linted once (module-scoped fixtures), in the profile's own region.
"""

from __future__ import annotations

import copy
import json
import math
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from cfnlint.api import ManualArgs, lint  # type: ignore[import-untyped]  # cfn-lint ships no py.typed

from placement import advise, parse_profile
from placement.infrastructure import sam_template, sam_yaml
from placement.limits import limit_values
from placement.sizing import LIMIT_WARNING_SHARE

SCENARIOS = sorted(Path(__file__).with_name("scenarios").glob("*.json"))
LIMITS = limit_values()


@cache
def advice_of(name: str) -> dict[str, Any]:
    case = json.loads(Path(__file__).with_name("scenarios").joinpath(f"{name}.json").read_text())
    return advise(parse_profile(case["profile"]), wait_sweep=False).to_dict()


def variant(name: str, **placements: str) -> dict[str, Any]:
    """A scenario's advice with some placements (or the front door) replaced."""
    advice = copy.deepcopy(advice_of(name))
    for layer, placement in placements.items():
        if layer == "door":
            advice["layers"]["nerves"]["front_door"] = placement
        else:
            advice["layers"][layer]["placement"] = placement
    return advice


def lint_matches(advice: dict[str, Any]) -> list[str]:
    config = ManualArgs(append_rules=["cfn_lint_serverless.rules"], regions=[advice["profile"]["region"]])
    return [
        f"{m.rule.id} {m.message} at {'/'.join(map(str, m.path))}"
        for m in lint(sam_yaml(advice), config=config)
    ]


def resources(template: dict[str, Any], kind: str) -> dict[str, Any]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


@pytest.fixture(scope="module", params=[p.stem for p in SCENARIOS])
def scenario(request: pytest.FixtureRequest) -> str:
    return str(request.param)


# -- cfn-lint, with the serverless rules ------------------------------------------------------------


def test_the_shared_scenarios_are_all_exported() -> None:
    assert {"agent-fleet", "contract-analysis", "gpu-agent", "internal-slm", "support-bot"} <= {
        p.stem for p in SCENARIOS
    }


def test_the_exported_template_passes_cfn_lint_with_the_serverless_rules(scenario: str) -> None:
    assert lint_matches(advice_of(scenario)) == []


# Placements and doors no scenario recommends, on a scenario whose profile fits them.
VARIANTS = [
    ("three-day-approval", {"nerves": "step_functions"}),
    ("support-bot", {"nerves": "eks"}),
    ("support-bot", {"nerves": "ec2"}),
    ("internal-slm", {"brain": "sagemaker_serverless"}),
    ("gpu-agent", {"brain": "ec2_gpu"}),
    ("model-too-large-for-one-instance", {"brain": "sagemaker_realtime"}),
    ("support-bot", {"brain": "bedrock_batch"}),
    ("rag-chatbot", {"memory": "opensearch_serverless"}),
    ("rag-chatbot", {"memory": "aurora_pgvector"}),
    ("rag-chatbot", {"memory": "s3_vectors"}),
    ("rag-chatbot", {"memory": "fargate"}),
    ("long-context-cache", {"memory": "elasticache"}),
    ("contract-analysis", {"door": "schedule"}),
    ("three-day-approval", {"nerves": "step_functions", "door": "sqs"}),
    ("agent-fleet", {"door": "api_gateway_http"}),
    ("search-reranker", {"door": "api_gateway_rest"}),
    ("search-reranker", {"door": "api_gateway_websocket"}),
]


@pytest.mark.parametrize(
    ("name", "placements"),
    VARIANTS,
    ids=[f"{n}:{','.join(f'{k}={v}' for k, v in p.items())}" for n, p in VARIANTS],
)
def test_a_placement_no_scenario_recommends_also_exports_a_template_that_passes_cfn_lint(
    name: str, placements: dict[str, str]
) -> None:
    assert lint_matches(variant(name, **placements)) == []


# -- the sizes the report prices ---------------------------------------------------------------


def test_it_gives_the_function_the_memory_and_timeout_the_advice_sizes() -> None:
    advice = advice_of("support-bot")
    function = sam_template(advice)["Resources"]["Orchestrator"]["Properties"]
    assert function["MemorySize"] == advice["facts"]["lambda_memory_mb"]
    # The worst case at the warning share of the timeout: room for a slower request than planned.
    assert function["Timeout"] == math.ceil(advice["facts"]["lambda_worst_case_s"] / LIMIT_WARNING_SHARE)
    assert function["Architectures"] == ["arm64"]


def test_the_duration_alarm_stays_quiet_at_the_worst_case_the_profile_plans(scenario: str) -> None:
    advice = advice_of(scenario)
    template = sam_template(advice)
    for name, function in resources(template, "AWS::Serverless::Function").items():
        alarm = template["Resources"].get(f"{name}DurationNearTimeout")
        if alarm is None or function["Properties"]["Timeout"] == LIMITS["lambda_timeout_s"]:
            continue  # at the limit the advice itself warns that the tail is too long
        if name == "Orchestrator":
            assert alarm["Properties"]["Threshold"] >= advice["facts"]["lambda_worst_case_s"] * 1000
        assert alarm["Properties"]["Threshold"] < function["Properties"]["Timeout"] * 1000


def test_a_worst_case_close_to_lambdas_limit_gets_the_maximum_timeout_as_the_advice_says() -> None:
    advice = advice_of("limit-lambda-near-timeout")
    assert any("set the timeout to the maximum" in w for w in advice["warnings"])
    function = sam_template(advice)["Resources"]["Orchestrator"]["Properties"]
    assert function["Timeout"] == LIMITS["lambda_timeout_s"]


def test_a_function_gets_no_reserved_concurrency_the_advice_does_not_ask_for(scenario: str) -> None:
    for function in resources(sam_template(advice_of(scenario)), "AWS::Serverless::Function").values():
        assert "ReservedConcurrentExecutions" not in function["Properties"]


def test_the_queue_visibility_timeout_covers_the_function_timeout() -> None:
    checked = 0
    for path in SCENARIOS:
        template = sam_template(advice_of(path.stem))
        queue = template["Resources"].get("WorkQueue")
        function = template["Resources"].get("Orchestrator")
        if queue is None or function is None:
            continue
        visibility, timeout = queue["Properties"]["VisibilityTimeout"], function["Properties"]["Timeout"]
        # AWS: at least six times the function's timeout, within SQS's 12-hour maximum.
        assert visibility == min(6 * timeout, LIMITS["sqs_visibility_timeout_max_s"]), path.stem
        assert visibility >= timeout
        checked += 1
    assert checked >= 3


def test_a_step_functions_split_gets_one_state_per_orchestration_step() -> None:
    advice = advice_of("agent-fleet")
    machine = sam_template(advice)["Resources"]["Workflow"]["Properties"]
    states = machine["Definition"]["States"]
    assert machine["Type"] == "EXPRESS"
    assert len(states) == advice["profile"]["orchestration_steps"]
    assert all(
        state["Type"] == "Task" and state["Retry"] and state["TimeoutSeconds"] for state in states.values()
    )


def test_a_standard_workflow_waits_for_a_person_with_a_task_token_as_long_as_the_profile_says() -> None:
    advice = variant("three-day-approval", nerves="step_functions")
    machine = sam_template(advice)["Resources"]["Workflow"]["Properties"]
    waiting = machine["Definition"]["States"]["WaitForPerson"]
    assert machine["Type"] == "STANDARD"
    assert waiting["Resource"].endswith(".waitForTaskToken")
    assert waiting["TimeoutSeconds"] == advice["profile"]["human_wait_hours"] * 3600


def test_a_durable_function_runs_through_the_human_wait() -> None:
    advice = advice_of("three-day-approval")
    function = sam_template(advice)["Resources"]["Orchestrator"]["Properties"]
    expected = advice["profile"]["max_duration_s"] + advice["profile"]["human_wait_hours"] * 3600
    assert function["DurableConfig"]["ExecutionTimeout"] == math.ceil(expected)


def test_fargate_task_size_matches_the_advice() -> None:
    advice = advice_of("contract-analysis")
    task = sam_template(advice)["Resources"]["ServiceTask"]["Properties"]
    vcpu, memory_gb = int(task["Cpu"]) / 1024, int(task["Memory"]) / 1024
    assumptions = " ".join(advice["costs"]["nerves"]["fargate"]["assumptions"])
    assert f"tasks of {vcpu:g} vCPU / {memory_gb:g} GB" in assumptions
    assert task["RequiresCompatibilities"] == ["FARGATE"]


def test_the_service_scales_from_the_always_on_minimum_to_the_tasks_the_peak_needs() -> None:
    advice = advice_of("contract-analysis")
    target = sam_template(advice)["Resources"]["ServiceScalingTarget"]["Properties"]
    assumptions = " ".join(advice["costs"]["nerves"]["fargate"]["assumptions"])
    assert f"{target['MinCapacity']} always on" in assumptions
    assert f"{target['MaxCapacity']} at the peak" in assumptions


def test_the_sagemaker_endpoint_gets_the_instances_the_report_prices() -> None:
    advice = advice_of("fine-tuned-70b-priced")
    config = sam_template(advice)["Resources"]["ModelEndpointConfig"]["Properties"]
    variant_ = config["ProductionVariants"][0]
    assumptions = " ".join(advice["costs"]["brain"]["sagemaker_realtime"]["assumptions"])
    assert f"{variant_['InitialInstanceCount']} x {variant_['InstanceType']}" in assumptions


# -- the front door and its timeouts -----------------------------------------------------------


def test_the_load_balancer_idle_timeout_is_the_one_the_advice_asks_for() -> None:
    advice = advice_of("limit-alb-idle-timeout")
    attributes = sam_template(advice)["Resources"]["LoadBalancer"]["Properties"]["LoadBalancerAttributes"]
    idle = {a["Key"]: a["Value"] for a in attributes}["idle_timeout.timeout_seconds"]
    assert any(f"set it to about {idle} s" in w for w in advice["warnings"])


def test_a_rest_api_waits_past_29_seconds_only_where_the_advice_relies_on_a_raised_quota() -> None:
    advice = advice_of("agent-fleet")
    template = sam_template(advice)
    integration = template["Resources"]["Api"]["Properties"]["DefinitionBody"]["paths"]["/invoke"]["post"][
        "x-amazon-apigateway-integration"
    ]
    assert integration["timeoutInMillis"] == advice["profile"]["max_duration_s"] * 1000
    assert any("raised quota" in note for note in template["Metadata"]["PlacementAdvisor"]["notes"])


def test_an_http_api_keeps_its_integration_timeout_within_the_limit() -> None:
    template = sam_template(advice_of("search-reranker"))
    event = template["Resources"]["Orchestrator"]["Properties"]["Events"]["HttpApi"]["Properties"]
    assert event["TimeoutInMillis"] == LIMITS["api_gateway_http_integration_timeout_s"] * 1000


def test_a_streamed_answer_gets_a_streaming_function_url() -> None:
    advice = variant("internal-slm")
    advice["profile"]["streaming"] = True
    url = sam_template(advice)["Resources"]["Orchestrator"]["Properties"]["FunctionUrlConfig"]
    assert url == {"AuthType": "AWS_IAM", "InvokeMode": "RESPONSE_STREAM"}


# -- the Memory layer, alarms and what the template says about itself --------------------------------


def test_the_state_table_is_on_demand_and_expires_what_it_keeps() -> None:
    table = sam_template(advice_of("support-bot"))["Resources"]["StateTable"]["Properties"]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"]["Enabled"] is True


def test_it_alarms_on_duration_near_the_timeout_and_on_throttles() -> None:
    template = sam_template(advice_of("limit-lambda-near-timeout"))
    near = template["Resources"]["OrchestratorDurationNearTimeout"]["Properties"]
    assert near["Threshold"] < LIMITS["lambda_timeout_s"] * 1000
    assert "OrchestratorThrottles" in template["Resources"]
    assert "DeadLetters" in template["Resources"]


def test_it_budgets_the_monthly_cost_the_report_estimates() -> None:
    advice = advice_of("support-bot")
    budget = sam_template(advice)["Resources"]["MonthlyBudget"]["Properties"]["Budget"]
    assert budget["BudgetLimit"]["Amount"] == pytest.approx(advice["monthly_cost"]["total"])


def test_the_template_names_the_workload_the_rule_set_and_the_catalog() -> None:
    advice = advice_of("support-bot")
    template = sam_template(advice)
    assert template["Transform"] == "AWS::Serverless-2016-10-31"
    for text in (advice["profile"]["name"], advice["ruleset"], advice["catalog"]):
        assert text in template["Description"]


def test_every_resource_says_where_in_the_advice_it_comes_from(scenario: str) -> None:
    for name, resource in sam_template(advice_of(scenario))["Resources"].items():
        assert resource["Metadata"]["PlacementAdvisor"], name


def test_the_yaml_reads_back_as_the_template_without_anchors() -> None:
    advice = advice_of("support-bot")
    text = sam_yaml(advice)
    assert "&id" not in text
    assert yaml.safe_load(text) == sam_template(advice)


def test_the_exporter_stays_pure() -> None:
    code = (
        "import sys, placement.infrastructure; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
