"""Fault injection: S3 throttling at cold start, and the monitor against bad capture data, an empty
window and failing storage.

Throttling is a botocore `before-send` hook answering 503 SlowDown without sending the request,
so botocore's real retry handler (standard mode, 3 attempts in all: modelops/platform/aws_clients.py) decides
what happens next; botocore's Stubber would bypass it.

Covered elsewhere, not repeated here: S3 unreachable at cold start then recovery, a wrong hash
pin, capture failure (test_inference_api.py); tampered and corrupt artifacts, missing and invalid
manifests, library version skew, unreachable S3 (unit/modelops/artifacts/test_loader.py); malformed
lines and corrupt objects in the reader (unit/modelops/capture/test_reader.py).
"""
import contextlib
import io
import json
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.retries.standard import ExponentialBackoff

from devtools.local.capture_delivery import deliver, deliver_lines
from devtools.local.lambda_local import cold_start as start_function
from devtools.local.lambda_local import invoker, load_event
from devtools.local.aws import create_monitoring_bucket
from devtools.local.traffic import predict_event
from modelops.artifacts.features import matrix_to_instances
from modelops.platform.aws_clients import CLIENT_SETTINGS, client
from modelops.monitoring.run import MonitorUnavailable
from tests.conftest import body

# "total_max_attempts" counts the first try too.
MAX_ATTEMPTS = CLIENT_SETTINGS["retries"]["total_max_attempts"]


class _Body:
    def __init__(self, data: bytes):
        self._data = data

    def stream(self, **_) -> Iterator[bytes]:
        yield self._data


class Failing:
    """A before-send hook: the first `times` requests get `status` with an S3 error `code`, as S3
    answers them, and are never sent; the rest go to the server. Counts what it saw."""

    def __init__(self, times: int, status: int = 503, code: str = "SlowDown"):
        self.times = times
        self.status = status
        self.code = code
        self.calls = 0
        self.failed = 0

    def __call__(self, request, **_) -> AWSResponse | None:
        self.calls += 1
        if self.failed >= self.times:
            return None
        self.failed += 1
        error = f"<Error><Code>{self.code}</Code><Message>Injected by the test.</Message></Error>".encode()
        return AWSResponse(request.url, self.status, {"Content-Type": "application/xml"}, _Body(error))


@contextmanager
def s3_fault(operation: str, hook: Failing) -> Iterator[Failing]:
    """`hook` on the process's S3 client (the one the functions use) for `operation`, on a fresh
    client so no other test's client carries it."""
    client.cache_clear()
    event = f"before-send.s3.{operation}"
    client("s3").meta.events.register(event, hook)
    try:
        yield hook
    finally:
        client("s3").meta.events.unregister(event, hook)
        client.cache_clear()


@pytest.fixture
def no_backoff(monkeypatch):
    """Retry at once. Which errors are retried and how often is still botocore's; only the waits go
    (throttling backs off up to 1 + 2 + 4 + 8 s over 4 retries, which would make these tests slow)."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0.0)


@pytest.fixture
def serving_env(bucket, published_model) -> dict[str, str]:
    # One runtime: the fault is in storage, which both runtimes read the same way.
    return {"MODEL_BUCKET": bucket, "MODEL_NAME": published_model.name, "MODEL_VERSION": published_model.version,
            "MODEL_SHA256": published_model.artifact.sha256, "MODEL_RUNTIME": "sklearn"}


def test_throttling_at_cold_start_is_retried_and_the_model_loads(cold_start, serving_env):
    with s3_fault("GetObject", Failing(times=MAX_ATTEMPTS - 2)) as throttled:
        invoke = cold_start(serving_env)
        assert cold_start.module.model_holder.last_failure is None  # loaded at init, within one call's retries
        assert invoke(load_event("predict_single.json"))["statusCode"] == 200
    assert throttled.failed == MAX_ATTEMPTS - 2 and throttled.calls > throttled.failed


def test_throttling_that_outlasts_the_retries_is_a_503_then_the_function_recovers(cold_start, serving_env, no_backoff):
    with s3_fault("GetObject", Failing(times=10**6)) as throttled:
        invoke = cold_start(serving_env)
        assert throttled.calls == MAX_ATTEMPTS  # one read (the manifest), every attempt throttled, then given up
        response = invoke(load_event("predict_single.json"))
        assert response["statusCode"] == 503
        error = body(response)["error"]
        assert error["code"] == "model_unavailable.storage_error" and "SlowDown" in error["message"]
        throttled.times = 0  # S3 stops throttling: the same environment loads the model on the next request
        assert invoke(load_event("predict_single.json"))["statusCode"] == 200
        assert cold_start.module.model_holder.last_failure is None


@pytest.fixture
def monitor(aws, serving_env, monkeypatch, request):
    """The monitor function on a fresh monitoring bucket; its environment is undone afterwards."""
    monitoring = create_monitoring_bucket(f"faults-{request.node.name.replace('_', '-')[:40]}")
    env = {**serving_env, "MONITORING_BUCKET": monitoring, "ALERT_TOPIC_ARN": "", "WINDOW_MINUTES": "60",
           "LABEL_DELAY_MINUTES": "0", "MONITOR_THRESHOLDS": "{}", "POWERTOOLS_SERVICE_NAME": "monitor"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    run = invoker(start_function("monitor", env))

    def invoke() -> tuple[dict, dict]:
        event = {"scheduled_time": (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()}
        with contextlib.redirect_stdout(io.StringIO()):
            result = run(event)
        report = json.loads(boto3.client("s3").get_object(Bucket=monitoring, Key=result["report"])["Body"].read())
        return result, report

    invoke.bucket = monitoring
    return invoke


def test_malformed_records_a_corrupt_object_and_an_extreme_request_give_a_report(monitor, serving_env):
    from training.cleaning import clean
    from training.data import load_bundled

    data = clean(load_bundled())[0]
    instances = matrix_to_instances(data.features[:40], data.feature_names)
    infer = invoker(start_function("inference", serving_env))
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        assert infer(predict_event(instances))["statusCode"] == 200
        # The API refuses values beyond float32 (value_out_of_range), so such a record can only come
        # from elsewhere; it is written below: 1e200 squared is inf, which crashed the window's
        # moments before values beyond 1e100 were counted as non-finite.
        assert infer(predict_event([dict(instances[0], mean_radius=1e200)]))["statusCode"] == 422
    s3 = boto3.client("s3")
    deliver(s3, monitor.bucket, output.getvalue())
    record = next(json.loads(line) for line in output.getvalue().splitlines() if '"record_type"' in line)

    def variant(**changes) -> str:
        return json.dumps({**record, **changes})

    text = json.dumps(dict(record, inputs={**record["inputs"], "mean_radius": 0})).replace(
        '"mean_radius": 0', '"mean_radius": 1' + "0" * 400)  # an int no float holds: crashed the matrix
    deliver_lines(s3, monitor.bucket, [
        "not json at all", '{"no_time": 1}',
        variant(schema_version=99), text,
        variant(output={"label": 0, "probabilities": {"0": 1e308, "1": 1e308}}),
        variant(inputs={"tumour_colour": 3.0}),
        variant(inputs={**record["inputs"], "mean_radius": 1e200}),
    ])
    now = datetime.now(timezone.utc)
    s3.put_object(Bucket=monitor.bucket, Key=f"capture/{now:%Y/%m/%d/%H}/corrupt.gz", Body=b"\x1f\x8b" + b"junk" * 20)

    result, report = monitor()
    volume = report["volume"]
    assert volume["predictions"] == 41 and volume["malformed_lines"] == 2 and volume["unreadable_objects"] == 1
    assert volume["invalid_reasons"] == {"schema_version": 1, "inputs": 1, "output": 1, "unknown_feature": 1}
    # A finite 1e200 is out of range, not non-finite (only +/-inf is): issue 15, item 11.
    assert report["data_quality"]["mean_radius"]["non_finite_rate"] == 0
    checks = {violation["check"] for violation in report["violations"]}
    assert {"invalid_records", "unreadable_capture"} <= checks and result["status"] == "alert"


def test_an_empty_window_gives_a_report_of_insufficient_data(monitor):
    result, report = monitor()
    assert result["status"] == "insufficient_data" and report["volume"]["records"] == 0
    assert report["feature_drift"]["verdict"] == "insufficient_data"
    assert report["model_quality"]["status"] == "insufficient_labels"


@pytest.mark.parametrize("operation, status, code", [
    ("GetObject", 503, "SlowDown"),  # the manifest read: was reported as manifest_missing
    ("ListObjectsV2", 500, "InternalError"),  # listing the window's capture objects
])
def test_s3_failing_during_the_monitor_run_is_a_storage_error(monitor, operation, status, code, no_backoff):
    with s3_fault(operation, Failing(times=10**6, status=status, code=code)) as failing:
        with pytest.raises(MonitorUnavailable) as failure:
            monitor()
    assert failure.value.reason == "storage_error" and code in failure.value.message
    assert failing.calls == MAX_ATTEMPTS
