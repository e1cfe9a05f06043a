"""The monitor on a regressor (issue 14 item 7): the bundled diabetes target, published by training
with its baseline; predictions captured as {"value": number} and numeric labels; one monitor run
over S3. The report gives MAE, RMSE, R² and bias from the joined labels (the same numpy figures
training's evaluation uses), drift of the predicted values, an error violation when the labels
say the model got worse, and says that no label-free estimate exists."""
import gzip
import json
from datetime import timedelta

import numpy as np
import pytest

from devtools.local.aws import create_monitoring_bucket
from modelops.artifacts.loader import load_verified_model
from modelops.artifacts.store import ModelStore
from modelops.capture.records import feedback_records, prediction_records
from modelops.monitoring.run import run_monitor
from modelops.monitoring.settings import MonitorSettings
from modelops.platform.aws_clients import client
from modelops.platform.ids import new_prediction_ids
from modelops.statistics.regression import regression_report
from tests.unit.modelops.conftest import WINDOW_END, WINDOW_START
from training.cleaning import clean
from training.data import load_bundled


@pytest.fixture(scope="module")
def diabetes(aws, bucket):
    from training.train import parse_args, run

    manifest = run(parse_args(["--bucket", bucket, "--dataset", "diabetes", "--name", "diabetes-monitor",
                               "--estimator", "ridge"]))
    model = load_verified_model(ModelStore(client("s3"), bucket), manifest.name, manifest.version,
                                manifest.artifact.sha256)
    return {"manifest": manifest, "pipeline": model.pipeline, "dataset": clean(load_bundled("diabetes"))[0]}


def _window(diabetes, bucket, rows: np.ndarray, truth: np.ndarray, name: str, labelled: int):
    manifest, names = diabetes["manifest"], diabetes["dataset"].feature_names
    moment = WINDOW_START + timedelta(minutes=5)
    values = diabetes["pipeline"].predict(rows)
    ids = new_prediction_ids(len(rows), int(moment.timestamp() * 1000))
    stamp = moment.isoformat().replace("+00:00", "Z")
    predictions = prediction_records(manifest.name, manifest.version,
                                     [dict(zip(names, row)) for row in rows.tolist()], ids,
                                     [{"value": float(value)} for value in values], stamp)
    labels = feedback_records(manifest.name, manifest.version, list(zip(ids[:labelled], truth[:labelled].tolist())))
    for record in labels:
        record["time"] = (moment + timedelta(minutes=10)).isoformat().replace("+00:00", "Z")
    labels.append({**labels[0], "label": "not a number", "prediction_id": ids[-1]})
    monitoring = create_monitoring_bucket(f"regression-{name}")
    # Compact JSON, as the capture writer writes it (the monitor's label pass looks for '"record_type":"feedback"').
    body = gzip.compress("".join(json.dumps(record, separators=(",", ":")) + "\n"
                                 for record in predictions + labels).encode())
    client("s3").put_object(Bucket=monitoring, Key=f"capture/{WINDOW_START:%Y/%m/%d/%H}/part.gz", Body=body)
    settings = MonitorSettings.model_validate({
        "MODEL_BUCKET": bucket, "MODEL_NAME": manifest.name, "MODEL_VERSION": manifest.version,
        "MONITORING_BUCKET": monitoring, "WINDOW_MINUTES": str(int((WINDOW_END - WINDOW_START).total_seconds() // 60)),
        "LABEL_DELAY_MINUTES": "0", "MONITOR_THRESHOLDS": json.dumps({"min_count": 50, "min_labels": 30})})
    return run_monitor(settings, client("s3"), WINDOW_END).report, values


def test_labelled_error_is_the_training_figures_way_and_healthy_traffic_raises_nothing(diabetes, bucket):
    data = diabetes["dataset"]
    rows, truth = np.asarray(data.features, dtype=np.float64)[:200], np.asarray(data.labels, dtype=np.float64)[:200]
    report, values = _window(diabetes, bucket, rows, truth, "healthy", 150)
    assert report.volume.predictions == 200 and report.volume.invalid_reasons == {"label": 1}  # "not a number"
    assert report.model_quality.status == "ok" and report.model_quality.ledger.labelled == 150
    assert report.model_quality.ledger.unknown_class_labels == 1  # the label that is not a number
    expected = regression_report(truth[:150], values[:150])
    assert report.model_quality.metrics == pytest.approx(expected)
    assert report.estimated_quality.status == "not_applicable" and report.estimated_quality.estimated_accuracy is None
    assert any("regressor" in note for note in report.notes)
    assert report.prediction_drift.columns["value"].verdict == "ok"
    assert [v.check for v in report.violations] == []
    assert report.metrics()["MeanAbsoluteError"] == pytest.approx(expected["mae"]) and "Accuracy" not in report.metrics()


def test_worse_labels_and_shifted_predictions_are_reported(diabetes, bucket):
    data = diabetes["dataset"]
    rows = np.asarray(data.features, dtype=np.float64)[:200].copy()
    bmi = data.feature_names.index("bmi")
    rows[:, bmi] += 2 * rows[:, bmi].std()  # heavier patients: inputs and predicted values move
    truth = np.asarray(data.labels, dtype=np.float64)[:200] + 150.0  # and the model is now far off
    report, _ = _window(diabetes, bucket, rows, truth, "worse", 150)
    checks = {(v.check, v.feature) for v in report.violations}
    assert ("error", None) in checks and ("feature_drift", "bmi") in checks and ("prediction_drift", "value") in checks
    error = next(v for v in report.violations if v.check == "error")
    assert error.threshold == pytest.approx(diabetes["manifest"].metrics["model"]["mae"] * 1.2)


def test_the_api_takes_a_regressors_labels_as_numbers_and_captures_them(diabetes, bucket, capsys):
    import contextlib
    import io

    from devtools.local.lambda_local import cold_start, invoker
    from devtools.local.traffic import feedback_event

    manifest = diabetes["manifest"]
    env = {"MODEL_BUCKET": bucket, "MODEL_NAME": manifest.name, "MODEL_VERSION": manifest.version,
           "MODEL_RUNTIME": "sklearn", "MODEL_SHA256": manifest.artifact.sha256, "POWERTOOLS_SERVICE_NAME": "inference"}
    with contextlib.redirect_stdout(io.StringIO()):
        invoke = invoker(cold_start("inference", env))
    capsys.readouterr()
    ids = new_prediction_ids(2)
    accepted = invoke(feedback_event([(ids[0], 151.7), (ids[1], 88)]))
    captured = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"record_type":"feedback"' in line]
    assert accepted["statusCode"] == 202 and json.loads(accepted["body"]) == {"accepted": 2}
    assert [record["label"] for record in captured] == [151.7, 88]
    refused = invoke(feedback_event([(ids[0], "high")]))
    body = json.loads(refused["body"])
    assert refused["statusCode"] == 422 and body["error"]["code"] == "unknown_label"
    assert "regressor" in body["error"]["message"]
