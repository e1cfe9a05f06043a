"""The built batch function (make built-smoke builds it), in a fresh python3.12 with only its
layers: plan, score and summarise events/batch_plan.json's job against the moto server."""
import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from sklearn.datasets import load_breast_cancer

from devtools.build.layout import BUILD, LAMBDA_RUNTIME, inference_path
from devtools.local.aws import create_model_bucket, create_monitoring_bucket
from devtools.local.lambda_local import EVENTS
from modelops.platform.aws_clients import client

BATCH_BUCKET = "modelops-demo-batch"


def test_the_built_batch_function_scores_the_example_job(inference_env, aws):
    data = load_breast_cancer()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["patient"] + [name.replace(" ", "_") for name in data.feature_names])
    writer.writerows([f"p{index}"] + row for index, row in enumerate(data.data[:40].tolist()))
    if BATCH_BUCKET not in [bucket["Name"] for bucket in client("s3").list_buckets()["Buckets"]]:
        create_model_bucket(BATCH_BUCKET)
    client("s3").put_object(Bucket=BATCH_BUCKET, Key="input/example.csv", Body=out.getvalue().encode() + b"p-bad,x\n")
    order = inference_path(inference_env["MODEL_RUNTIME"], function="BatchFunction")
    assert all(path.is_dir() for path in order), f"Build first (make built-smoke): {order}"
    env = {"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(map(str, order)), "AWS_ENDPOINT_URL": aws,
           "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
           "POWERTOOLS_SERVICE_NAME": "batch", "POWERTOOLS_METRICS_NAMESPACE": "built-smoke",
           "POWERTOOLS_TRACE_DISABLED": "1", "MONITORING_BUCKET": create_monitoring_bucket("built-batch-monitoring"),
           "BATCH_CHUNK_MIB": "0.004", **inference_env}
    completed = subprocess.run([sys.executable, "-S", "-B", str(Path(__file__).with_name("run_built_batch.py")),
                                str(EVENTS / "batch_plan.json")], env=env, capture_output=True, text=True, timeout=120,
                               cwd=BUILD)
    assert completed.returncode == 0, completed.stderr[-3000:]
    result = json.loads(completed.stdout.split("@@RESULT@@", 1)[1])
    summary = result["summary"]
    assert summary["status"] == "succeeded" and summary["chunks"]["planned"] > 1
    assert (summary["rows_scored"], summary["rows_refused"]) == (40, 1)
    for module, location in result["modules"].items():
        assert location.startswith(str(BUILD)) or location.startswith(str(LAMBDA_RUNTIME)), (module, location)
    if inference_env["MODEL_RUNTIME"] == "onnx":
        assert "sklearn" not in result["modules"]
