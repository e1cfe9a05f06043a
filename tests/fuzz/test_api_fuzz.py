"""Property-based fuzzing of the inference API: generated requests across routes, methods,
headers and bodies, each checked by `FuzzedApi.send` (never a 5xx, never an undocumented status,
always strict JSON, every error with a code and a message) and, where the request is known to be
valid or known to be over a limit, for the answer it must get.

Generation is derandomized (seeded from each test's code), so a run generates the same requests
every time and a failure reproduces by running the same test again; Hypothesis prints the
shrunk falsifying request, and `print_blob` a @reproduce_failure line to pin it in a test.
"""
import json
import math
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelops.api.feedback_request import MAX_FEEDBACK_LABELS
from modelops.serving.settings import DEFAULT_MAX_BATCH_SIZE as MAX_BATCH_SIZE
from modelops.serving.settings import DEFAULT_MAX_BODY_BYTES
from tests.fuzz.strategies import (JSON_TYPES, METHODS, OTHER_TYPES, PREDICTION_ID, base64_body, event, feature_values,
                                   instances, json_values, odd_json_text, unicode_text, valid_instances)

SEEDED = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                         HealthCheck.large_base_example, HealthCheck.filter_too_much])


def fuzz(api, strategy: st.SearchStrategy, check: Callable[[Any], None], examples: int) -> None:
    """Run `check` on `examples` generated cases; fail if fewer requests were actually sent (a
    strategy Hypothesis could not draw from would otherwise pass having tested nothing)."""
    sent = api.sent

    @settings(SEEDED, max_examples=examples)
    @given(strategy)
    def run(case: Any) -> None:
        check(case)

    run()
    assert api.sent - sent >= examples


def assert_predictions(body: dict, count: int, classes: list[Any]) -> None:
    assert len(body["predictions"]) == count
    for prediction in body["predictions"]:
        assert prediction["label"] in classes
        probabilities = list(prediction["probabilities"].values())
        assert all(math.isfinite(p) and 0 <= p <= 1 for p in probabilities)
        assert sum(probabilities) == pytest.approx(1.0)


def test_predict_survives_any_body(api, published_model):
    names = published_model.feature_names
    bodies = st.one_of(
        odd_json_text(),
        instances(names, feature_values()).map(json.dumps),
        st.lists(instances(names, feature_values()), max_size=4).map(lambda batch: json.dumps({"instances": batch})),
        st.dictionaries(st.sampled_from(["instances", "instance", "data"]), json_values, min_size=1).map(json.dumps),
        # Finite but extreme values in many features at once: they overflow inside the model.
        st.lists(st.dictionaries(st.sampled_from(names), st.floats(allow_nan=False, allow_infinity=False),
                                 min_size=len(names) // 2), min_size=1, max_size=3)
        .map(lambda batch: json.dumps({"instances": batch})),
    )

    def check(body: str) -> None:
        status, answer = api.send(event("POST", "/predict", body))
        if status == 200:  # then the body was one instance or a batch, and every one was scored
            sent = json.loads(body)
            assert_predictions(answer, len(sent["instances"]) if "instances" in sent else 1, published_model.classes)

    fuzz(api, bodies, check, examples=1800)


def test_valid_requests_get_a_prediction_for_every_instance(api, published_model):
    names = published_model.feature_names
    requests = st.one_of(valid_instances(names).map(lambda one: (one, 1)),
                         st.lists(valid_instances(names), min_size=1, max_size=MAX_BATCH_SIZE)
                         .map(lambda batch: ({"instances": batch}, len(batch))))

    def check(case: tuple[dict, int]) -> None:
        payload, count = case
        status, answer = api.send(event("POST", "/predict", json.dumps(payload)))
        assert status == 200, answer
        assert_predictions(answer, count, published_model.classes)

    fuzz(api, requests, check, examples=700)


def test_batches_over_the_limit_are_a_422(api, published_model):
    def check(size: int) -> None:
        status, answer = api.send(event("POST", "/predict", json.dumps({"instances": [{}] * size})))
        assert (status, answer["error"]["code"]) == (422, "validation_error")

    fuzz(api, st.integers(MAX_BATCH_SIZE + 1, 20 * MAX_BATCH_SIZE), check, examples=100)


def test_feedback_survives_any_body_and_accepts_every_valid_label(api, published_model):
    classes = published_model.classes
    valid = st.fixed_dictionaries({"prediction_id": PREDICTION_ID, "label": st.sampled_from(classes)})
    anything = st.dictionaries(st.sampled_from(["prediction_id", "label"]) | unicode_text,
                               st.one_of(PREDICTION_ID, feature_values()), max_size=3)
    bodies = st.one_of(
        valid.map(lambda one: (json.dumps(one), 1)),
        st.lists(valid, min_size=1, max_size=MAX_FEEDBACK_LABELS).map(lambda many: (json.dumps({"labels": many}), len(many))),
        st.lists(anything, max_size=4).map(lambda many: (json.dumps({"labels": many}), None)),
        anything.map(lambda one: (json.dumps(one), None)),
        odd_json_text().map(lambda text: (text, None)),
        st.integers(MAX_FEEDBACK_LABELS + 1, MAX_FEEDBACK_LABELS + 50).map(
            lambda size: (json.dumps({"labels": [{"prediction_id": "a" * 32, "label": classes[0]}] * size}), -1)),
    )

    def check(case: tuple[str, int | None]) -> None:
        body, valid_count = case
        status, answer = api.send(event("POST", "/feedback", body))
        if valid_count == -1:
            assert status == 422
        elif valid_count is not None:
            assert (status, answer) == (202, {"accepted": valid_count})

    fuzz(api, bodies, check, examples=800)


def test_every_route_and_method_gets_its_documented_status(api, published_model):
    routes = api.routes
    valid_body = {"/predict": "{}", "/feedback": json.dumps({"prediction_id": "a" * 32, "label": published_model.classes[0]})}
    methods = st.sampled_from(METHODS) | st.sampled_from(METHODS).map(str.lower) | st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=8)
    paths = (st.sampled_from(list(routes)) | st.sampled_from(list(routes)).map(lambda path: path + "/")
             | st.sampled_from(["/", "", "/predict/x", "/PREDICT", "/model.json", "/dev/predict", "/predict?x=1"])
             | unicode_text.map(lambda text: "/" + text))
    # The query parameters /predict reads, with any value, beside arbitrary ones.
    queries = st.none() | st.dictionaries(st.sampled_from(["explain", "top_k"]) | unicode_text,
                                          st.sampled_from(["true", "false", "1", "0", "-1", "3", "1e9", ""]) | unicode_text,
                                          max_size=3)

    def check(case: tuple[str, str, dict | None]) -> None:
        method, path, query = case
        route = path.rstrip("/")
        status, answer = api.send(event(method, path, valid_body.get(route), query=query))
        if route not in routes:
            assert (status, answer["error"]["code"]) == (404, "not_found")
        elif method.upper() != routes[route]:
            assert (status, answer["error"]["code"]) == (405, "method_not_allowed")
            assert routes[route] in answer["error"]["message"]
        elif not query or not {"explain", "top_k"} & set(query):
            assert status in (200, 202)  # other query parameters are ignored

    fuzz(api, st.tuples(methods, paths, queries), check, examples=800)


def is_utf8_json(content_type: str) -> bool:
    """The oracle, written apart from modelops.api.body: type/subtype application/json in any case,
    and a charset, if any, of UTF-8."""
    kind, *parameters = [part.strip() for part in content_type.split(";")]
    charsets = [p.split("=", 1)[1].strip().strip('"').lower() for p in parameters if p.lower().startswith("charset=")]
    return kind.lower() == "application/json" and all(c in ("utf-8", "utf8") for c in charsets)


def test_headers_encodings_and_content_types(api, published_model):
    single = json.dumps({name: 1.0 for name in published_model.feature_names})
    content_types = st.sampled_from(JSON_TYPES + OTHER_TYPES) | unicode_text
    headers = st.none() | st.dictionaries(unicode_text, unicode_text, max_size=4) | content_types.map(
        lambda kind: {"Content-Type": kind, "Accept": "application/json"})
    bodies = st.one_of(st.just(single), st.just(""), st.none(), odd_json_text())
    encodings = st.sampled_from(["plain", "base64", "bad_base64"])

    def check(case: tuple[str, dict | None, str | None, str]) -> None:
        path, sent_headers, body, encoding = case
        # Size is checked before anything else (deeply nested bodies reach 1 MB): a 413 wins over the rest.
        oversize = bool(body) and len(body.encode("utf-8", "surrogatepass")) > DEFAULT_MAX_BODY_BYTES
        if encoding == "base64" and body:
            body = base64_body(body)
        elif encoding == "bad_base64" and body:
            body = "%" + body
        status, answer = api.send(event("POST", path, body, headers=sent_headers, base64_encoded=encoding != "plain"))
        content_type = next((v for k, v in (sent_headers or {}).items() if k.lower() == "content-type"), "")
        if encoding == "bad_base64" and body:
            # Undecodable text is bounded by its encoded length alone: n bytes encode to 4 * ceil(n / 3) characters.
            too_long = len(body) > 4 * math.ceil(DEFAULT_MAX_BODY_BYTES / 3)
            assert (status, answer["error"]["code"]) == ((413, "payload_too_large") if too_long else (400, "invalid_base64"))
        elif oversize:
            assert (status, answer["error"]["code"]) == (413, "payload_too_large")
        elif content_type.strip() and not is_utf8_json(content_type):  # on POST, even without a body
            assert (status, answer["error"]["code"]) == (415, "unsupported_media_type")
        elif path == "/predict" and body in (single, base64_body(single)):
            assert status == 200 and len(answer["predictions"]) == 1

    fuzz(api, st.tuples(st.sampled_from(["/predict", "/feedback"]), headers, bodies, encodings), check, examples=800)


def test_bodies_over_the_size_limit_are_a_413_before_parsing(api):
    limit = DEFAULT_MAX_BODY_BYTES
    # Sizes around the limit and far over it, in characters of 1 to 4 UTF-8 bytes: a body can be
    # within the limit in characters and over it in bytes.
    sizes = st.integers(limit - 64, limit + 64) | st.integers(limit, 4 * limit)
    cases = st.tuples(sizes, st.sampled_from(["a", "é", "€", "😀"]), st.booleans(), st.sampled_from(["/predict", "/feedback", "/nowhere"]))

    def check(case: tuple[int, str, bool, str]) -> None:
        size, char, encoded, path = case
        padding = char * max(0, (size - 16) // len(char.encode()))
        body = '{"x": "' + padding + '"}'  # JSON of about `size` bytes, mostly padding
        size_bytes = len(body.encode())
        status, answer = api.send(event("POST", path, base64_body(body) if encoded else body, base64_encoded=encoded))
        if size_bytes > limit:
            assert (status, answer["error"]["code"]) == (413, "payload_too_large")
        else:
            assert status != 413

    fuzz(api, cases, check, examples=150)
