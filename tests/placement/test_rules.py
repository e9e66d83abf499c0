"""One test per rule of DOMAIN.md sections 2 and 3: each states the rule as a sentence."""

from placement.placements import PLACEMENTS


def fired(advice, rule_id):
    return next(f for f in advice.trace if f.rule == rule_id).fired


def excluded(advice, layer):
    return {p for p, _ in advice.layers[layer].excluded}


def reason_ids(advice, layer):
    return [r.rule for r in advice.layers[layer].reasons]


# -- the decision matrix (section 2) ------------------------------------------------


def test_agent_orchestration_that_mostly_waits_runs_on_lambda(advice_for):
    advice = advice_for(wait_fraction=0.9, orchestration_steps=3, request_duration_s=4)
    assert advice.layers["nerves"].placement == "lambda"
    assert "N01" in reason_ids(advice, "nerves")


def test_pre_and_post_processing_runs_on_lambda(advice_for):
    advice = advice_for(pre_post_processing_ms=200, trigger="event", request_duration_s=1)
    assert advice.layers["nerves"].placement == "lambda"
    assert "N22" in reason_ids(advice, "nerves")


def test_ten_gigabytes_of_hot_context_live_in_containers(advice_for):
    advice = advice_for(hot_context_gb=10)
    assert advice.layers["memory"].placement in {"ecs_ec2", "eks"}
    assert "10 GB must stay hot" in advice.layers["memory"].reasons[0].text


def test_heavy_inference_goes_to_sagemaker_or_ec2(advice_for):
    advice = advice_for(inference="self_hosted", model_params_b=70, quantization_bits=16)
    assert advice.layers["brain"].placement in {"sagemaker_realtime", "ec2_gpu"}
    assert fired(advice, "B07")


def test_websockets_are_held_in_a_small_container(advice_for):
    advice = advice_for(websocket_session_minutes=30, request_duration_s=600, max_duration_s=1800)
    assert advice.layers["nerves"].placement in {"fargate", "ecs_ec2"}
    assert "N19" in reason_ids(advice, "nerves")


def test_long_streaming_is_held_in_a_container_and_short_streaming_fits_lambda(advice_for):
    long = advice_for(streaming=True, request_duration_s=120, requests_per_day=5000)
    short = advice_for(streaming=True, request_duration_s=5, wait_fraction=0.9)
    assert fired(long, "N20") and long.layers["nerves"].placement == "fargate"
    assert fired(short, "N21") and short.layers["nerves"].placement == "lambda"


# -- the limits of Lambda and the rules of thumb (section 3) -----------------------------


def test_a_request_over_fifteen_minutes_never_lands_on_lambda(advice_for):
    advice = advice_for(request_duration_s=1200, max_duration_s=1500, requests_per_day=40)
    assert "lambda" in excluded(advice, "nerves")
    assert advice.layers["nerves"].placement in {"fargate", "ecs_ec2", "eks"}
    exclusion = dict(advice.layers["nerves"].excluded)["lambda"]
    assert exclusion.values["lambda_worst_case_s"] == 1500.0
    assert exclusion.values["lambda_timeout_s"] == 900
    assert exclusion.limit == "lambda_timeout_s"
    assert "docs.aws.amazon.com/lambda" in exclusion.source
    assert "1,500 s" in exclusion.text and "900 s" in exclusion.text


def test_a_worst_case_of_exactly_fifteen_minutes_is_ruled_out_of_lambda(advice_for):
    # The timeout stops the request at 900 s: a worst case that reaches it does not fit.
    assert "lambda" in excluded(advice_for(request_duration_s=600, max_duration_s=900), "nerves")


def test_a_worst_case_close_to_fifteen_minutes_warns_when_lambda_is_chosen(advice_for):
    advice = advice_for(
        request_duration_s=60, max_duration_s=800, wait_fraction=0.95, trigger="queue", requests_per_day=200
    )
    assert advice.layers["nerves"].placement == "lambda"
    assert any("15-minute" not in w and "900 s" in w for w in advice.layers["nerves"].warnings)


def test_gpu_inference_is_kept_off_lambda(advice_for):
    advice = advice_for(inference="self_hosted", model_params_b=1, quantization_bits=4, gpu_required=True)
    assert {"lambda", "sagemaker_serverless"} <= excluded(advice, "brain")
    assert advice.layers["brain"].placement != "lambda"


def test_the_memory_trap_is_pointed_out_for_cpu_bound_functions(advice_for):
    advice = advice_for(
        memory_mb=512, pre_post_processing_ms=3000, request_duration_s=4, trigger="event", wait_fraction=0.2
    )
    assert advice.layers["nerves"].placement == "lambda"
    warning = next(w for w in advice.layers["nerves"].warnings if "vCPU" in w)
    assert "512 MB" in warning and "0.29 vCPU" in warning


def test_a_synchronous_cpu_bound_function_is_sized_out_of_the_memory_trap(advice_for):
    advice = advice_for(memory_mb=512, pre_post_processing_ms=3000, request_duration_s=4)
    assert advice.facts.lambda_memory_mb == 1_769
    assert not fired(advice, "N23")
    assert any("1,769 MB instead of 512 MB" in a for a in advice.costs["nerves"]["lambda"].assumptions)


def test_the_memory_trap_is_pointed_out_for_inference_on_lambda(advice_for):
    advice = advice_for(inference="self_hosted", model_params_b=1, quantization_bits=4)
    assert any("10,240 MB" in w for w in advice.layers["brain"].warnings)


def test_a_large_model_cold_start_suggests_snapstart_when_that_is_enough(advice_for):
    advice = advice_for(
        inference="self_hosted",
        model_params_b=3,
        quantization_bits=4,
        cold_start_tolerance_s=2,
        trigger="event",
    )
    assert fired(advice, "B16")
    assert any("SnapStart" in w for w in advice.layers["brain"].warnings)
    assert advice.layers["brain"].placement == "lambda"


def test_a_cold_start_too_long_even_with_snapstart_wants_a_warm_endpoint(advice_for):
    advice = advice_for(
        inference="self_hosted", model_params_b=3, quantization_bits=4, cold_start_tolerance_s=0.2
    )
    assert fired(advice, "B17")
    assert advice.layers["brain"].placement != "lambda"


def test_a_quantised_small_model_runs_on_lambda_on_arm(advice_for):
    advice = advice_for(inference="self_hosted", model_params_b=1, quantization_bits=4, requests_per_day=150)
    assert advice.layers["brain"].placement == "lambda"
    reason = next(r for r in advice.layers["brain"].reasons if r.rule == "B13")
    assert "Arm" in reason.text and "0.6 GB" in reason.text  # 1B x 0.5625 bytes (4.5 bits a weight)


def test_a_seven_billion_model_is_too_big_for_lambda(advice_for):
    advice = advice_for(inference="self_hosted", model_params_b=7, quantization_bits=16, gpu_required=False)
    assert "lambda" in excluded(advice, "brain")


def test_under_fifteen_percent_utilisation_lambda_is_preferred(advice_for):
    advice = advice_for(requests_per_day=1000, request_duration_s=2, wait_fraction=0.2)
    assert advice.facts.utilization < 0.15
    assert fired(advice, "N02") and advice.layers["nerves"].placement == "lambda"


def test_over_fifteen_percent_utilisation_provisioned_containers_are_preferred(advice_for):
    # seed 002: a support bot at 10 requests/s non-stop should not be on Lambda
    advice = advice_for(requests_per_day=864_000, request_duration_s=3, wait_fraction=0.5)
    assert advice.facts.utilization > 0.15
    assert fired(advice, "N03") and advice.layers["nerves"].placement in {"fargate", "ecs_ec2"}


def test_more_than_sixty_percent_waiting_is_the_refactoring_signal(advice_for):
    advice = advice_for(wait_fraction=0.61, orchestration_steps=0)
    assert fired(advice, "N04")
    assert not fired(advice_for(wait_fraction=0.6, orchestration_steps=0), "N04")


def test_waiting_at_high_utilisation_warns_that_lambda_bills_the_waits(advice_for):
    advice = advice_for(requests_per_day=864_000, request_duration_s=3, wait_fraction=0.9)
    assert advice.layers["nerves"].placement != "lambda"
    # The warning is about Lambda, which was not chosen: it says so, apart from the warnings.
    assert not any("wall-clock" in w for w in advice.layers["nerves"].warnings)
    assert any(
        w.startswith("If AWS Lambda") and "wall-clock" in w
        for w in advice.layers["nerves"].alternative_warnings
    )


def test_five_or_more_steps_want_a_state_machine(advice_for):
    long_runs = advice_for(
        orchestration_steps=5, wait_fraction=0.9, request_duration_s=200, max_duration_s=600
    )
    assert long_runs.layers["nerves"].placement == "step_functions"
    short_runs = advice_for(orchestration_steps=5, wait_fraction=0.9)
    assert short_runs.layers["nerves"].placement == "step_functions_express"
    assert not fired(advice_for(orchestration_steps=4), "N06")


def test_many_short_workflows_choose_express(advice_for):
    advice = advice_for(
        orchestration_steps=6,
        requests_per_day=100_000,
        request_duration_s=2,
        wait_fraction=0.9,
        pattern="spiky",
    )
    assert advice.layers["nerves"].placement == "step_functions_express"


def test_a_human_wait_of_days_wants_durable_execution(advice_for):
    advice = advice_for(human_wait_hours=72, orchestration_steps=3)
    assert advice.layers["nerves"].placement in {"lambda_durable", "step_functions"}
    assert {"lambda", "step_functions_express"} <= excluded(advice, "nerves")


def test_large_state_between_steps_is_flagged_and_penalises_state_machines(advice_for):
    advice = advice_for(orchestration_steps=6, state_kb=1024, wait_fraction=0.9)
    assert fired(advice, "N15") and fired(advice, "N16")
    assert advice.layers["memory"].placement == "s3"
    assert any("references, not payloads" in r.text for _, r in advice.layers["nerves"].excluded) or fired(
        advice, "N15"
    )


def test_a_peak_near_a_thousand_concurrent_executions_warns(advice_for):
    advice = advice_for(requests_per_day=2_000_000, request_duration_s=10, pattern="business_hours")
    assert advice.facts.peak_concurrency > 800
    every = advice.layers["nerves"].warnings + advice.layers["nerves"].alternative_warnings
    assert any("1,000 concurrent" in w and "quota increase" in w for w in every)
    assert not fired(advice_for(requests_per_day=1000), "N17")


def test_hot_context_under_five_gigabytes_goes_to_a_cache(advice_for):
    assert advice_for(hot_context_gb=2).layers["memory"].placement == "elasticache"


def test_a_retrieval_index_goes_to_a_vector_database(advice_for):
    # 2M x 768 dims is a 7.04 GB HNSW index (1.1 x (4 x 768 + 8 x 16) bytes each). With no
    # latency target S3 Vectors holds it for a few dollars a month, where OpenSearch Serverless
    # needs 7 OCUs (3 search OCUs per replica x 2 + 1 indexing) = $1,226.40 a month.
    advice = advice_for(vector_count=2_000_000, embedding_dim=768)
    assert advice.layers["memory"].placement == "s3_vectors"
    assert advice.costs["memory"]["s3_vectors"].total < 20
    assert advice.costs["memory"]["opensearch_serverless"].total > 1_226
    # A 50 ms target rules S3 Vectors out (100 ms at best): the index is searched in RAM.
    fast = advice_for(vector_count=2_000_000, embedding_dim=768, retrieval_latency_ms=50)
    assert "s3_vectors" in dict(fast.layers["memory"].excluded)
    assert fast.layers["memory"].placement in {"elasticache", "opensearch_serverless", "aurora_pgvector"}


def test_state_between_steps_goes_to_dynamodb_and_no_context_needs_nothing(advice_for):
    assert advice_for(orchestration_steps=3).layers["memory"].placement == "dynamodb"
    assert advice_for(orchestration_steps=1).layers["memory"].placement == "none"


def test_event_driven_work_runs_on_lambda_behind_a_queue(advice_for):
    advice = advice_for(
        trigger="event", request_duration_s=45, max_duration_s=60, wait_fraction=0.3, requests_per_day=200
    )
    assert advice.facts.utilization < 0.15
    assert fired(advice, "N24") and advice.layers["nerves"].placement == "lambda"


def test_synchronous_inference_cannot_use_an_asynchronous_endpoint(advice_for):
    advice = advice_for(inference="self_hosted", model_params_b=13, trigger="api")
    assert "sagemaker_async" in excluded(advice, "brain")


def test_asynchronous_gpu_work_can_queue_into_async_inference(advice_for):
    advice = advice_for(
        inference="self_hosted", model_params_b=13, trigger="queue", requests_per_day=50, inference_seconds=30
    )
    assert advice.layers["brain"].placement == "sagemaker_async"


def test_very_spiky_volume_favours_serverless(advice_for):
    advice = advice_for(pattern="spiky", peak_to_average=50, requests_per_day=10_000, request_duration_s=1)
    assert fired(advice, "N25") and advice.layers["nerves"].placement == "lambda"


def test_thousands_of_requests_a_second_sustained_favour_provisioned_capacity(advice_for):
    advice = advice_for(requests_per_day=200_000_000, request_duration_s=0.05, peak_to_average=1.5)
    assert fired(advice, "N26") and advice.layers["nerves"].placement in {"ecs_ec2", "eks"}


def test_sustained_utilisation_over_forty_percent_raises_the_repatriation_signal(advice_for):
    advice = advice_for(requests_per_day=50_000_000, request_duration_s=1, peak_to_average=1.2)
    assert advice.facts.utilization >= 0.4
    assert any("repatriation" in w for w in advice.layers["nerves"].warnings)


def test_owning_hardware_is_not_raised_for_a_small_bill(advice_for):
    advice = advice_for(requests_per_day=5_000_000, request_duration_s=1, peak_to_average=1.2)
    assert advice.facts.utilization >= 0.4
    assert not fired(advice, "N28")
    gpu = advice_for(
        inference="self_hosted", model_params_b=13, requests_per_day=10_000, inference_seconds=20
    )
    assert advice.facts.utilization >= 0.4
    assert gpu.costs["brain"]["ec2_gpu"].total < 5_000
    assert "on_prem" not in gpu.layers["brain"].alternatives


def test_a_large_gpu_bill_at_high_utilisation_raises_owning_hardware(advice_for):
    # Utilisation comes from batched throughput (placement/serving.py): a steady 300,000 requests
    # a day (peak 1.2 x 3.5/s) keep two 4 x L4 instances (g6.12xlarge) busy 57% of the time.
    gpu = advice_for(
        inference="self_hosted",
        model_params_b=13,
        requests_per_day=300_000,
        peak_to_average=1.2,
        inference_seconds=20,
    )
    assert gpu.facts.gpu_replicas == 2 and gpu.facts.inference_utilization >= 0.4
    assert gpu.costs["brain"]["ec2_gpu"].total >= 5_000
    assert "on_prem" in gpu.layers["brain"].alternatives


def test_a_hosted_model_on_bedrock_stays_on_bedrock_and_others_on_their_api(advice_for):
    assert advice_for(hosted_model="claude-haiku-4.5").layers["brain"].placement == "bedrock"
    other = advice_for(
        hosted_model="other", hosted_input_usd_per_million_tokens=0.25, hosted_output_usd_per_million_tokens=2
    )
    assert other.layers["brain"].placement == "hosted_api"


def test_a_workload_without_inference_needs_no_brain(advice_for):
    assert advice_for(inference="none").layers["brain"].placement == "none"


def test_orchestration_needing_more_than_ten_gigabytes_cannot_use_lambda(advice_for):
    assert "lambda" in excluded(advice_for(memory_mb=16_384), "nerves")


def test_a_tight_synchronous_latency_target_asks_for_warm_capacity(advice_for):
    advice = advice_for(trigger="api", latency_slo_ms=300)
    assert any("provisioned concurrency" in w for w in advice.layers["nerves"].warnings)


# -- what every piece of advice carries ----------------------------------------------


def test_every_layer_names_a_known_placement_with_reasons(advice_for):
    advice = advice_for()
    for layer in advice.layers.values():
        assert layer.placement in PLACEMENTS
        assert layer.reasons, f"{layer.layer} has no reason"
        assert all(r.source for r in layer.reasons)


def test_reasons_quote_the_values_they_compared(advice_for):
    advice = advice_for(wait_fraction=0.9, orchestration_steps=3)
    reason = next(r for r in advice.layers["nerves"].reasons if r.rule == "N01")
    assert reason.values["wait_fraction"] == 0.9
    assert "90%" in reason.text


def test_the_trace_keeps_every_rule_fired_or_not(advice_for):
    from placement.rules import load_matrix

    advice = advice_for()
    assert [f.rule for f in advice.trace] == [r.id for r in load_matrix().rules]
    assert any(not f.fired for f in advice.trace)


def test_the_ruleset_version_is_recorded(advice_for):
    from placement import RULESET_VERSION

    advice = advice_for()
    assert advice.ruleset == RULESET_VERSION == advice.to_dict()["ruleset"]
    assert "+" in RULESET_VERSION


def test_alternatives_are_ranked_and_exclude_the_hard_limits(advice_for):
    advice = advice_for(request_duration_s=1200, max_duration_s=1500)
    nerves = advice.layers["nerves"]
    scores = [s for _, s in nerves.ranking]
    assert scores == sorted(scores, reverse=True)
    assert "lambda" not in nerves.alternatives


def test_the_advice_serialises_to_the_documented_shape(advice_for):
    import json

    data = json.loads(json.dumps(advice_for().to_dict()))
    assert set(data) >= {"profile", "facts", "layers", "ruleset", "catalog", "monthly_cost", "trace"}
    for layer in ("nerves", "brain", "memory"):
        assert set(data["layers"][layer]) >= {"placement", "alternatives", "reasons", "warnings"}
        for reason in data["layers"][layer]["reasons"]:
            assert set(reason) >= {"rule", "text", "source"}
