"""API Gateway (REST, HTTP, WebSocket) and function URLs, with the integration timeouts the advice relies on."""

from __future__ import annotations

import json
import math

from placement import sizing
from placement.infrastructure._context import LIMITS, Context
from placement.infrastructure._template import Json, Stack, get_att, log_retention, ref, sub
from placement.infrastructure.nerves import Entry
from placement.infrastructure.scaling import door_why, events_of

API_PATH = "/invoke"
# API Gateway access logs as JSON (serverless rule WS2001 asks for structured logs).
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "requestTime": "$context.requestTime",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "integrationLatency": "$context.integrationLatency",
        "responseLatency": "$context.responseLatency",
    }
)


def _throttle(ctx: Context) -> tuple[int, int]:
    """Rate and burst for the peak with the headroom the engine sizes capacity with."""
    rate = max(1, math.ceil(ctx.facts.peak_rps / sizing.TARGET_UTILIZATION))
    return rate, rate


def _access_log_group(stack: Stack) -> Json:
    log_retention(stack)
    stack.add(
        "ApiAccessLogs",
        "AWS::Logs::LogGroup",
        {"RetentionInDays": ref("LogRetentionDays")},
        {"note": "API access logs (serverless rule ES2000)."},
    )
    return get_att("ApiAccessLogs", "Arn")


def _integration_timeout_s(ctx: Context, limit_name: str) -> int:
    """The door's integration timeout: its default limit, or the worst case where the advice
    relies on a raised quota (a REST API's timeout can be raised past 29 s)."""
    limit = LIMITS[limit_name]
    if limit_name == "api_gateway_rest_integration_timeout_s" and ctx.profile.max_duration_s > limit:
        return math.ceil(ctx.profile.max_duration_s)
    return int(limit)


def rest_api(stack: Stack, ctx: Context, entry: Entry) -> Json:
    timeout = _integration_timeout_s(ctx, "api_gateway_rest_integration_timeout_s")
    rate, burst = _throttle(ctx)
    api: Json = {
        "Name": sub("${AWS::StackName}"),  # the ApiName the alarms watch
        "StageName": "prod",
        "TracingEnabled": True,
        "AccessLogSetting": {"DestinationArn": _access_log_group(stack), "Format": ACCESS_LOG_FORMAT},
        "MethodSettings": [
            {
                "HttpMethod": "*",
                "ResourcePath": "/*",
                "ThrottlingRateLimit": rate,
                "ThrottlingBurstLimit": burst,
            }
        ],
    }
    if entry.kind == "state_machine":
        api["DefinitionBody"] = _rest_openapi(stack, entry, timeout)
    stack.add("Api", "AWS::Serverless::Api", api, door_why(ctx, f"Integration timeout {timeout} s."))
    if entry.kind == "function":
        events_of(stack, entry)["Api"] = {
            "Type": "Api",
            "Properties": {
                "RestApiId": ref("Api"),
                "Path": API_PATH,
                "Method": "post",
                "TimeoutInMillis": timeout * 1000,
            },
        }
    if timeout > LIMITS["api_gateway_rest_integration_timeout_s"]:
        stack.notes.append(
            f"The REST API's {timeout} s integration timeout relies on a raised quota (the default is "
            f"{LIMITS['api_gateway_rest_integration_timeout_s']:g} s): request it in Service Quotas first."
        )
    return {"door": "api", "api": "Api", "timeout_s": timeout, "rest": True}


def _rest_openapi(stack: Stack, entry: Entry, timeout_s: int) -> Json:
    """A REST API that starts the workflow: synchronously for Express, else StartExecution."""
    action = "StartSyncExecution" if entry.express else "StartExecution"
    _api_role(stack, action)
    template = json.dumps(
        {"input": "$util.escapeJavaScript($input.json('$'))", "stateMachineArn": "${Workflow}"}
    )
    return {
        "openapi": "3.0.1",
        "info": {"title": sub("${AWS::StackName}"), "version": "1.0"},
        "paths": {
            API_PATH: {
                "post": {
                    "responses": {"200": {"description": "The workflow's answer"}},
                    "x-amazon-apigateway-integration": {
                        "type": "aws",
                        "httpMethod": "POST",
                        "uri": sub(
                            f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:states:action/{action}"
                        ),
                        "credentials": get_att("ApiRole", "Arn"),
                        "timeoutInMillis": timeout_s * 1000,
                        "requestTemplates": {"application/json": sub(template)},
                        "responses": {"default": {"statusCode": "200"}},
                    },
                }
            }
        },
    }


def _api_role(stack: Stack, action: str) -> None:
    stack.add(
        "ApiRole",
        "AWS::IAM::Role",
        {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "apigateway.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            },
            "Policies": [
                {
                    "PolicyName": "start-workflow",
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [
                            {"Effect": "Allow", "Action": [f"states:{action}"], "Resource": ref("Workflow")}
                        ],
                    },
                }
            ],
        },
        {"note": "Lets API Gateway start the workflow."},
    )


def http_api(stack: Stack, ctx: Context, entry: Entry) -> Json:
    timeout = _integration_timeout_s(ctx, "api_gateway_http_integration_timeout_s")
    rate, burst = _throttle(ctx)
    api: Json = {
        "AccessLogSettings": {"DestinationArn": _access_log_group(stack), "Format": ACCESS_LOG_FORMAT},
        "DefaultRouteSettings": {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst},
    }
    if entry.kind == "state_machine":
        action = "StartSyncExecution" if entry.express else "StartExecution"
        _api_role(stack, action)
        api["DefinitionBody"] = {
            "openapi": "3.0.1",
            "info": {"title": sub("${AWS::StackName}"), "version": "1.0"},
            "paths": {
                API_PATH: {
                    "post": {
                        "responses": {"default": {"description": "The workflow's answer"}},
                        "x-amazon-apigateway-integration": {
                            "type": "aws_proxy",
                            "integrationSubtype": f"StepFunctions-{action}",
                            "credentials": get_att("ApiRole", "Arn"),
                            "requestParameters": {
                                "StateMachineArn": ref("Workflow"),
                                "Input": "$request.body",
                            },
                            "payloadFormatVersion": "1.0",
                            "connectionType": "INTERNET",
                            "timeoutInMillis": timeout * 1000,
                        },
                    }
                }
            },
        }
    stack.add("HttpApi", "AWS::Serverless::HttpApi", api, door_why(ctx, f"Integration timeout {timeout} s."))
    if entry.kind == "function":
        events_of(stack, entry)["HttpApi"] = {
            "Type": "HttpApi",
            "Properties": {
                "ApiId": ref("HttpApi"),
                "Path": API_PATH,
                "Method": "post",
                "TimeoutInMillis": timeout * 1000,
            },
        }
    return {"door": "http_api", "api": "HttpApi", "timeout_s": timeout, "rest": False}


def websocket(stack: Stack, ctx: Context, entry: Entry) -> Json:
    if entry.kind != "function":
        stack.notes.append("A WebSocket API in front of this orchestration is left to the team.")
        return {"door": "none"}
    rate, burst = _throttle(ctx)
    stack.add(
        "WebSocketApi",
        "AWS::ApiGatewayV2::Api",
        {
            "Name": sub("${AWS::StackName}-ws"),
            "ProtocolType": "WEBSOCKET",
            "RouteSelectionExpression": "$request.body.action",
        },
        door_why(ctx, "Holds the connections; invokes the function per message."),
    )
    stack.add(
        "WebSocketIntegration",
        "AWS::ApiGatewayV2::Integration",
        {
            "ApiId": ref("WebSocketApi"),
            "IntegrationType": "AWS_PROXY",
            "IntegrationUri": sub(
                f"arn:${{AWS::Partition}}:apigateway:${{AWS::Region}}:lambda:path/2015-03-31/functions/${{{entry.name}.Arn}}/invocations"
            ),
            "TimeoutInMillis": int(LIMITS["api_gateway_websocket_integration_timeout_s"] * 1000),
        },
        {"note": "The WebSocket integration timeout the advice relies on."},
    )
    for route in ("$connect", "$disconnect", "$default"):
        stack.add(
            "WebSocketRoute" + route.strip("$").capitalize(),
            "AWS::ApiGatewayV2::Route",
            {
                "ApiId": ref("WebSocketApi"),
                "RouteKey": route,
                "Target": sub("integrations/${WebSocketIntegration}"),
            },
            {"note": f"The {route} route."},
        )
    stack.add(
        "WebSocketStage",
        "AWS::ApiGatewayV2::Stage",
        {
            "ApiId": ref("WebSocketApi"),
            "StageName": "prod",
            "AutoDeploy": True,
            "AccessLogSettings": {"DestinationArn": _access_log_group(stack), "Format": ACCESS_LOG_FORMAT},
            "DefaultRouteSettings": {"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst},
        },
        {"note": "The deployed stage."},
    )
    stack.add(
        "WebSocketPermission",
        "AWS::Lambda::Permission",
        {
            "Action": "lambda:InvokeFunction",
            "FunctionName": ref(entry.name),
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": sub(
                "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/*"
            ),
        },
        {"note": "Lets the WebSocket API invoke the function."},
    )
    return {"door": "websocket", "timeout_s": int(LIMITS["api_gateway_websocket_integration_timeout_s"])}


def function_url(stack: Stack, ctx: Context, entry: Entry) -> Json:
    if entry.kind != "function":
        stack.notes.append("A function URL needs a function behind it; none was generated.")
        return {"door": "none"}
    mode = "RESPONSE_STREAM" if ctx.profile.streaming else "BUFFERED"
    stack.resources[entry.name]["Properties"]["FunctionUrlConfig"] = {
        "AuthType": "AWS_IAM",
        "InvokeMode": mode,
    }
    stack.notes.append(
        f"The function URL waits as long as the function's {entry.timeout_s} s timeout "
        f"(at most {LIMITS['function_url_timeout_s']:g} s), past API Gateway's."
    )
    return {"door": "function_url", "timeout_s": entry.timeout_s}
