"""The request limits and odd requests, one named case each: what the fuzzing in tests/fuzz found,
pinned as regressions, and the limits docs/api.md "Limits and bad input" documents (413, 415, 405, 400, 422)."""
import base64
import json
from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

from devtools.local.lambda_local import load_event
from tests.conftest import body

TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@pytest.fixture
def invoke(cold_start, inference_env):
    return cold_start(inference_env)


def post(path: str, raw_body, **changes) -> dict:
    event = load_event("predict_single.json")
    event.update(path=path, resource=path, body=raw_body, **changes)
    return event


def error_of(response: dict) -> tuple[int, str]:
    return response["statusCode"], body(response)["error"]["code"]


def test_the_body_limit_counts_utf8_bytes_and_refuses_before_parsing(cold_start, inference_env, monkeypatch):
    monkeypatch.setenv("MAX_BODY_BYTES", "2048")
    invoke = cold_start(inference_env)
    fits = '{"x": "' + "a" * (2048 - 9) + '"}'
    # Parsed, not refused for its size: "x" is no feature of the model (a string is a value the schema takes).
    assert len(fits.encode()) == 2048 and error_of(invoke(post("/predict", fits))) == (422, "unknown_feature")
    over = fits.replace("a", "é", 1)  # one character more than one byte: 2,049 bytes in 2,048 characters
    response = invoke(post("/predict", over))
    assert error_of(response) == (413, "payload_too_large")
    assert "2,048 bytes" in body(response)["error"]["message"]
    # Not even JSON: refused for its size, so nothing tried to parse it.
    assert error_of(invoke(post("/feedback", "[" * 5000))) == (413, "payload_too_large")
    encoded = base64.b64encode(over.encode()).decode()
    assert error_of(invoke(post("/predict", encoded, isBase64Encoded=True))) == (413, "payload_too_large")


@pytest.mark.parametrize("path", ["/predict", "/feedback"])
@pytest.mark.parametrize("raw_body", ["[" * 100_000, '{"a":' * 50_000, "1" * 5000, '{"label": -' + "9" * 4400 + "}"],
                         ids=["deep-array", "deep-object", "5000-digit-int", "4400-digit-label"])
def test_json_the_parser_cannot_hold_is_a_400_not_a_500(invoke, path, raw_body):
    # Found by fuzzing: json.loads raises RecursionError / ValueError here, which Powertools let through as 500.
    assert error_of(invoke(post(path, raw_body))) == (400, "invalid_json")


def test_base64_bodies_are_decoded_once_and_checked(invoke):
    single = load_event("predict_single.json")["body"]
    encoded = base64.b64encode(single.encode()).decode()
    assert invoke(post("/predict", encoded, isBase64Encoded=True))["statusCode"] == 200
    # Found by fuzzing: both raised inside Powertools' decoding, a 500.
    assert error_of(invoke(post("/predict", "not base64!", isBase64Encoded=True))) == (400, "invalid_base64")
    latin1 = base64.b64encode('{"mean_radius": 1.0, "\xe9": 2}'.encode("latin-1")).decode()
    assert error_of(invoke(post("/predict", latin1, isBase64Encoded=True))) == (400, "invalid_encoding")


@pytest.mark.parametrize("content_type, raw_body", [
    ("text/plain", "{}"),
    ("application/x-www-form-urlencoded", "mean_radius=1"),  # what `curl -d` sends by default
    ("application/x-www-form-urlencoded", ""),  # was a 200: an empty form became a prediction from no features
    ("multipart/form-data", ""),  # was a 500: Powertools raised "Missing boundary"
    ("multipart/form-data; boundary=x", "--x--"),  # was a 200, from no features
])
def test_bodies_that_are_not_json_are_a_415(invoke, content_type, raw_body):
    event = post("/predict", raw_body)
    event["headers"]["Content-Type"] = content_type
    response = invoke(event)
    assert error_of(response) == (415, "unsupported_media_type")
    assert "application/json" in body(response)["error"]["message"]


def test_a_get_without_a_body_ignores_its_content_type(invoke):
    event = load_event("model_info.json")
    event["headers"]["Content-Type"] = "text/plain"
    assert invoke(event)["statusCode"] == 200


def test_missing_headers_and_a_query_string_change_nothing(invoke):
    event = load_event("predict_single.json")
    event.update(headers=None, multiValueHeaders=None, queryStringParameters={"debug": "1"},
                 multiValueQueryStringParameters={"debug": ["1"]})
    assert invoke(event)["statusCode"] == 200


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "HEAD", "OPTIONS"])
def test_a_known_path_with_another_method_is_a_405_naming_the_allowed_one(invoke, method):
    event = post("/predict", None, httpMethod=method)
    response = invoke(event)
    assert error_of(response) == (405, "method_not_allowed")
    assert response["multiValueHeaders"]["Allow"] == ["POST"]
    event = load_event("model_info.json")
    event["httpMethod"] = "POST"
    assert invoke(event)["multiValueHeaders"]["Allow"] == ["GET"]


def test_every_route_api_gateway_sends_is_in_the_405_table(cold_start, inference_env):
    # The table may hold more (a route the function serves but the API does not expose); the fuzzing
    # checks every route in it answers its method and 405s the others.
    cold_start(inference_env)
    template = cfn_yaml.load(str(TEMPLATE))
    events = template["Resources"]["InferenceFunction"]["Properties"]["Events"].values()
    routes = {e["Properties"]["Path"]: e["Properties"]["Method"].upper() for e in events if e["Type"] == "Api"}
    assert routes and routes.items() <= cold_start.module.ALLOWED_METHODS.items()


def test_values_beyond_float32_are_refused_on_both_runtimes_naming_each(invoke, published_model):
    # Found by fuzzing: scikit-learn raised on inf inside the scaler (500); ONNX Runtime, in float32,
    # returned NaN probabilities. Then 1e39 was scored on scikit-learn and refused on ONNX: now the
    # answer does not depend on the runtime (issue 15, item 6).
    extreme = {name: 1.7e308 * (-1) ** index for index, name in enumerate(published_model.feature_names)}
    batch = json.loads(load_event("predict_batch.json")["body"])["instances"]
    response = invoke(post("/predict", json.dumps({"instances": [batch[0], extreme, batch[1]]})))
    assert error_of(response) == (422, "value_out_of_range")
    assert "3.402823e+38" in body(response)["error"]["message"]
    assert {d["location"].rsplit(".", 1)[0] for d in body(response)["error"]["details"]} == {"instances.1"}
    for value in (1e39, -1e39, 3.5e38):
        assert error_of(invoke(post("/predict", json.dumps(dict(batch[0], mean_radius=value))))) == (422, "value_out_of_range")
    assert invoke(post("/predict", json.dumps(dict(batch[0], mean_radius=3.4e38))))["statusCode"] in (200, 422)


LIMIT = 960_000  # the default MaxBodyBytes: every body below is just under it


WORST_CASES = {
    # Compact JSON: as many distinct unknown names (one detail each) as fit under the limit.
    "unknown_feature": lambda names: json.dumps({"instances": [{f"{i}.{j}": 0 for j in range(7_000)} for i in range(12)]},
                                                separators=(",", ":")),
    "validation_error": lambda names: json.dumps({"instances": [{f"{j}": "x" for j in range(10_800)} for _ in range(8)]},
                                                 separators=(",", ":")),
    "value_out_of_range": lambda names: json.dumps({"instances": [{name: 1e39 for name in names}] * 100}),
    "one_huge_name": lambda names: json.dumps({"x" * 950_000: 1.0}),
    "feedback": lambda names: json.dumps({"labels": [{"prediction_id": "x" * 900, "label": [1]} for _ in range(1000)]}),
    # Characters beyond the BMP are 4 bytes in the request and 12 in the error (a \uXXXX pair):
    # names, and labels echoed in messages, made of them are the largest details a request can cause.
    "unknown_feature_emoji": lambda names: json.dumps(
        {"instances": [{f"{i}.{j}" + "\U0001F600" * 200: 0 for j in range(11)} for i in range(100)]}, ensure_ascii=False),
    "unknown_label_emoji": lambda names: json.dumps(
        {"labels": [{"prediction_id": "0" * 12 + "7" + "0" * 19, "label": "\U0001F600" * 220} for _ in range(1000)]}, ensure_ascii=False),
}


@pytest.mark.parametrize("case", list(WORST_CASES))
def test_no_request_can_make_an_error_body_larger_than_a_small_fixed_size(invoke, published_model, case):
    # A 1 MB body naming 100,000 unknown features once got a 422 of 8.4 MB: over Lambda's 6 MB
    # response limit, so a gateway 5xx when deployed (issue 15, item 1).
    from modelops.api.errors import MAX_DETAILS, MAX_ERROR_BODY_BYTES

    raw = WORST_CASES[case](published_model.feature_names)
    assert len(raw.encode()) <= LIMIT
    path = "/feedback" if "label" in case or case == "feedback" else "/predict"
    response = invoke(post(path, raw))
    assert response["statusCode"] == 422
    size = len(response["body"].encode())
    assert size <= MAX_ERROR_BODY_BYTES, size
    error = body(response)["error"]
    assert len(error["details"]) <= MAX_DETAILS
    if case != "one_huge_name":
        assert error.get("details_omitted", 0) + len(error["details"]) > MAX_DETAILS


def test_extreme_values_get_the_same_answer_on_both_runtimes(cold_start, bucket, published_model):
    # Issue 15, item 6: within +/-3.4e38, 1e37 in every feature overflowed ONNX Runtime's float32
    # arithmetic (422 unscorable_instance) and was scored by scikit-learn in float64 (200). Now
    # refused on both, decided from the manifest's linear terms before either runtime runs.
    import random

    names = published_model.feature_names
    chooser = random.Random(15)
    bodies = [{name: 10.0 ** exponent for name in names} for exponent in (30, 35, 36, 37, 38)]
    bodies += [{name: chooser.choice([-1, 1]) * 10 ** chooser.uniform(30, 39) for name in chooser.sample(names, size)}
               for size in (1, 2, 5, 10, 30) for _ in range(8)]
    answers = {}
    for runtime in ("sklearn", "onnx"):
        pinned = published_model.files["onnx"].sha256 if runtime == "onnx" else published_model.artifact.sha256
        invoke = cold_start({"MODEL_BUCKET": bucket, "MODEL_NAME": published_model.name, "MODEL_VERSION": published_model.version,
                             "MODEL_RUNTIME": runtime, "MODEL_SHA256": pinned})
        answers[runtime] = []
        for instance in bodies:
            response = invoke(post("/predict", json.dumps(instance)))
            answer = body(response)
            answers[runtime].append((response["statusCode"], answer["error"]["code"] if "error" in answer
                                     else answer["predictions"][0]["label"]))
    assert answers["sklearn"] == answers["onnx"]
    outcomes = {answer[1] for answer in answers["sklearn"]}
    assert {"unscorable_instance", "value_out_of_range"} <= outcomes and outcomes & set(published_model.classes)
