"""Schema-driven fuzzing: request bodies generated from the served OpenAPI document's own request
schemas (GET /openapi.json: both body forms, every field, numbers at and just beyond each bound,
strings from each pattern, arrays one past each size), some of them broken on purpose, and each
judged by the document itself: jsonschema validates it against the served schema, and the API must
accept exactly the bodies the document calls valid (issue 15, item 3). The generator only has to
reach the edges; the oracle is the real JSON Schema validator, not this file.

The one documented exception: `unscorable_instance`, values within the schema's range that still
overflow inside the model's arithmetic (docs/api.md), which no schema can express.
"""
import json
import math
from typing import Any

import pytest
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from devtools.openapi import CONTRACT_FILE
from tests.fuzz.strategies import event, json_values, unicode_text
from tests.fuzz.conftest import FuzzedApi
from tests.fuzz.test_api_fuzz import assert_predictions, fuzz

# Kept small: each body is sent once per runtime; the batch limit's edge has its own test.
MAX_GENERATED_ITEMS = 6


def _resolve(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The schema with a $ref replaced by its target, merged with the keywords beside the $ref."""
    if "$ref" not in schema:
        return schema
    target = components[schema["$ref"].removeprefix("#/components/schemas/")]
    return {**_resolve(target, components), **{key: value for key, value in schema.items() if key != "$ref"}}


def _numbers(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    low, high = schema.get("minimum", -1e300), schema.get("maximum", 1e300)
    edges = [low, high, math.nextafter(low, -math.inf), math.nextafter(high, math.inf), 0.0, -0.0, 1e-300]
    integral = st.integers(int(low) - 1, int(high) + 1) if schema.get("type") == "integer" else st.integers(-10**6, 10**6)
    return st.sampled_from(edges) | st.floats(low, high, allow_nan=False) | integral


def from_schema(schema: dict[str, Any], components: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values near what `schema` describes: mostly valid, often at a bound, sometimes just past it."""
    schema = _resolve(schema, components)
    for keyword in ("oneOf", "anyOf"):
        if keyword in schema:
            rest = {key: value for key, value in schema.items() if key != keyword}
            return st.one_of([from_schema({**rest, **_resolve(branch, components)}, components)
                              for branch in schema[keyword]])
    if "enum" in schema:
        members = schema["enum"]
        near = [str(member) for member in members] + [member + 0.5 for member in members if isinstance(member, int)]
        return st.sampled_from(members) | st.sampled_from(members).map(float) | st.sampled_from(near or [""])
    kind = schema.get("type")
    if kind == "object":
        properties = {name: from_schema(value, components) for name, value in schema.get("properties", {}).items()}
        required = set(schema.get("required", ()))
        known = st.fixed_dictionaries({name: value for name, value in properties.items() if name in required},
                                      optional={name: value for name, value in properties.items() if name not in required})
        extra = schema.get("additionalProperties", True)
        extra_values = from_schema(extra, components) if isinstance(extra, dict) else json_values
        # Extra keys even where the schema forbids them, and the required ones sometimes dropped.
        extras = st.dictionaries(unicode_text | st.sampled_from(sorted(properties) or ["x"]), extra_values,
                                 max_size=3 if isinstance(extra, dict) else 1)
        return st.builds(lambda base, more: {**more, **base} if more else base, known, extras)
    if kind == "array":
        low = max(schema.get("minItems", 0) - 1, 0)
        high = min(schema.get("maxItems", MAX_GENERATED_ITEMS) + 1, MAX_GENERATED_ITEMS)
        return st.lists(from_schema(schema.get("items", {}), components), min_size=low, max_size=max(high, low))
    if kind in ("number", "integer"):
        return _numbers(schema)
    if kind == "string":
        text = st.from_regex(schema["pattern"], fullmatch=True) if "pattern" in schema else unicode_text
        return text | unicode_text
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    return json_values


def _check_against(api, path: str, schema_name: str, accepted: int, examples: int, classes: list[Any]) -> None:
    served = api.send(event("GET", "/openapi.json", None))[1]
    components = served["components"]["schemas"]
    validator = Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}", "components": served["components"]})
    # The committed document is generic (any name, any label): the API never takes what it refuses.
    committed = json.loads(CONTRACT_FILE.read_text())
    generic = Draft202012Validator({"$ref": f"#/components/schemas/{schema_name}", "components": committed["components"]})
    bodies = from_schema(components[schema_name], components) | json_values

    def check(body: Any) -> None:
        status, answer = api.send(event("POST", path, json.dumps(body)))
        valid = validator.is_valid(body)
        if valid and status == 422 and answer["error"]["code"] == "unscorable_instance":
            return  # documented: within the range, but the model's arithmetic overflows
        assert (status == accepted) == valid, (json.dumps(body)[:300], status, answer, valid)
        if not valid:
            assert status == 422, (json.dumps(body)[:300], status, answer)
        else:
            assert generic.is_valid(body), json.dumps(body)[:300]
            if path == "/predict":
                assert_predictions(answer, len(body["instances"]) if "instances" in body else 1, classes)

    fuzz(api, bodies, check, examples=examples)


def test_predict_accepts_exactly_what_the_served_schema_allows(api, published_model):
    _check_against(api, "/predict", "PredictRequest", 200, 1500, published_model.classes)


def test_feedback_accepts_exactly_what_the_served_schema_allows(api, published_model):
    _check_against(api, "/feedback", "FeedbackRequest", 202, 1000, published_model.classes)


@pytest.fixture(scope="module")
def penguins_model(bucket):
    """A model with categorical features (island, sex): strings, integers and booleans mean
    something per feature, so the served document's per-feature types are what is fuzzed."""
    import contextlib
    import io

    from training.train import parse_args, run

    with contextlib.redirect_stdout(io.StringIO()):
        return run(parse_args(["--bucket", bucket, "--dataset", "penguins", "--name", "penguins-fuzz",
                               "--estimator", "logistic_regression"]))


@pytest.mark.parametrize("runtime", ["sklearn", "onnx"])
def test_predict_on_a_mixed_model_accepts_exactly_what_the_served_schema_allows(cold_start, bucket, penguins_model,
                                                                                 runtime):
    model = penguins_model
    sha = model.files["onnx"].sha256 if runtime == "onnx" else model.artifact.sha256
    invoke = cold_start({"MODEL_BUCKET": bucket, "MODEL_NAME": model.name, "MODEL_VERSION": model.version,
                         "MODEL_RUNTIME": runtime, "MODEL_SHA256": sha})
    api = FuzzedApi(invoke, runtime, cold_start.module.ALLOWED_METHODS)
    _check_against(api, "/predict", "PredictRequest", 200, 600, model.classes)
