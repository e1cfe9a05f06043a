"""The local server's events must be the events API Gateway sends (events/*.json)."""
import base64
import json
from datetime import datetime, timezone

import pytest
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from devtools.local.apigw_event import http_response, proxy_event
from devtools.local.lambda_local import EVENTS, load_event

API_EVENTS = sorted(path.name for path in EVENTS.glob("*.json") if "httpMethod" in json.loads(path.read_text()))
# Maps of names chosen by the client: only the value types are the event's structure.
NAME_MAPS = {"headers", "multiValueHeaders", "queryStringParameters", "multiValueQueryStringParameters"}


def shape(node, key=None):
    """Keys and value types, recursively."""
    if isinstance(node, dict):
        if key in NAME_MAPS:
            return {"<name>": sorted({json.dumps(shape(value)) for value in node.values()})}
        return {name: shape(value, name) for name, value in node.items()}
    if isinstance(node, list):
        return [shape(value) for value in node[:1]]
    return type(node).__name__


def request_like(event: dict, query: str = "") -> Request:
    body = event["body"]
    builder = EnvironBuilder(path=event["path"], method=event["httpMethod"], headers=event["headers"],
                             data=body.encode() if body else None, query_string=query)
    return Request(builder.get_environ())


def test_the_api_events_are_found():
    assert {"predict_single.json", "predict_batch.json", "model_info.json", "feedback.json"} <= set(API_EVENTS)


@pytest.mark.parametrize("event_file", API_EVENTS)
def test_events_have_the_shape_and_values_of_the_event_files(event_file):
    expected = load_event(event_file)
    event = proxy_event(request_like(expected))
    assert shape(event) == shape(expected)
    for key in ("resource", "path", "httpMethod", "body", "isBase64Encoded", "queryStringParameters", "pathParameters"):
        assert event[key] == expected[key], key
    for name, value in expected["headers"].items():
        if name != "Host":  # the local server's own host and port
            assert event["headers"][name] == value and event["multiValueHeaders"][name] == [value]
    context = event["requestContext"]
    assert (context["httpMethod"], context["resourcePath"], context["stage"]) == (expected["httpMethod"], expected["resource"], "local")


def test_query_parameters_keep_every_value_and_the_last_one_wins():
    event = proxy_event(request_like(load_event("predict_single.json"), "explain=true&top_k=3&top_k=4"))
    assert event["queryStringParameters"] == {"explain": "true", "top_k": "4"}
    assert event["multiValueQueryStringParameters"] == {"explain": ["true"], "top_k": ["3", "4"]}


def test_a_body_that_is_not_utf8_goes_as_base64():
    request = Request(EnvironBuilder(path="/predict", method="POST", data=b"\xff\xfe{}").get_environ())
    event = proxy_event(request)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == b"\xff\xfe{}"


def test_request_time_is_api_gateways_format():
    moment = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)
    context = proxy_event(request_like(load_event("model_info.json")), now=moment)["requestContext"]
    assert (context["requestTime"], context["requestTimeEpoch"]) == ("30/Nov/2026:09:00:00 +0000", 1796029200000)


def test_results_become_http_responses_with_merged_headers():
    response = http_response({"statusCode": 405, "headers": {"Allow": "POST", "X-One": "1"},
                              "multiValueHeaders": {"Content-Type": ["application/json"], "Allow": ["POST"]},
                              "body": '{"error": {}}', "isBase64Encoded": False})
    assert response.status_code == 405 and response.get_data() == b'{"error": {}}'
    assert response.headers.getlist("Allow") == ["POST"] and response.headers["X-One"] == "1"
    assert response.headers["Content-Type"] == "application/json"


def test_base64_results_are_decoded():
    response = http_response({"statusCode": 200, "body": base64.b64encode(b"\x00\x01").decode(), "isBase64Encoded": True})
    assert response.get_data() == b"\x00\x01"
