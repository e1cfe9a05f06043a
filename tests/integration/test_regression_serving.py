"""A regressor served (issue 14 item 5): the bundled diabetes target on both runtimes, through the
handler as Lambda runs it. POST /predict answers a `value` per instance (the same on scikit-learn
and ONNX Runtime within float32), captures {"value"} for the monitor, and ?explain=true explains it with an
explanation in the target's units (ridge: exact); batch scoring writes the value column."""
import contextlib
import io
import json

import numpy as np
import pytest

from devtools.batch.local_job import run_job
from devtools.local.aws import create_monitoring_bucket
from devtools.local.lambda_local import cold_start, invoker
from devtools.local.traffic import predict_event
from modelops.api.responses import PredictResponse
from modelops.artifacts.features import matrix_to_instances
from modelops.batch.settings import BatchSettings
from modelops.platform.aws_clients import client
from training.cleaning import clean
from training.data import load_bundled


@pytest.fixture(scope="module")
def diabetes(aws, bucket):
    from training.train import parse_args, run

    manifest = run(parse_args(["--bucket", bucket, "--dataset", "diabetes", "--name", "diabetes-serving",
                               "--estimator", "ridge"]))
    return manifest, clean(load_bundled("diabetes"))[0]


def _env(manifest, bucket, runtime):
    sha = manifest.files["onnx"].sha256 if runtime == "onnx" else manifest.artifact.sha256
    return {"MODEL_BUCKET": bucket, "MODEL_NAME": manifest.name, "MODEL_VERSION": manifest.version,
            "MODEL_RUNTIME": runtime, "MODEL_SHA256": sha, "POWERTOOLS_SERVICE_NAME": "inference",
            "POWERTOOLS_METRICS_NAMESPACE": "regression-serving"}


def _serve(diabetes, bucket, runtime, capsys, event):
    manifest, _ = diabetes
    with contextlib.redirect_stdout(io.StringIO()):
        invoke = invoker(cold_start("inference", _env(manifest, bucket, runtime)))
    capsys.readouterr()
    response = invoke(event)
    captured = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"record_type":"prediction"' in line]
    return response, captured


def test_both_runtimes_answer_a_value_per_instance_and_capture_it(diabetes, bucket, capsys):
    manifest, data = diabetes
    instances = matrix_to_instances(np.asarray(data.features[:20], dtype=np.float64), data.feature_names)
    answers = {}
    for runtime in ("sklearn", "onnx"):
        response, captured = _serve(diabetes, bucket, runtime, capsys, predict_event(instances))
        assert response["statusCode"] == 200, response["body"]
        body = PredictResponse.model_validate_json(response["body"])
        answers[runtime] = [prediction.value for prediction in body.predictions]
        assert [record["output"] for record in captured] == [{"value": value} for value in answers[runtime]]
    assert np.allclose(answers["sklearn"], answers["onnx"], rtol=1e-5, atol=1e-3)
    assert 25 < np.mean(answers["sklearn"]) < 350  # the target's units (disease progression)


def test_a_regressors_explanation_adds_up_to_its_value_in_the_targets_units(diabetes, bucket, capsys):
    _, data = diabetes
    event = predict_event(matrix_to_instances(np.asarray(data.features[:3], dtype=np.float64), data.feature_names))
    event["queryStringParameters"] = {"explain": "true", "top_k": "3"}
    for runtime in ("sklearn", "onnx"):
        response, captured = _serve(diabetes, bucket, runtime, capsys, event)
        assert response["statusCode"] == 200, response["body"]
        for prediction in json.loads(response["body"])["predictions"]:
            explanation = prediction["explanation"]
            assert explanation["output"] == "value" and explanation["label"] is None
            assert explanation["method"] == "linear_exact" and len(explanation["contributions"]) == 3
            total = (explanation["baseline_value"] + sum(c["contribution"] for c in explanation["contributions"])
                     + explanation["remainder"])
            assert total == pytest.approx(explanation["value"], abs=1e-9)
            assert explanation["value"] == pytest.approx(prediction["value"], rel=1e-5)  # exact on sklearn, float32 on onnx
        assert len(captured) == 3


def test_batch_scoring_writes_the_value_column(diabetes, bucket, aws):
    manifest, data = diabetes
    s3 = client("s3")
    s3.create_bucket(Bucket="regression-batch")
    header = ",".join(data.feature_names)
    rows = "\n".join(",".join(map(str, row)) for row in np.asarray(data.features[:50], dtype=np.float64).tolist())
    s3.put_object(Bucket="regression-batch", Key="in/rows.csv", Body=f"{header}\n{rows}\n".encode())
    settings = BatchSettings.model_validate({**_env(manifest, bucket, "onnx"),
                                             "MONITORING_BUCKET": create_monitoring_bucket("regression-batch-mon")})
    summary = run_job({"input": "s3://regression-batch/in/rows.csv", "output": "s3://regression-batch/out/"},
                      settings, s3)
    assert summary["rows_scored"] == 50 and summary["rows_refused"] == 0
    keys = [item["Key"] for item in s3.list_objects_v2(Bucket="regression-batch", Prefix="out/")["Contents"]]
    written = s3.get_object(Bucket="regression-batch", Key=next(k for k in keys if "/predictions/" in k))["Body"].read()
    lines = written.decode().splitlines()
    assert lines[0] == "source,offset,prediction_id,value" and len(lines) == 51
