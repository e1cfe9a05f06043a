"""The monitor end to end: traffic through the inference handler, its log lines delivered as
Firehose would, the monitor handler invoked with the scheduler's event, report in S3, SNS alert."""
import contextlib
import io
import json
import uuid
from datetime import datetime, timedelta, timezone

import boto3
import numpy as np
import pytest

from devtools.local.capture_delivery import deliver
from devtools.local.lambda_local import cold_start, invoker, load_event
from devtools.local.aws import create_alert_queue, create_monitoring_bucket
from devtools.local.traffic import batches, feedback_event, predict_event, shifted
from modelops.artifacts.features import matrix_to_instances
from training.cleaning import clean
from training.data import load_bundled


@pytest.fixture(scope="module")
def dataset():
    return clean(load_bundled())[0]


@pytest.fixture
def stack(aws, inference_env, request):
    """A fresh monitoring bucket and alert topic, and both functions started against them."""
    suffix = uuid.uuid4().hex[:12]  # a clean bucket per test (and per runtime parameter)
    monitoring = create_monitoring_bucket(f"mon-{suffix}")
    topic, queue = create_alert_queue(f"alerts-{suffix}")
    with contextlib.redirect_stdout(io.StringIO()):
        infer = invoker(cold_start("inference", inference_env))
    monitor_env = {**inference_env, "MONITORING_BUCKET": monitoring, "ALERT_TOPIC_ARN": topic, "WINDOW_MINUTES": "60",
                   "LABEL_DELAY_MINUTES": "0", "MONITOR_THRESHOLDS": "{}", "POWERTOOLS_SERVICE_NAME": "monitor"}
    monitor = invoker(cold_start("monitor", monitor_env))
    return {"infer": infer, "monitor": monitor, "bucket": monitoring, "queue": queue, "env": monitor_env}


def send(stack, instances, labels=None):
    """Predict (and label the first len(labels) predictions); deliver the log lines to S3."""
    output, ids = io.StringIO(), []
    with contextlib.redirect_stdout(output):
        for batch in batches(instances, 100):
            ids += [p["prediction_id"] for p in json.loads(stack["infer"](predict_event(batch))["body"])["predictions"]]
        for batch in batches(list(zip(ids, labels if labels is not None else [])), 100):
            assert stack["infer"](feedback_event(batch))["statusCode"] == 202
    deliver(boto3.client("s3"), stack["bucket"], output.getvalue())
    return ids


def run_monitor(stack, capsys):
    event = load_event("monitor_scheduled.json")
    event["scheduled_time"] = (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()
    capsys.readouterr()
    result = stack["monitor"](event)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    metrics = next(line for line in logged if "_aws" in line)
    s3 = boto3.client("s3")
    report = json.loads(s3.get_object(Bucket=stack["bucket"], Key=result["report"])["Body"].read())
    messages = boto3.client("sqs").receive_message(QueueUrl=stack["queue"], MaxNumberOfMessages=10).get("Messages", [])
    return result, report, metrics, messages


def test_before_any_model_is_deployed_a_run_is_a_quiet_no_op(stack, caplog):
    no_model = {**stack["env"], "MODEL_VERSION": "", "MODEL_SHA256": ""}
    monitor = invoker(cold_start("monitor", no_model))
    result = monitor(load_event("monitor_scheduled.json"))  # no exception: no retry, dead letter or alarm
    assert result == {"status": "no_model", "violations": 0, "notified": False}
    assert "nothing to monitor yet" in caplog.text
    assert boto3.client("s3").list_objects_v2(Bucket=stack["bucket"]).get("KeyCount", 0) == 0
    assert boto3.client("sqs").receive_message(QueueUrl=stack["queue"]).get("Messages", []) == []


def test_healthy_traffic_gives_a_clean_report_and_no_alert(stack, dataset, capsys):
    send(stack, matrix_to_instances(dataset.features, dataset.feature_names), dataset.labels.tolist())
    result, report, metrics, messages = run_monitor(stack, capsys)
    assert result["status"] == "ok" and report["violations"] == [] and messages == []
    assert report["volume"]["predictions"] == len(dataset.labels) and report["volume"]["feedback"] == len(dataset.labels)
    ledger = report["model_quality"]["ledger"]
    assert ledger["labelled"] == len(dataset.labels) and ledger["labels_unmatched"] == 0
    assert report["model_quality"]["metrics"]["accuracy"] > 0.95
    assert metrics["Records"] == [2 * len(dataset.labels)] and metrics["DriftedFeatures"] == [0.0]
    assert metrics["LabelledFraction"] == [1.0]
    assert abs(metrics["EstimatedAccuracy"][0] - report["model_quality"]["metrics"]["accuracy"]) < 0.05


def test_drifted_traffic_raises_an_alert_with_the_summary(stack, dataset, capsys):
    instances = matrix_to_instances(dataset.features, dataset.feature_names)
    send(stack, shifted(instances, {"mean_radius": 1.6, "worst_area": 2.0}))
    result, report, metrics, messages = run_monitor(stack, capsys)
    assert result["status"] == "alert" and result["notified"] is True
    drifted = {v["feature"] for v in report["violations"] if v["check"] == "feature_drift"}
    assert {"mean_radius", "worst_area"} <= drifted
    assert metrics["DriftedFeatures"] == [float(len(report["feature_drift"]["drifted_columns"]))]
    assert len(messages) == 1 and "mean_radius drifted" in messages[0]["Body"]
    assert result["summary"] in messages[0]["Body"]
    summary = boto3.client("s3").get_object(Bucket=stack["bucket"], Key=result["summary"])["Body"].read().decode()
    assert summary.startswith(f"# Model monitor: breast-cancer") and "ALERT" in summary.splitlines()[0]


def test_the_scheduler_event_runs_the_window_it_names(stack, dataset):
    # The event file as the schedule sends it: the window is the hour before its time (delay 0).
    result = stack["monitor"](load_event("monitor_scheduled.json"))
    assert (result["window_start"], result["window_end"]) == ("2026-11-30T10:00:00+00:00", "2026-11-30T11:00:00+00:00")
    # No traffic in that hour: nothing failed, but nothing was seen either, and the report says so.
    assert result["status"] == "insufficient_data" and result["notified"] is False


def test_a_bad_threshold_configuration_fails_loudly(stack, monkeypatch):
    monkeypatch.setenv("MONITOR_THRESHOLDS", '{"psi_threshold": 0.3}')
    with pytest.raises(ValueError, match="psi_threshold"):
        stack["monitor"](load_event("monitor_scheduled.json"))


def test_a_version_without_baseline_is_refused_with_its_reason(stack, monkeypatch):
    from modelops.monitoring.run import MonitorUnavailable

    monkeypatch.setenv("MODEL_VERSION", "20200101T000000Z-00000000")
    with pytest.raises(MonitorUnavailable) as failure:
        stack["monitor"](load_event("monitor_scheduled.json"))
    assert failure.value.reason == "manifest_missing"


def test_an_unparseable_scheduled_time_is_a_clear_error(stack):
    with pytest.raises(ValueError, match="scheduled_time must be an ISO 8601 time"):
        stack["monitor"]({"scheduled_time": "tomorrow"})
