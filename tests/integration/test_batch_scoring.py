"""Batch scoring end to end on the moto server, the way the state machine runs it (plan -> Map
children -> summarise, devtools/batch/local_job.py), with the published model on both runtimes."""
import csv
import gzip
import io
import json
from datetime import datetime, timedelta

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from devtools.batch.local_job import run_job
from devtools.local.aws import create_monitoring_bucket
from modelops.artifacts.loader import load_verified_model
from modelops.artifacts.store import ModelStore
from modelops.batch.errors import BatchJobRefused
from modelops.batch.settings import BatchSettings
from modelops.capture.reader import CaptureReader
from modelops.platform.aws_clients import client
from modelops.serving.scoring import probabilities

DATA = load_breast_cancer()
NAMES = [name.replace(" ", "_") for name in DATA.feature_names]
STARTED = "2026-12-04T10:15:00.000Z"


@pytest.fixture(scope="module")
def buckets(aws):
    s3 = client("s3")
    for name in ("batch-in", "batch-out"):
        s3.create_bucket(Bucket=name)
    return s3, create_monitoring_bucket("batch-monitoring")


def _settings(env: dict[str, str], monitoring: str, chunk_bytes: int = 4096, capture: float = 1.0) -> BatchSettings:
    return BatchSettings.model_validate({**env, "MONITORING_BUCKET": monitoring, "BATCH_CHUNK_MIB": chunk_bytes / 2**20,
                                         "BATCH_CAPTURE_SAMPLE_RATE": capture})


def _csv(rows: np.ndarray, extra: list[str] = ()) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["patient"] + NAMES)
    writer.writerows([f"p{index}"] + row for index, row in enumerate(rows.tolist()))
    return out.getvalue().encode() + "".join(line + "\r\n" for line in extra).encode()


def _objects(s3, bucket: str, prefix: str) -> dict[str, bytes]:
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            found[obj["Key"]] = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
    return found


def _predictions(objects: dict[str, bytes]) -> list[dict[str, str]]:
    rows = []
    for key in sorted(objects):
        if "/predictions/" in key:
            rows += list(csv.DictReader(io.StringIO(objects[key].decode())))
    return rows


def test_a_csv_is_scored_like_the_api_with_bad_rows_set_aside(buckets, inference_env, bucket):
    s3, monitoring = buckets
    rows = DATA.data[:300]
    bad = ["bad1," + ",".join(["x"] * 30), "", "bad2," + ",".join(["1e308"] * 30), "short,1,2"]
    s3.put_object(Bucket="batch-in", Key="jobs/a/data.csv", Body=b"\xef\xbb\xbf" + _csv(rows, bad))
    request = {"input": "s3://batch-in/jobs/a/", "output": f"s3://batch-out/{inference_env['MODEL_RUNTIME']}/",
               "id_column": "patient"}
    summary = run_job(request, _settings(inference_env, monitoring), s3, job_id="job-1", started_at=STARTED,
                      chunks_per_worker=2)

    assert summary["status"] == "succeeded" and summary["chunks"]["planned"] > 5
    assert (summary["rows_read"], summary["rows_scored"], summary["rows_refused"]) == (303, 300, 3)
    assert summary["blank_lines"] == 1 and summary["model"]["runtime"] == inference_env["MODEL_RUNTIME"]
    outputs = _objects(s3, "batch-out", f"{inference_env['MODEL_RUNTIME']}/")
    scored = _predictions(outputs)
    assert [row["patient"] for row in scored] == [f"p{i}" for i in range(300)]
    model = load_verified_model(ModelStore(s3, bucket), inference_env["MODEL_NAME"], inference_env["MODEL_VERSION"],
                                inference_env["MODEL_SHA256"], inference_env["MODEL_RUNTIME"])
    expected = probabilities(model.pipeline, rows)
    got = np.array([[float(row["probability_0"]), float(row["probability_1"])] for row in scored])
    np.testing.assert_allclose(got, expected, rtol=1e-6)
    errors = [json.loads(line) for key, body in outputs.items() if "/errors/" in key for line in body.splitlines()]
    assert {(e["id"], e["code"]) for e in errors} == {("bad1", "validation_error"), ("bad2", "value_out_of_range"),
                                                     ("short", "validation_error")}
    assert all(e["source"] == "data.csv" and e["row"].startswith(e["id"]) for e in errors)
    assert json.loads(outputs[f"{inference_env['MODEL_RUNTIME']}/summary.json"]) == summary


def test_a_rerun_writes_the_same_keys_and_a_retried_chunk_the_same_bytes(buckets, inference_env):
    s3, monitoring = buckets
    s3.put_object(Bucket="batch-in", Key="jobs/b.csv", Body=_csv(DATA.data[:120]))
    request = {"input": "s3://batch-in/jobs/b.csv", "output": "s3://batch-out/rerun", "ignore_columns": ["patient"]}
    settings = _settings(inference_env, monitoring, chunk_bytes=2048)
    run_job(request, settings, s3, job_id="job-2", started_at=STARTED)
    first = _objects(s3, "batch-out", "rerun/")
    run_job(request, settings, s3, job_id="job-2", started_at=STARTED, chunks_per_worker=3)
    retried = _objects(s3, "batch-out", "rerun/")
    assert retried.keys() == first.keys()
    rows = [key for key in first if "/predictions/" in key or "/errors/" in key]
    assert rows and all(retried[key] == first[key] for key in rows)  # a retry inside the job changes no row
    run_job(request, settings, s3, job_id="job-3", started_at=STARTED)
    again = _objects(s3, "batch-out", "rerun/")
    assert again.keys() == first.keys()  # a new run of the same input overwrites, never adds
    assert len(_predictions(again)) == 120


def test_chunking_does_not_change_the_results(buckets, inference_env):
    s3, monitoring = buckets
    s3.put_object(Bucket="batch-in", Key="jobs/c.csv", Body=_csv(DATA.data[:200]))
    results = []
    for chunk_bytes in (1024, 10 ** 7):
        output = f"chunks-{chunk_bytes}/"
        run_job({"input": "s3://batch-in/jobs/c.csv", "output": f"s3://batch-out/{output}", "id_column": "patient"},
                _settings(inference_env, monitoring, chunk_bytes), s3, job_id="job-4", started_at=STARTED)
        results.append(_predictions(_objects(s3, "batch-out", output)))
    identity = [[{k: v for k, v in row.items() if not k.startswith("probability_")} for row in rows] for rows in results]
    assert identity[0] == identity[1] and len(identity[0]) == 200
    # The same rows scored in other batch sizes: equal up to the last bits of BLAS's summation order.
    np.testing.assert_allclose(*[[float(row["probability_1"]) for row in rows] for rows in results], rtol=1e-9)


def test_jsonl_input_gets_jsonl_output_with_the_api_codes(buckets, inference_env):
    s3, monitoring = buckets
    lines = [json.dumps({"id": i, **dict(zip(NAMES, row))}) for i, row in enumerate(DATA.data[:10].tolist())]
    lines += ['{"mean_radius": "x"}', '{"nope": 1}', "{oops"]
    s3.put_object(Bucket="batch-in", Key="jsonl/in.jsonl", Body="\n".join(lines).encode())
    summary = run_job({"input": "s3://batch-in/jsonl/", "output": "s3://batch-out/jsonl-out/", "id_column": "id"},
                      _settings(inference_env, monitoring), s3, job_id="job-5", started_at=STARTED)
    assert summary["refused_by_code"] == {"invalid_json": 1, "unknown_feature": 1, "validation_error": 1}
    outputs = _objects(s3, "batch-out", "jsonl-out/predictions/")
    scored = [json.loads(line) for body in outputs.values() for line in body.splitlines()]
    assert [row["id"] for row in scored] == [str(i) for i in range(10)]
    assert {"prediction_id", "label", "probabilities", "source", "offset"} <= set(scored[0])


def test_batch_predictions_are_captured_for_the_monitor_marked_as_batch(buckets, inference_env):
    s3, monitoring = buckets
    s3.put_object(Bucket="batch-in", Key="capture/d.csv", Body=_csv(DATA.data[:50]))
    run_job({"input": "s3://batch-in/capture/d.csv", "output": "s3://batch-out/capture-out/", "id_column": "patient"},
            _settings(inference_env, monitoring), s3, job_id="job-capture", started_at=STARTED)
    start = datetime.fromisoformat(STARTED.replace("Z", "+00:00"))
    records = [record for record in CaptureReader(s3, monitoring).records(start, start + timedelta(minutes=1))
               if record.get("origin") == "batch" and record["model_version"] == inference_env["MODEL_VERSION"]]
    scored = _predictions(_objects(s3, "batch-out", "capture-out/"))
    assert {r["prediction_id"] for r in records} >= {row["prediction_id"] for row in scored}
    assert all(set(r["inputs"]) == set(NAMES) and r["time"] == STARTED for r in records)


def test_batch_capture_is_a_stable_sample_at_the_batch_rate(buckets, inference_env):
    s3, monitoring = buckets
    s3.put_object(Bucket="batch-in", Key="sample/s.csv", Body=_csv(DATA.data[np.arange(2000) % len(DATA.data)]))
    request = {"input": "s3://batch-in/sample/s.csv", "output": "s3://batch-out/sample/", "id_column": "patient"}
    counts = [run_job(request, _settings(inference_env, monitoring, 10 ** 6, capture=0.1), s3, job_id="job-sample",
                      started_at=STARTED)["capture_records"] for _ in range(2)]
    assert counts[0] == counts[1] and 140 <= counts[0] <= 260  # 10% of 2,000, the same rows on a retry


def test_a_failed_chunk_makes_the_job_partial_and_is_named(buckets, inference_env):
    s3, monitoring = buckets
    s3.put_object(Bucket="batch-in", Key="partial/e.csv", Body=_csv(DATA.data[:100]))
    summary = run_job({"input": "s3://batch-in/partial/e.csv", "output": "s3://batch-out/partial/", "id_column": "patient"},
                      _settings(inference_env, monitoring, 2048), s3, job_id="job-6", started_at=STARTED,
                      skip_chunks={1})
    assert summary["status"] == "partial" and summary["chunks"]["failed"] == 1
    assert summary["failed_chunks"][0]["source"] == "e.csv" and summary["rows_scored"] < 100


@pytest.mark.parametrize("request_fields, reason", [
    ({"input": "s3://batch-in/refusals/x.csv", "output": "s3://batch-out/r/", "ignore_columns": []}, "unknown_feature"),
    ({"input": "s3://batch-in/refusals/", "output": "s3://batch-in/refusals/out/"}, "invalid_location"),
    ({"input": "s3://batch-in/nothing-here/", "output": "s3://batch-out/r/"}, "no_input"),
    ({"input": "batch-in/x.csv", "output": "s3://batch-out/r/"}, "invalid_location"),
    ({"input": "s3://batch-in/refusals/x.csv", "output": "s3://batch-out/r/", "model_version": "nope"}, "no_model"),
    ({"input": "s3://batch-in/refusals/x.csv", "output": "s3://batch-out/r/", "colour": "red"}, "invalid_request"),
])
def test_a_job_that_cannot_run_is_refused_before_scoring(buckets, inference_env, request_fields, reason):
    s3, monitoring = buckets
    s3.put_object(Bucket="batch-in", Key="refusals/x.csv", Body=b"mean_radius,target\n1,0\n")
    with pytest.raises(BatchJobRefused) as refused:
        run_job(request_fields, _settings(inference_env, monitoring), s3, job_id="job-7", started_at=STARTED)
    assert refused.value.reason == reason and refused.value.message


def test_ignored_columns_and_skipped_objects_are_reported(buckets, inference_env):
    s3, monitoring = buckets
    s3.put_object(Bucket="batch-in", Key="mixed/x.csv", Body=b"mean_radius;target\n14;0\n20;1\n")
    s3.put_object(Bucket="batch-in", Key="mixed/notes.md", Body=b"# notes")
    summary = run_job({"input": "s3://batch-in/mixed/", "output": "s3://batch-out/mixed/", "ignore_columns": ["target"]},
                      _settings(inference_env, monitoring), s3, job_id="job-8", started_at=STARTED)
    assert summary["rows_scored"] == 2 and summary["skipped_count"] == 1
    assert summary["skipped_objects"][0]["key"] == "mixed/notes.md"


def test_the_plan_returns_every_path_the_state_machine_reads(buckets, inference_env):
    from modelops.batch import steps
    from tests.unit.infra.test_batch_state_machine import PLAN_OUTPUT_PATHS

    s3, monitoring = buckets
    s3.put_object(Bucket="batch-in", Key="paths/x.csv", Body=b"mean_radius\n14\n")
    planned = steps.plan({"input": "s3://batch-in/paths/x.csv", "output": "s3://batch-out/paths/"},
                         "job-9", STARTED, _settings(inference_env, monitoring), s3)
    json.dumps(planned)  # it travels as the state's JSON
    items = json.loads(s3.get_object(Bucket=planned["plan"]["bucket"], Key=planned["plan"]["key"])["Body"].read())
    assert items and all(len(item["chunks"]) >= 1 for item in items)  # $$.Map.Item.Value.chunks, per child
    for path in PLAN_OUTPUT_PATHS:
        value = planned
        for part in path.removeprefix("$.").split("."):
            value = value[part]
        assert value not in (None, ""), path
