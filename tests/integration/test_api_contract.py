"""The API over HTTP, against the contract: the same assertions on two targets.

- By default: the local API server (devtools/local/api.py, what `make serve` runs) started
  in-process on a free port, in front of the real handler and a model published into the moto
  server, once per runtime (sklearn, onnx).
- With AWS_SAM_STACK_NAME set: the deployed stack's API (its ApiUrl output), every request signed
  with SigV4. Run this module on its own then, so no moto server replaces the AWS environment:
      AWS_SAM_STACK_NAME=my-stack AWS_REGION=eu-west-1 .venv/bin/python -m pytest -q tests/integration/test_api_contract.py
- With API_URL set: an API already running there, unsigned (`make serve` in another terminal):
      API_URL=http://127.0.0.1:3000 .venv/bin/python -m pytest -q tests/integration/test_api_contract.py

Requests are built from GET /model (feature names, ranges, classes), so any deployed model works.
Every response body is validated against the pydantic model the OpenAPI document is generated
from, and every error status must be one the committed document lists for that operation.
"""
import json
import math
import os
from typing import Any, Iterator

import pytest
from pydantic import BaseModel

from devtools.api_target import ApiClient, deployed_client
from devtools.local.lambda_local import cold_start, invoker
from devtools.local.api import LocalApi, running
from modelops.statistics.feature_summary import FeatureSummary
from modelops.api.contract import model_document
from devtools.openapi import CONTRACT_FILE
from modelops.api.errors import ErrorResponse
from modelops.api.responses import FeedbackAccepted, ModelInfo, PredictResponse
from modelops.serving.explanations import DEFAULT_TOP_K

STACK = os.environ.get("AWS_SAM_STACK_NAME")
RUNNING = os.environ.get("API_URL")
TARGETS = ["deployed"] if STACK else ["running"] if RUNNING else ["local-sklearn", "local-onnx"]
CONTRACT = json.loads(CONTRACT_FILE.read_text())
OVERSIZE = 2 * 1024 * 1024  # above the function's 960,000-byte default limit, below API Gateway's 10 MB
# GET /model and GET /openapi.json emit no metrics, and Powertools warns each time: expected.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


@pytest.fixture(scope="module", params=TARGETS)
def api(request) -> Iterator[ApiClient]:
    if request.param == "deployed":
        if os.environ.get("AWS_ENDPOINT_URL"):
            pytest.fail("AWS_ENDPOINT_URL is set (another test's moto server?): run this module on its own against a stack.")
        yield deployed_client(STACK)
        return
    if request.param == "running":
        yield ApiClient(RUNNING.rstrip("/"))
        return
    published = request.getfixturevalue("published_model")
    runtime = request.param.removeprefix("local-")
    record = published.files["onnx"] if runtime == "onnx" else published.artifact
    function = cold_start("inference", {
        "MODEL_BUCKET": request.getfixturevalue("bucket"), "MODEL_NAME": published.name,
        "MODEL_VERSION": published.version, "MODEL_RUNTIME": runtime, "MODEL_SHA256": record.sha256})
    with running(LocalApi(invoker(function))) as url:
        yield ApiClient(url)


@pytest.fixture(scope="module")
def info(api: ApiClient) -> dict[str, Any]:
    response = api.request("GET", "/model")
    assert response.status == 200, response.body
    return response.json()


def conforms(model: type[BaseModel], body: Any) -> None:
    """Valid, and nothing undocumented: a field the model does not declare would be dropped."""
    assert model.model_validate(body).model_dump(mode="json", exclude_unset=True) == body


def instance(info: dict[str, Any], statistic: str) -> dict[str, float]:
    return {feature["name"]: feature[statistic] for feature in info["features"] if feature[statistic] is not None}


def documented_statuses(method: str, path: str) -> set[int]:
    return {int(status) for status in CONTRACT["paths"][path][method.lower()]["responses"]}


def test_model_info_is_documented_and_complete(info):
    conforms(ModelInfo, info)
    names = [feature["name"] for feature in info["features"]]
    assert info["explanation"]["method"] in ("linear_exact", "baseline_substitution")
    assert sorted(item["feature"] for item in info["importance"]["permutation"]["features"]) == sorted(names)
    importances = [item["importance"] for item in info["importance"]["permutation"]["features"]]
    assert importances == sorted(importances, reverse=True)
    if info["explanation"]["method"] == "linear_exact":
        assert len(info["importance"]["standardized_coefficients"]) == len(names)


def test_single_prediction(api, info):
    response = api.request("POST", "/predict", json_body=instance(info, "mean"))
    assert response.status == 200
    body = response.json()
    conforms(PredictResponse, body)
    assert (body["model"]["name"], body["model"]["version"]) == (info["name"], info["version"])
    (prediction,) = body["predictions"]
    assert prediction["label"] in info["classes"]
    assert set(prediction["probabilities"]) == {str(label) for label in info["classes"]}
    assert math.isclose(sum(prediction["probabilities"].values()), 1.0, abs_tol=1e-6)
    assert "explanation" not in prediction


def test_batch_prediction(api, info):
    rows = [instance(info, "min"), instance(info, "mean"), instance(info, "max"), {}]
    response = api.request("POST", "/predict", json_body={"instances": rows})
    assert response.status == 200
    predictions = response.json()["predictions"]
    conforms(PredictResponse, response.json())
    assert len(predictions) == 4 and len({p["prediction_id"] for p in predictions}) == 4


def test_explanations_add_up_and_name_the_predicted_label(api, info):
    names = [feature["name"] for feature in info["features"]]
    rows = [instance(info, "min"), instance(info, "max"), {names[0]: info["features"][0]["mean"]}]
    response = api.request("POST", "/predict", json_body={"instances": rows},
                           params={"explain": "true", "top_k": str(len(names))})
    assert response.status == 200
    conforms(PredictResponse, response.json())
    for row, prediction in zip(rows, response.json()["predictions"]):
        explanation = prediction["explanation"]
        assert explanation["method"] == info["explanation"]["method"]
        assert explanation["label"] == prediction["label"]
        contributions = explanation["contributions"]
        assert sorted(c["feature"] for c in contributions) == sorted(names)  # top_k = all of them
        sizes = [abs(c["contribution"]) for c in contributions]
        assert sizes == sorted(sizes, reverse=True)
        assert {c["feature"] for c in contributions if c["imputed"]} == set(names) - set(row)
        probability = prediction["probabilities"][str(prediction["label"])]
        if explanation["method"] == "linear_exact":
            total = explanation["baseline_value"] + sum(c["contribution"] for c in contributions)
            assert explanation["remainder"] == 0.0
            assert math.isclose(total, explanation["value"], rel_tol=1e-9, abs_tol=1e-9)
            if explanation["output"] == "log_odds":  # two classes: the sigmoid of the log-odds is the probability
                assert math.isclose(1 / (1 + math.exp(-explanation["value"])), probability, abs_tol=1e-5)
        else:
            assert explanation["output"] == "probability" and explanation["remainder"] is None
            assert math.isclose(explanation["value"], probability, abs_tol=1e-12)


def test_explanations_list_the_default_top_k_and_the_rest_in_the_remainder(api, info):
    response = api.request("POST", "/predict", json_body=instance(info, "max"), params={"explain": "1"})
    assert response.status == 200
    explanation = response.json()["predictions"][0]["explanation"]
    assert len(explanation["contributions"]) == min(DEFAULT_TOP_K, len(info["features"]))
    if explanation["method"] == "linear_exact":
        listed = sum(c["contribution"] for c in explanation["contributions"])
        assert math.isclose(explanation["baseline_value"] + listed + explanation["remainder"], explanation["value"],
                            rel_tol=1e-9, abs_tol=1e-9)


def test_feedback_for_a_prediction_is_accepted(api, info):
    prediction = api.request("POST", "/predict", json_body=instance(info, "mean")).json()["predictions"][0]
    response = api.request("POST", "/feedback", json_body={"prediction_id": prediction["prediction_id"],
                                                           "label": info["classes"][0]})
    assert response.status == 202
    conforms(FeedbackAccepted, response.json())
    assert response.json() == {"accepted": 1}


def test_openapi_route_serves_the_committed_contract(api, info):
    response = api.request("GET", "/openapi.json")
    assert response.status == 200
    served = response.json()
    if api.signed:
        # A stack may run other settings (maxItems) or be behind the checkout: the operations, their
        # statuses and the error shape must still be the committed ones.
        operations = lambda document: {(path, method, tuple(sorted(operation["responses"])))
                                       for path, item in document["paths"].items() for method, operation in item.items()}
        assert operations(served) == operations(CONTRACT)
        assert served["components"]["schemas"]["ErrorResponse"] == CONTRACT["components"]["schemas"]["ErrorResponse"]
    else:
        # Locally a model is loaded: the committed contract, specialised to its features and classes.
        features = [FeatureSummary.model_validate(feature) for feature in info["features"]]
        assert served == model_document(CONTRACT, features, info["classes"])


BAD_REQUESTS = [
    pytest.param("POST", "/predict", {"body": "{not json"}, 400, "invalid_json", id="not-json"),
    pytest.param("POST", "/predict", {"json_body": {"instances": []}}, 422, "validation_error", id="empty-batch"),
    pytest.param("POST", "/predict", {"json_body": {"no_such_feature_xyz": 1.0}}, 422, "unknown_feature", id="unknown-feature"),
    pytest.param("POST", "/predict", {"json_body": {}, "params": {"explain": "true", "top_k": "0"}}, 422,
                 "validation_error", id="top-k-zero"),
    pytest.param("POST", "/predict", {"json_body": {}, "params": {"explain": "perhaps"}}, 422, "validation_error",
                 id="explain-not-boolean"),
    pytest.param("POST", "/predict", {"body": "[" + " " * OVERSIZE + "]"}, 413, "payload_too_large", id="oversize"),
    pytest.param("POST", "/predict", {"body": "{}", "headers": {"Content-Type": "text/plain"}}, 415,
                 "unsupported_media_type", id="not-json-media-type"),
    pytest.param("POST", "/feedback", {"json_body": {"prediction_id": "0" * 32, "label": "no-such-class-xyz"}}, 422,
                 "unknown_label", id="unknown-label"),
]


@pytest.mark.parametrize("method, path, request_kwargs, status, code", BAD_REQUESTS)
def test_errors_have_the_documented_shape_and_status(api, method, path, request_kwargs, status, code):
    response = api.request(method, path, **request_kwargs)
    assert (response.status, response.json()["error"]["code"]) == (status, code), response.body[:300]
    conforms(ErrorResponse, response.json())
    assert status in documented_statuses(method, path)


def test_top_k_errors_name_the_query_parameter(api):
    response = api.request("POST", "/predict", json_body={}, params={"explain": "true", "top_k": "0"})
    assert [detail["location"] for detail in response.json()["error"]["details"]] == ["query.top_k"]


@pytest.mark.parametrize("method, path, status, component", [("GET", "/no-such-route", 404, "NotFound"),
                                                            ("GET", "/predict", 405, "MethodNotAllowed")])
def test_routing_errors_have_the_documented_shape(api, method, path, status, component):
    if api.signed:
        pytest.skip("API Gateway answers routes it does not have itself (403), before the function")
    response = api.request(method, path)
    assert response.status == status
    conforms(ErrorResponse, response.json())
    schema = CONTRACT["components"]["responses"][component]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ErrorResponse"}


@pytest.mark.parametrize("method, path", [("GET", "/model"), ("GET", "/openapi.json"), ("POST", "/predict")])
def test_deployed_routes_refuse_unsigned_requests(api, method, path):
    if not api.signed:
        pytest.skip("the local server does not authenticate, like sam local start-api")
    response = api.request(method, path, json_body={} if method == "POST" else None, sign=False)
    assert response.status == 403


def _validator(document: dict, schema_name: str):
    from jsonschema import Draft202012Validator

    schema = {"$ref": f"#/components/schemas/{schema_name}", "components": document["components"]}
    return Draft202012Validator(schema)


ONE_ID = "0" * 12 + "7" + "0" * 19


def _predict_bodies(names: list[str]) -> list[str]:
    feature = names[0]
    return [json.dumps(body) for body in [
        {}, {feature: 1.5}, {feature: None}, {"instances": [{feature: 2}]}, {"instances": [{}] * 100},
        {"instances": []}, {"instances": [{}] * 101}, [{feature: 17.99}, {feature: "x"}], None, "text", 7,
        {"instances": [{feature: 1}], "extra": 1}, {feature: "x"}, {feature: True}, {feature: 1e39},
        {feature: -3.5e38}, {feature: 3.4e38}, {"not_a_feature": 1.0}, {"instances": {"a": 1}},
        {"instances": [{"instances": 1}]}, {"instances": 1.0}, {feature: 10 ** 400}, {feature: -(10 ** 30)},
        {"instances": [{feature: 1}, {feature: "x"}]}, {"instances": [None]}, {"instances": [[{feature: 1}]]}]]


def _feedback_bodies(classes: list) -> list[str]:
    return [json.dumps(body) for body in [
        {"prediction_id": ONE_ID, "label": classes[0]}, {"labels": [{"prediction_id": ONE_ID, "label": classes[-1]}]},
        {"prediction_id": ONE_ID, "label": ""}, {"prediction_id": ONE_ID, "label": "no such class"},
        [{"prediction_id": ONE_ID, "label": classes[0]}], None, {"labels": []}, {"prediction_id": "short", "label": 1},
        {"prediction_id": ONE_ID, "label": classes[0], "x": 1}, {"labels": [{"prediction_id": ONE_ID, "label": True}]},
        # JSON has one number type: the document's integer (and an enum of [0, 1]) takes 1.0, so must the API.
        {"prediction_id": ONE_ID, "label": float(classes[-1])} if isinstance(classes[-1], int) else {},
        {"prediction_id": ONE_ID, "label": 0.5}, {"prediction_id": ONE_ID, "label": None}, {"labels": [None]}]]


@pytest.mark.parametrize("path, schema, bodies, accepted", [
    ("/predict", "PredictRequest", _predict_bodies, 200), ("/feedback", "FeedbackRequest", _feedback_bodies, 202)])
def test_the_served_document_and_the_api_agree_on_every_body(api, info, path, schema, bodies, accepted):
    """What the served document (the deployed model's) says is valid is exactly what the API
    accepts, including the single-object form, a bare array, null and the value range."""
    if api.signed:
        pytest.skip("sends labels: not against a deployed stack")
    served = api.request("GET", "/openapi.json").json()
    validator = _validator(served, schema)
    arguments = [f["name"] for f in info["features"]] if path == "/predict" else info["classes"]
    generic = _validator(CONTRACT, schema)
    for body in bodies(arguments):
        response = api.request("POST", path, body=body)
        valid = validator.is_valid(json.loads(body))
        assert (response.status == accepted) == valid, (body[:120], response.status, response.body[:300], valid)
        if not valid:
            assert response.status == 422, (body[:120], response.status, response.body[:300])
        # The committed, generic document allows any name and label (it serves every model): what it
        # refuses, the API refuses too, and what the API takes, it allows.
        if response.status == accepted:
            assert generic.is_valid(json.loads(body)), body[:120]
