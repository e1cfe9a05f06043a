"""The inference function, invoked in-process with the same events `sam local invoke` sends,
against a model trained and published into the moto server."""
import copy
import json

import pytest

from modelops.platform.aws_clients import client
from devtools.local.lambda_local import load_event
from tests.conftest import body


@pytest.fixture
def invoke(cold_start, inference_env):
    return cold_start(inference_env)


def test_single_prediction_event(invoke, published_model):
    response = invoke(load_event("predict_single.json"))
    assert response["statusCode"] == 200
    result = body(response)
    assert result["model"] == {"name": published_model.name, "version": published_model.version}
    (prediction,) = result["predictions"]
    assert len(prediction["prediction_id"]) == 32
    assert prediction["label"] == 0  # the first row of the data set is malignant (0)
    assert set(prediction["probabilities"]) == {"0", "1"}
    assert sum(prediction["probabilities"].values()) == pytest.approx(1.0)


def test_batch_prediction_event(invoke):
    response = invoke(load_event("predict_batch.json"))
    assert response["statusCode"] == 200
    predictions = body(response)["predictions"]
    assert [p["label"] for p in predictions] == [0, 1, 1]
    assert len({p["prediction_id"] for p in predictions}) == 3


def test_invalid_event_names_every_problem(invoke):
    response = invoke(load_event("predict_invalid.json"))
    assert response["statusCode"] == 422
    error = body(response)["error"]
    assert error["code"] == "validation_error"
    locations = {detail["location"] for detail in error["details"]}
    assert {"instances.0.mean_radius", "instances.0.mean_texture"} <= locations


def test_unknown_feature_names_are_refused_with_the_known_ones(invoke):
    event = load_event("predict_single.json")
    event["body"] = json.dumps({"tumour_colour": 3.0})
    response = invoke(event)
    assert response["statusCode"] == 422
    error = body(response)["error"]
    assert error["code"] == "unknown_feature"
    assert error["details"] == [{"location": "instances.0.tumour_colour", "message": "Unknown feature name."}]
    assert "mean_radius" in error["message"]


def test_model_info_event(invoke, published_model):
    response = invoke(load_event("model_info.json"))
    assert response["statusCode"] == 200
    info = body(response)
    assert info["version"] == published_model.version
    assert info["artifact_sha256"] == published_model.artifact.sha256
    assert info["metrics"]["model"]["roc_auc"] == published_model.metrics["model"]["roc_auc"]
    assert [f["name"] for f in info["features"]] == published_model.feature_names


def test_missing_features_are_imputed_not_refused(invoke):
    event = load_event("predict_single.json")
    event["body"] = json.dumps({})
    response = invoke(event)
    assert response["statusCode"] == 200
    assert body(response)["predictions"][0]["label"] in (0, 1)


@pytest.mark.parametrize(
    "raw_body, status, code",
    [
        (None, 400, "empty_body"),
        ("", 400, "empty_body"),
        ("not json", 400, "invalid_json"),
        ("0", 422, "invalid_body"),
        ("null", 422, "invalid_body"),
        ('[{"mean_radius": 17.99}, {"mean_radius": "x"}]', 422, "invalid_body"),
        ('{"mean_radius": 1e39}', 422, "value_out_of_range"),
        ('{"mean_radius": NaN}', 422, "validation_error"),
        ('{"mean_radius": Infinity}', 422, "validation_error"),
        ('{"mean_radius": "12"}', 422, "validation_error"),
        ('{"instances": []}', 422, "validation_error"),
        ('{"instances": [' + ",".join(["{}"] * 101) + "]}", 422, "validation_error"),
        ('{"instances": [[[[[]]]]]}', 422, "validation_error"),
    ],
)
def test_bad_bodies_get_a_json_4xx(invoke, raw_body, status, code):
    event = load_event("predict_single.json")
    event["body"] = raw_body
    response = invoke(event)
    assert response["statusCode"] == status
    assert body(response)["error"]["code"] == code
    assert body(response)["error"]["message"]


def test_unknown_route_is_a_json_404(invoke):
    event = load_event("model_info.json")
    event["path"] = event["resource"] = "/nowhere"
    response = invoke(event)
    assert response["statusCode"] == 404
    assert body(response)["error"]["code"] == "not_found"


def test_metrics_are_emitted_as_embedded_metric_format(invoke, capsys):
    invoke(load_event("predict_batch.json"))
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = {m["Name"] for blob in emitted for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"Predictions", "ModelLoadTime", "ColdStart"} <= names
    predictions = next(blob for blob in emitted if "Predictions" in blob)
    assert predictions["Predictions"] == [3.0]


@pytest.mark.parametrize("request_context", [{"requestId": "req-7"}, {}, "not an object", None])
@pytest.mark.parametrize("event_name", ["predict_single.json", "model_info.json"])
def test_log_lines_carry_the_request_id_as_correlation_id(cold_start, inference_env, request_context, event_name):
    """Each request's log lines name API Gateway's request id (requestContext.requestId), and none
    carries the previous request's id when an event has none. (Read from the Logger: its handler
    keeps the stdout of the first test that made it, so its lines are not in this test's capture.)"""
    invoke = cold_start(inference_env)
    invoke({**load_event(event_name), "requestContext": {"requestId": "req-earlier"}})
    assert cold_start.module.logger.get_correlation_id() == "req-earlier"
    invoke({**load_event(event_name), "requestContext": request_context})
    expected = request_context.get("requestId") if isinstance(request_context, dict) else None
    assert cold_start.module.logger.get_correlation_id() == expected


def test_before_any_model_is_deployed_the_api_answers_503(cold_start, bucket):
    invoke = cold_start({"MODEL_BUCKET": bucket, "MODEL_NAME": "breast-cancer", "MODEL_VERSION": "", "MODEL_SHA256": ""})
    for event in ("predict_single.json", "model_info.json"):
        response = invoke(load_event(event))
        assert response["statusCode"] == 503
        error = body(response)["error"]
        assert error["code"] == "model_unavailable.not_configured"
        assert "No model version is deployed" in error["message"]


def test_tampered_hash_pin_answers_503_and_counts_a_metric(cold_start, inference_env, capsys, monkeypatch):
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_VERSION", "7")  # Lambda sets it in every environment
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "inference")  # as the template does (other tests start the monitor)
    invoke = cold_start({**inference_env, "MODEL_SHA256": "0" * 64})
    response = invoke(load_event("predict_single.json"))
    assert response["statusCode"] == 503
    assert body(response)["error"]["code"] == "model_unavailable.hash_mismatch"
    out = capsys.readouterr().out
    assert '"ModelUnavailable"' in out and '"ModelLoadFailures"' in out
    # Twice: for the dashboard (service) and for the rollback alarm (service and this version).
    emitted = [json.loads(line) for line in out.splitlines() if '"_aws"' in line and '"ModelUnavailable"' in line]
    dimension_sets = sorted(tuple(sorted(d["Dimensions"][0])) for blob in emitted
                            for d in blob["_aws"]["CloudWatchMetrics"])
    assert dimension_sets == [("function_version", "service"), ("service",)]
    versioned = next(blob for blob in emitted if "function_version" in blob)
    assert versioned["function_version"] == "7" and versioned["service"] == "inference"


def test_s3_unreachable_at_cold_start_then_recovers(cold_start, inference_env, monkeypatch):
    endpoint = client("s3").meta.endpoint_url
    client.cache_clear()
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    invoke = cold_start(inference_env)
    response = invoke(load_event("predict_single.json"))
    assert response["statusCode"] == 503
    assert body(response)["error"]["code"] == "model_unavailable.storage_unreachable"

    # The fault clears: the same execution environment loads the model on the next request.
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    client.cache_clear()
    assert invoke(load_event("predict_single.json"))["statusCode"] == 200
    assert cold_start.module.model_holder.last_failure is None


def test_every_event_file_is_used_by_a_test():
    from pathlib import Path

    tests = Path(__file__).parents[1]
    sources = "".join(path.read_text() for path in tests.rglob("test_*.py") if path.resolve() != Path(__file__).resolve())
    sources += Path(__file__).read_text().split("def test_every_event_file_is_used_by_a_test")[0]
    shipped = sorted(path.name for path in (tests.parent / "events").glob("*.json"))
    assert shipped and [name for name in shipped if f'"{name}"' not in sources] == []


def capture_lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if '"record_type"' in line]


def test_each_prediction_writes_one_capture_record(invoke, published_model, capsys):
    capsys.readouterr()
    response = invoke(load_event("predict_batch.json"))
    records = capture_lines(capsys.readouterr().out)
    predictions = body(response)["predictions"]
    assert [r["prediction_id"] for r in records] == [p["prediction_id"] for p in predictions]
    first = records[0]
    assert first["record_type"] == "prediction" and first["schema_version"] == 1
    assert (first["model_name"], first["model_version"]) == (published_model.name, published_model.version)
    assert first["inputs"] == json.loads(load_event("predict_batch.json")["body"])["instances"][0]
    assert first["output"] == {"label": predictions[0]["label"], "probabilities": predictions[0]["probabilities"]}


def test_feedback_event_records_ground_truth(invoke, capsys):
    capsys.readouterr()
    response = invoke(load_event("feedback.json"))
    assert response["statusCode"] == 202
    assert body(response) == {"accepted": 2}
    records = capture_lines(capsys.readouterr().out)
    assert [(r["record_type"], r["label"]) for r in records] == [("feedback", 0), ("feedback", 1)]


@pytest.mark.parametrize(
    "payload, code",
    [
        ({"prediction_id": "0f6c2b1e9d8a4c7b8e5f3a2d1c0b9a87", "label": 7}, "unknown_label"),
        ({"prediction_id": "0f6c2b1e9d8a4c7b8e5f3a2d1c0b9a87", "label": "benign"}, "unknown_label"),
        ({"prediction_id": "not-an-id", "label": 1}, "validation_error"),
        ({"prediction_id": "0f6c2b1e9d8a4c7b8e5f3a2d1c0b9a87"}, "validation_error"),
        ({"labels": []}, "validation_error"),
    ],
)
def test_bad_feedback_is_refused_and_nothing_is_recorded(invoke, capsys, payload, code):
    event = load_event("feedback.json")
    event["body"] = json.dumps(payload)
    capsys.readouterr()
    response = invoke(event)
    assert response["statusCode"] == 422
    assert body(response)["error"]["code"] == code
    assert capture_lines(capsys.readouterr().out) == []


def test_a_capture_failure_never_fails_the_prediction(invoke, cold_start, capsys):
    class BrokenStream:
        def write(self, _):
            raise OSError("log stream closed")

    cold_start.module.capture._stream = lambda: BrokenStream()
    capsys.readouterr()
    response = invoke(load_event("predict_single.json"))
    assert response["statusCode"] == 200
    assert '"CaptureFailures"' in capsys.readouterr().out


def test_snapstart_hooks_prime_the_model_and_make_each_restore_unique(cold_start, inference_env, monkeypatch):
    import random
    import sys
    import types

    hooks = {}
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_before_snapshot = lambda hook: hooks.setdefault("before", hook)
    runtime.register_after_restore = lambda hook: hooks.setdefault("after", hook)
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)  # what Lambda's runtime offers
    invoke = cold_start(inference_env)
    pipeline = cold_start.module.model_holder.get().pipeline
    calls = []
    original = pipeline.predict_proba
    monkeypatch.setattr(pipeline, "predict_proba", lambda matrix: calls.append(matrix.shape) or original(matrix))
    hooks["before"]()
    assert calls == [(1, len(cold_start.module.model_holder.get().manifest.feature_names))]
    random.seed(0)
    snapshot_state, clients_before = random.getstate(), client("s3")
    hooks["after"]()
    assert random.getstate() != snapshot_state and client("s3") is not clients_before
    assert invoke(load_event("predict_single.json"))["statusCode"] == 200


def _without_ids(response: dict) -> dict:
    """The response with each prediction's id (new on every call) taken out."""
    document = body(response)
    for prediction in document.get("predictions", ()):
        assert len(prediction.pop("prediction_id")) == 32
    return {**response, "body": document}


@pytest.mark.parametrize("raw_body, direct", [
    ('{"mean_radius": 17.99, "mean_texture": 10.38}', 200),
    ('{"instances": [{"mean_radius": 17.99}, {}, {"mean_radius": null, "mean_texture": 25.0}]}', 200),
    ('{"instances": [' + ",".join(['{"mean_radius": 12.5}'] * 100) + "]}", 200),
    ('{"tumour_colour": 3.0}', "unknown_feature"),  # refused by the route
    ('{"mean_radius": 1e39}', "value_out_of_range"),
    ('{"mean_smoothness": 1e37}', "unscorable_instance"),  # scaled by a std of ~0.014: beyond float32
    ('{"mean_radius": "12"}', None),  # not taken: the resolver's validation_error
    ('{"instances": []}', None),
    ("[1, 2]", None),  # invalid_body
    ("not json", None),  # invalid_json
])
def test_predict_taken_directly_answers_as_the_resolver_does(cold_start, inference_env, raw_body, direct):
    """POST /predict skips the resolver's per-request work only where its answer is the resolver's:
    same status, headers and body (but the new prediction ids), refusals from the route included;
    anything else is not taken, and the resolver answers it."""
    cold_start(inference_env)
    module = cold_start.module
    event = load_event("predict_single.json")
    event["body"] = raw_body
    checked = module.checked_body_event(event, module.settings.max_body_bytes)
    directly = module._predict_directly(checked)
    assert (directly is not None) == (direct is not None)
    if direct:
        assert directly["statusCode"] == 200 if direct == 200 else body(directly)["error"]["code"] == direct
        resolved = module.app.resolve(checked, None)
        module.metrics.clear_metrics()
        assert _without_ids(directly) == _without_ids(resolved)
    for changed in ({"queryStringParameters": {"explain": "false"}}, {"path": "/predict/"}, {"httpMethod": "PUT"},
                    {"headers": {**event["headers"], "content-type": "text/plain"}}):
        assert module._predict_directly({**checked, **changed}) is None
