"""Real tables served (issue 14 items 5 and 6): the bundled penguins (island, sex: categories) as a
classifier, and as a regressor of body mass (species too becomes a category), trained in-process
and served through the handler as Lambda runs it, on both runtimes. Instances are sent as a CSV
row reads: category strings, "" and null missing. Answers are checked against the published
scikit-learn pipeline itself, and each runtime against the other."""
import contextlib
import csv
import io
import json

import boto3
import numpy as np
import pytest

from devtools.batch.local_job import run_job
from devtools.local.aws import create_monitoring_bucket
from devtools.local.lambda_local import cold_start, invoker
from devtools.local.traffic import dataset_instances, predict_event, with_query
from modelops.api.responses import ModelInfo, PredictResponse
from modelops.artifacts.loader import load_verified_model
from modelops.artifacts.store import ModelStore
from modelops.batch.settings import BatchSettings
from modelops.platform.aws_clients import client
from training.cleaning import clean
from training.data import DATASETS_DIR, load_csv

PENGUINS = DATASETS_DIR / "penguins.csv"

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")
RUNTIMES = ("sklearn", "onnx")


def _train(bucket: str, name: str, *arguments: str):
    from training.train import parse_args, run

    with contextlib.redirect_stdout(io.StringIO()):
        return run(parse_args(["--bucket", bucket, "--data", str(PENGUINS), "--name", name, *arguments]))


@pytest.fixture(scope="module")
def classifier(aws, bucket):
    return _train(bucket, "penguins-serving", "--target", "species", "--estimator", "logistic_regression")


@pytest.fixture(scope="module")
def regressor(aws, bucket):
    # year kept: its float32 rounding is invisible on the target's scale, so the graph verifies.
    return _train(bucket, "penguins-mass", "--target", "body_mass_g", "--estimator", "ridge")


@pytest.fixture(scope="module")
def boosted(aws, bucket):
    """No exact decomposition: explained by substitution, categories at their mode."""
    return _train(bucket, "penguins-boosted", "--target", "species", "--estimator", "hist_gradient_boosting")


def _env(manifest, bucket: str, runtime: str) -> dict[str, str]:
    sha = manifest.files["onnx"].sha256 if runtime == "onnx" else manifest.artifact.sha256
    return {"MODEL_BUCKET": bucket, "MODEL_NAME": manifest.name, "MODEL_VERSION": manifest.version,
            "MODEL_RUNTIME": runtime, "MODEL_SHA256": sha, "POWERTOOLS_SERVICE_NAME": "inference",
            "POWERTOOLS_METRICS_NAMESPACE": "mixed-serving"}


def _invoker(manifest, bucket: str, runtime: str):
    with contextlib.redirect_stdout(io.StringIO()):
        return invoker(cold_start("inference", _env(manifest, bucket, runtime)))


def _rows(manifest, count: int = 40) -> list[dict]:
    """Instances as a CSV row reads: the cleaned table's values, categories as strings, missing
    numbers null and missing categories null (the cleaned penguins have both)."""
    rows = dataset_instances(clean(load_csv(PENGUINS, manifest.target))[0], manifest.feature_names)
    return rows[:: max(1, len(rows) // count)][:count]


def _pipeline(manifest, bucket: str):
    store = ModelStore(boto3.client("s3"), bucket)
    return load_verified_model(store, manifest.name, manifest.version, manifest.artifact.sha256).pipeline


def _matrix(manifest, rows: list[dict]) -> np.ndarray:
    kinds = [feature.kind for feature in manifest.features]
    matrix = np.empty((len(rows), len(kinds)), dtype=object)
    for index, row in enumerate(rows):
        matrix[index] = [("" if row.get(f.name) is None else row[f.name]) if kind == "categorical"
                         else (np.nan if row.get(f.name) is None else float(row[f.name]))
                         for f, kind in zip(manifest.features, kinds)]
    return matrix


def _post(invoke, instances: list[dict], **query: str) -> tuple[int, dict]:
    response = invoke(with_query(predict_event(instances), **query))
    return response["statusCode"], json.loads(response["body"])


def test_both_runtimes_score_category_strings_as_the_pipeline_does(classifier, bucket):
    assert classifier.files.get("onnx"), classifier.onnx_verification
    rows = _rows(classifier)
    rows[0] = {**rows[0], "island": f"  {rows[0]['island']} ", "sex": None}  # stripped, as training read the CSV
    expected = _pipeline(classifier, bucket).predict_proba(_matrix(classifier, [
        {**rows[0], "island": rows[0]["island"].strip()}, *rows[1:]]))
    answers = {}
    for runtime in RUNTIMES:
        status, answer = _post(_invoker(classifier, bucket, runtime), rows)
        assert status == 200, answer
        PredictResponse.model_validate(answer)
        answers[runtime] = np.array([[p["probabilities"][str(c)] for c in classifier.classes]
                                     for p in answer["predictions"]])
        assert all("warnings" not in p for p in answer["predictions"])  # every category seen in training
    assert np.allclose(answers["sklearn"], expected, atol=1e-12)
    assert np.allclose(answers["onnx"], expected, atol=1e-5)


def test_an_unseen_category_is_scored_and_flagged_not_refused(classifier, bucket):
    row = {**_rows(classifier, 1)[0], "island": "Anvers"}
    expected = _pipeline(classifier, bucket).predict_proba(_matrix(classifier, [row]))[0]
    for runtime in RUNTIMES:
        status, answer = _post(_invoker(classifier, bucket, runtime), [row, _rows(classifier, 1)[0]])
        assert status == 200, answer
        first, second = answer["predictions"]
        assert first["warnings"] == [{"code": "unseen_category", "feature": "island", "value": "Anvers",
                                      "message": first["warnings"][0]["message"]}]
        assert "never saw" in first["warnings"][0]["message"] and "warnings" not in second
        assert np.allclose([first["probabilities"][str(c)] for c in classifier.classes], expected, atol=1e-5)


@pytest.mark.parametrize("instance, code, location", [
    ({"island": 3.5}, "validation_error", "instances.0.island"),
    ({"island": True}, "validation_error", "instances.0.island"),
    ({"bill_length_mm": "long"}, "validation_error", "instances.0.bill_length_mm"),
    ({"bill_length_mm": True}, "validation_error", "instances.0.bill_length_mm"),
    ({"bill_length_mm": 1e39}, "value_out_of_range", "instances.0.bill_length_mm"),
    ({"beak_colour": "red"}, "unknown_feature", "instances.0.beak_colour"),
    ({"island": [1]}, "validation_error", "instances.0.island"),
])
def test_a_value_of_the_wrong_type_is_a_422_naming_the_field(classifier, bucket, instance, code, location):
    for runtime in RUNTIMES:
        status, answer = _post(_invoker(classifier, bucket, runtime), [{"sex": "male"}, instance])
        assert status == 422 and answer["error"]["code"] == code, answer
        assert [detail["location"] for detail in answer["error"]["details"]] == [location.replace(".0.", ".1.")]


def test_the_served_documents_describe_each_features_type_and_categories(classifier, bucket):
    invoke = _invoker(classifier, bucket, "onnx")
    info = ModelInfo.model_validate_json(invoke({**predict_event([]), "httpMethod": "GET", "path": "/model",
                                                 "body": None})["body"])
    kinds = {feature.name: feature.kind for feature in info.features}
    assert kinds["island"] == "categorical" and kinds["bill_length_mm"] == "numeric"
    assert [c.value for c in next(f for f in info.features if f.name == "island").categories] == \
        ["Biscoe", "Dream", "Torgersen"]
    document = json.loads(invoke({**predict_event([]), "httpMethod": "GET", "path": "/openapi.json", "body": None})["body"])
    single = document["components"]["schemas"]["PredictRequest"]["oneOf"][1]["properties"]
    assert single["island"]["anyOf"] == [{"type": "string"}, {"type": "null"}]
    assert single["island"]["examples"] == ["Biscoe", "Dream", "Torgersen"]
    assert {"type": "number"} == {k: v for k, v in single["bill_length_mm"]["anyOf"][0].items() if k == "type"}


def test_explanations_are_per_original_feature_and_exact_for_the_linear_model(classifier, bucket):
    rows = _rows(classifier, 10)
    pipeline = _pipeline(classifier, bucket)
    decision = pipeline.decision_function(_matrix(classifier, rows))
    explained = {}
    for runtime in RUNTIMES:
        status, answer = _post(_invoker(classifier, bucket, runtime), rows, explain="true", top_k="100")
        assert status == 200, answer
        explained[runtime] = [p["explanation"] for p in answer["predictions"]]
    modes = {f.name: f.categories[0].value for f in classifier.features if f.kind == "categorical"}
    for row, explanation in enumerate(explained["sklearn"]):
        assert {c["feature"] for c in explanation["contributions"]} == set(classifier.feature_names)  # no one-hot names
        total = explanation["baseline_value"] + sum(c["contribution"] for c in explanation["contributions"])
        winner = classifier.classes.index(explanation["label"])
        assert explanation["output"] == "class_score" and total == pytest.approx(decision[row, winner], abs=1e-9)
        assert explanation["value"] == pytest.approx(total, abs=1e-12)
        for contribution in explanation["contributions"]:
            if contribution["feature"] in modes:
                assert contribution["baseline"] == modes[contribution["feature"]]
                assert contribution["value"] == (rows[row].get(contribution["feature"]) or "")
    assert explained["sklearn"] == explained["onnx"]  # the same numbers on either runtime


def test_a_regressor_with_categories_answers_and_explains_in_the_targets_units(regressor, bucket):
    assert regressor.task == "regression" and regressor.explainer.method == "linear_exact"
    rows = _rows(regressor, 20)
    expected = _pipeline(regressor, bucket).predict(_matrix(regressor, rows))
    answers = {}
    for runtime in RUNTIMES:
        status, answer = _post(_invoker(regressor, bucket, runtime), rows, explain="true", top_k="100")
        assert status == 200, answer
        PredictResponse.model_validate(answer)
        answers[runtime] = [p["value"] for p in answer["predictions"]]
        for prediction in answer["predictions"]:
            explanation = prediction["explanation"]
            assert explanation["output"] == "value" and explanation["label"] is None
            total = explanation["baseline_value"] + sum(c["contribution"] for c in explanation["contributions"])
            assert total == pytest.approx(prediction["value"], rel=1e-5)  # grams, on both runtimes
    assert np.allclose(answers["sklearn"], expected, rtol=1e-12)
    assert np.allclose(answers["onnx"], expected, rtol=1e-5)
    assert 2500 < np.mean(answers["sklearn"]) < 6500  # body mass in grams


def test_substitution_sets_a_category_to_its_mode(boosted, bucket):
    assert boosted.explainer.method == "baseline_substitution"
    modes = dict(zip((f.name for f in boosted.features if f.kind == "categorical"), boosted.explainer.modes))
    assert modes == {f.name: f.categories[0].value for f in boosted.features if f.kind == "categorical"}
    row = {**_rows(boosted, 1)[0], "island": "Torgersen"}
    pipeline = _pipeline(boosted, bucket)
    probabilities = pipeline.predict_proba(_matrix(boosted, [row]))[0]
    at_mode = pipeline.predict_proba(_matrix(boosted, [{**row, "island": modes["island"]}]))[0]
    status, answer = _post(_invoker(boosted, bucket, "sklearn"), [row], explain="true", top_k="100")
    assert status == 200, answer
    explanation = answer["predictions"][0]["explanation"]
    winner = boosted.classes.index(explanation["label"])
    island = next(c for c in explanation["contributions"] if c["feature"] == "island")
    assert island["baseline"] == modes["island"] and island["value"] == "Torgersen"
    assert island["contribution"] == pytest.approx(probabilities[winner] - at_mode[winner], abs=1e-12)


def test_batch_scoring_reads_category_strings_from_a_csv(classifier, bucket, aws):
    s3 = client("s3")
    s3.create_bucket(Bucket="mixed-batch")
    # The file as people have it: category strings, NA for missing values; one row with text where a
    # number belongs, refused with the API's code.
    lines = PENGUINS.read_text().splitlines()[:61]
    header = lines[0].split(",")
    lines.append(",".join("long" if name == "bill_length_mm" else "Biscoe" if name == "island" else ""
                          for name in header))
    s3.put_object(Bucket="mixed-batch", Key="in/rows.csv", Body=("\n".join(lines) + "\n").encode())
    settings = BatchSettings.model_validate({**_env(classifier, bucket, "onnx"),
                                             "MONITORING_BUCKET": create_monitoring_bucket("mixed-batch-mon")})
    summary = run_job({"input": "s3://mixed-batch/in/rows.csv", "output": "s3://mixed-batch/out/",
                       "ignore_columns": ["species"]}, settings, s3)  # the target
    assert summary["rows_scored"] == 60 and summary["rows_refused"] == 1
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="mixed-batch", Prefix="out/")["Contents"]]
    errors = s3.get_object(Bucket="mixed-batch", Key=next(k for k in keys if "/errors/" in k))["Body"].read()
    assert json.loads(errors.splitlines()[0])["code"] == "validation_error"


def _output(s3, bucket: str, prefix: str) -> bytes:
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]]
    return s3.get_object(Bucket=bucket, Key=next(k for k in keys if "/predictions/" in k))["Body"].read()


def test_batch_scoring_flags_unseen_categories_as_the_api_does(classifier, bucket, aws):
    """Scored, not refused, and said so: a CSV's predictions carry an unseen_categories column,
    JSON lines carry the API's own warnings, and the summary counts them per feature."""
    s3 = client("s3")
    s3.create_bucket(Bucket="unseen-batch")
    rows = _rows(classifier, 6)
    rows[1] = {**rows[1], "island": "Anvers"}
    rows[4] = {**rows[4], "island": "Anvers", "sex": "unknown"}
    names = [feature.name for feature in classifier.features]
    csv_lines = [",".join(names)] + [",".join("" if row.get(n) is None else str(row[n]) for n in names) for row in rows]
    s3.put_object(Bucket="unseen-batch", Key="in/rows.csv", Body=("\n".join(csv_lines) + "\n").encode())
    s3.put_object(Bucket="unseen-batch", Key="jl/rows.jsonl", Body="".join(json.dumps(r) + "\n" for r in rows).encode())
    settings = BatchSettings.model_validate(_env(classifier, bucket, "sklearn"))
    summaries = {fmt: run_job({"input": f"s3://unseen-batch/{source}", "output": f"s3://unseen-batch/{fmt}-out/"},
                              settings, s3)
                 for fmt, source in (("csv", "in/rows.csv"), ("jsonl", "jl/rows.jsonl"))}
    for summary in summaries.values():
        assert summary["rows_scored"] == 6 and summary["rows_refused"] == 0
        assert summary["unseen_categories"] == {"rows": 2, "by_feature": {"island": 2, "sex": 1}}

    table = list(csv.DictReader(io.StringIO(_output(s3, "unseen-batch", "csv-out/").decode())))
    flagged = [json.loads(line["unseen_categories"]) if line["unseen_categories"] else None for line in table]
    assert flagged == [None, {"island": "Anvers"}, None, None, {"island": "Anvers", "sex": "unknown"}, None]

    status, answer = _post(_invoker(classifier, bucket, "sklearn"), rows)
    assert status == 200
    lines = [json.loads(line) for line in _output(s3, "unseen-batch", "jsonl-out/").splitlines()]
    assert [line.get("warnings") for line in lines] == [p.get("warnings") for p in answer["predictions"]]
    # Scored exactly as the API scores them.
    assert [line["probabilities"] for line in lines] == [p["probabilities"] for p in answer["predictions"]]
