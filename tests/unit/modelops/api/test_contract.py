"""The generated OpenAPI document (devtools.openapi.generate imports the function and asks it)."""
import json

import pytest

from devtools.openapi import generate

ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


@pytest.fixture(scope="module")
def document() -> dict:
    return json.loads(generate())


def operations(document):
    return {(path, method): operation for path, item in document["paths"].items() for method, operation in item.items()}


def test_every_route_is_documented(document):
    assert set(operations(document)) == {("/predict", "post"), ("/feedback", "post"), ("/model", "get"),
                                         ("/openapi.json", "get")}


@pytest.mark.parametrize("path, method, statuses", [
    ("/predict", "post", {400, 413, 415, 422, 500, 503}),
    ("/feedback", "post", {400, 413, 415, 422, 500, 503}),
    ("/model", "get", {500, 503}),
])
def test_error_responses_use_the_one_error_shape(document, path, method, statuses):
    responses = operations(document)[(path, method)]["responses"]
    errors = {int(status) for status in responses if int(status) >= 400}
    assert errors == statuses
    for status in errors:
        assert responses[str(status)]["content"]["application/json"]["schema"] == ERROR_REF


def test_routing_errors_are_documented_as_reusable_responses(document):
    for name in ("NotFound", "MethodNotAllowed"):
        assert document["components"]["responses"][name]["content"]["application/json"]["schema"] == ERROR_REF


def test_the_error_schema_is_the_api_errors_shape(document):
    schemas = document["components"]["schemas"]
    assert schemas["ErrorResponse"]["required"] == ["error"]
    assert schemas["ApiError"]["required"] == ["code", "message"]
    assert set(schemas["ApiError"]["properties"]) == {"code", "message", "details", "details_omitted"}
    # Powertools' own validation error shape is never answered, so it must not be documented.
    assert "HTTPValidationError" not in json.dumps(document) and "ValidationError" not in schemas


def test_request_bodies_are_the_validating_models(document):
    predict = operations(document)[("/predict", "post")]
    assert predict["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/PredictRequest"}
    batch, single = document["components"]["schemas"]["PredictRequest"]["oneOf"]
    instances = batch["properties"]["instances"]
    assert (instances["minItems"], instances["maxItems"]) == (1, 100)
    # The single-object form is documented too, and never overlaps the batch form.
    assert single["not"] == {"required": ["instances"]} and single["additionalProperties"] == instances["items"][
        "additionalProperties"]
    assert "read as a batch of one" in document["components"]["schemas"]["PredictRequest"]["description"]


def test_explain_and_top_k_are_documented_query_parameters(document):
    parameters = {p["name"]: p for p in operations(document)[("/predict", "post")]["parameters"]}
    assert parameters["explain"]["in"] == "query" and parameters["explain"]["schema"]["type"] == "boolean"
    assert parameters["top_k"]["schema"]["default"] == 5
    assert (parameters["top_k"]["schema"]["minimum"], parameters["top_k"]["schema"]["maximum"]) == (1, 100)


def test_every_operation_requires_sigv4(document):
    assert document["security"] == [{"sigv4": []}]
    scheme = document["components"]["securitySchemes"]["sigv4"]
    assert scheme["x-amazon-apigateway-authtype"] == "awsSigv4" and scheme["name"] == "Authorization"


def test_every_reference_resolves(document):
    text = json.dumps(document)
    for name in document["components"]["schemas"]:
        assert f'"#/components/schemas/{name}"' in text  # nothing unused is left in
    referenced = {ref.split("/")[-1] for ref in _refs(document)}
    assert referenced <= set(document["components"]["schemas"])


def _refs(node):
    if isinstance(node, dict):
        yield from ([node["$ref"]] if "$ref" in node else [])
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)
