"""POST /predict?explain=true and GET /model's importance, through the handler in-process, checked
against the published scikit-learn pipeline itself (loaded from the bucket)."""
import json

import boto3
import numpy as np
import pytest

from devtools.local.lambda_local import load_event
from devtools.local.traffic import with_query
from modelops.artifacts.loader import load_verified_model
from modelops.artifacts.store import ModelStore
from modelops.artifacts.features import instances_to_matrix
from tests.conftest import body

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")


def explain_event(event_file: str, **query: str) -> dict:
    return with_query(load_event(event_file), **{"explain": "true", **query})


def instances(event_file: str) -> list[dict]:
    data = json.loads(load_event(event_file)["body"])
    return data["instances"] if "instances" in data else [data]


@pytest.fixture(scope="module")
def forest(bucket):
    """A tree model: no exact decomposition, so the model-agnostic method."""
    from training.train import parse_args, run

    return run(parse_args(["--bucket", bucket, "--name", "forest", "--estimator", "random_forest"]))


def pipeline_of(bucket, manifest):
    store = ModelStore(boto3.client("s3"), bucket)
    return load_verified_model(store, manifest.name, manifest.version, manifest.artifact.sha256).pipeline


@pytest.mark.parametrize("event_file", ["predict_single.json", "predict_batch.json"])
def test_linear_explanations_sum_to_the_pipelines_decision_value(cold_start, inference_env, bucket, published_model,
                                                                 event_file):
    invoke = cold_start(inference_env)
    response = invoke(explain_event(event_file, top_k="30"))
    assert response["statusCode"] == 200
    rows = instances(event_file)
    matrix = instances_to_matrix(rows, published_model.feature_names)
    decision = pipeline_of(bucket, published_model).decision_function(matrix)  # log-odds of class 1
    for prediction, log_odds_of_1 in zip(body(response)["predictions"], decision):
        explanation = prediction["explanation"]
        expected = log_odds_of_1 if prediction["label"] == 1 else -log_odds_of_1
        total = explanation["baseline_value"] + sum(c["contribution"] for c in explanation["contributions"])
        assert (explanation["method"], explanation["output"], explanation["label"]) == ("linear_exact", "log_odds", prediction["label"])
        assert total == pytest.approx(expected, abs=1e-9)
        assert explanation["value"] == pytest.approx(expected, abs=1e-9)


def test_both_runtimes_give_the_same_explanation(cold_start, bucket, published_model):
    answers = {}
    for runtime, record in (("sklearn", published_model.artifact), ("onnx", published_model.files["onnx"])):
        invoke = cold_start({"MODEL_BUCKET": bucket, "MODEL_NAME": published_model.name, "MODEL_VERSION": published_model.version,
                             "MODEL_RUNTIME": runtime, "MODEL_SHA256": record.sha256})
        answers[runtime] = [p["explanation"] for p in body(invoke(explain_event("predict_batch.json")))["predictions"]]
    # The linear terms come from the manifest and are computed in numpy on both: identical, not just close.
    assert answers["onnx"] == answers["sklearn"]


def test_a_tree_model_is_explained_by_baseline_substitution(cold_start, bucket, forest):
    invoke = cold_start({"MODEL_BUCKET": bucket, "MODEL_NAME": forest.name, "MODEL_VERSION": forest.version,
                         "MODEL_RUNTIME": "sklearn", "MODEL_SHA256": forest.artifact.sha256})
    response = invoke(explain_event("predict_batch.json", top_k="4"))
    assert response["statusCode"] == 200
    pipeline = pipeline_of(bucket, forest)
    medians = pipeline.named_steps["impute"].statistics_
    matrix = instances_to_matrix(instances("predict_batch.json"), forest.feature_names)
    for row, prediction in zip(matrix, body(response)["predictions"]):
        explanation = prediction["explanation"]
        label = forest.classes.index(prediction["label"])
        assert (explanation["method"], explanation["output"], explanation["remainder"]) == ("baseline_substitution", "probability", None)
        assert explanation["value"] == prediction["probabilities"][str(prediction["label"])]
        assert len(explanation["contributions"]) == 4
        for contribution in explanation["contributions"]:
            column = forest.feature_names.index(contribution["feature"])
            changed = row.copy()
            changed[column] = medians[column]
            drop = pipeline.predict_proba(row[None, :])[0, label] - pipeline.predict_proba(changed[None, :])[0, label]
            assert contribution["contribution"] == pytest.approx(drop, abs=1e-12)
            assert contribution["baseline"] == medians[column]


def test_model_info_shows_the_method_and_global_importance(cold_start, inference_env, published_model, bucket, forest):
    linear = body(cold_start(inference_env)(load_event("model_info.json")))
    assert linear["explanation"]["method"] == "linear_exact"
    coefficients = pipeline_of(bucket, published_model).named_steps["model"].coef_[0]
    top = linear["importance"]["standardized_coefficients"][0]
    assert top["feature"] == published_model.feature_names[int(np.argmax(np.abs(coefficients)))]
    assert top["importance"] == pytest.approx(float(np.max(np.abs(coefficients))))
    assert linear["importance"]["permutation"]["rows"] == published_model.training["test_rows"]

    trees = body(cold_start({"MODEL_BUCKET": bucket, "MODEL_NAME": forest.name, "MODEL_VERSION": forest.version,
                             "MODEL_RUNTIME": "sklearn", "MODEL_SHA256": forest.artifact.sha256})(load_event("model_info.json")))
    assert trees["explanation"]["method"] == "baseline_substitution"
    assert trees["importance"]["standardized_coefficients"] is None
    assert len(trees["importance"]["permutation"]["features"]) == len(forest.feature_names)


def test_a_version_without_an_explainer_says_so_and_still_predicts(cold_start, inference_env):
    invoke = cold_start(inference_env)
    cold_start.module.model_holder.get().manifest.explainer = None  # as in versions published before explanations
    response = invoke(explain_event("predict_single.json"))
    assert response["statusCode"] == 422
    assert body(response)["error"]["code"] == "explanation_unavailable"
    assert invoke(load_event("predict_single.json"))["statusCode"] == 200


def test_explanations_are_not_captured(cold_start, inference_env, capsys):
    invoke = cold_start(inference_env)
    capsys.readouterr()
    invoke(explain_event("predict_single.json"))
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"record_type"' in line]
    # The monitor reads inputs and outputs; an explanation is derived from them and would only add volume.
    assert len(records) == 1 and set(records[0]["output"]) == {"label", "probabilities"}
