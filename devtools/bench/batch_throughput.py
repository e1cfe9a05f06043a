"""Batch scoring throughput: one worker scoring a 30-feature CSV chunk by chunk (read, parse,
score, write predictions and capture), per runtime, each in a fresh process (so peak RSS is that
run's alone). S3 is in memory (devtools/bench/memory_s3.py): the table adds S3's transfer at a
stated bandwidth instead of timing a local emulator. Then the wall time and cost of 10M and 100M
rows at several Map concurrencies, projected from the measured rate and Lambda's and Step
Functions' published prices. A third run scores a model with categorical features (30 columns, 3
of them categorical, as devtools/bench/training_scaling.py trains on), on ONNX Runtime."""
import contextlib
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROWS = 1_000_000
CHUNK_MIB = 16.0
# Published prices, us-east-1, December 2026 (aws.amazon.com/lambda/pricing, /step-functions/pricing).
LAMBDA_GB_SECOND = {"x86_64": 0.0000166667, "arm64": 0.0000133334}
LAMBDA_REQUEST = 0.20 / 1e6
STANDARD_TRANSITION = 0.025 / 1000  # Standard workflows: the parent's and each child's state transitions
CHILD_TRANSITIONS = 2  # a Map child (a Standard workflow of one Task state): into the task, and out to its end
S3_GET, S3_PUT = 0.0004 / 1000, 0.005 / 1000
WORKER_GB = 2.0  # template.yaml BatchFunction MemorySize
# What one worker reads from S3: a stated figure, not a measurement (single-stream GETs from
# Lambda are commonly 50-100 MB/s; the table uses the lower end).
S3_MB_PER_SECOND = 50.0


def make_csv(rows: int, names: list[str], features: np.ndarray, seed: int = 0) -> bytes:
    rng = np.random.default_rng(seed)
    picked = features[rng.integers(0, len(features), rows)] * rng.normal(1.0, 0.02, (rows, len(names)))
    out = io.StringIO()
    out.write("id," + ",".join(names) + "\n")
    np.savetxt(out, np.column_stack([np.arange(rows), picked]), delimiter=",", fmt=["%d"] + ["%.6g"] * len(names))
    return out.getvalue().encode()


def make_mixed_csv(rows: int, names: list[str], kinds: list[str], seed: int = 0) -> bytes:
    """An id column and the mixed model's columns: numbers, and categories training saw."""
    rng = np.random.default_rng(seed)
    table = np.empty((rows, len(names) + 1), dtype=object)
    table[:, 0] = np.arange(rows)
    for column, kind in enumerate(kinds, start=1):
        table[:, column] = (np.array(list("abcd"))[rng.integers(0, 4, rows)] if kind == "categorical"
                            else rng.normal(size=rows))
    out = io.StringIO()
    out.write("id," + ",".join(names) + "\n")
    np.savetxt(out, table, delimiter=",", fmt=["%d"] + ["%s" if kind == "categorical" else "%.6g" for kind in kinds])
    return out.getvalue().encode()


def _train_mixed(bucket: str) -> Any:
    """A logistic regression on training_scaling's table (27 numeric and 3 categorical columns)."""
    from devtools.bench.training_scaling import write_table
    from modelops.platform.aws_clients import client
    from training.registry import ModelRegistry
    from training.train import main

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mixed.csv"
        write_table(path, 5_000)
        if main(["--bucket", bucket, "--data", str(path), "--target", "label", "--name", "mixed",
                 "--estimator", "logistic_regression"]) != 0:
            raise SystemExit("training the mixed model failed")
    store = ModelRegistry(client("s3"), bucket)
    return store.read_manifest("mixed", store.latest_version("mixed"))


def run_worker(runtime: str, rows: int, table_kind: str = "numeric") -> dict:
    """In this process: train, publish (moto), load through the verified loader, score every chunk."""
    from devtools.bench.memory_s3 import MemoryS3
    from devtools.local.aws import create_model_bucket, create_monitoring_bucket, moto_server
    from devtools.local.serve import function_environment, train
    from modelops.artifacts.loader import load_verified_model
    from modelops.artifacts.store import ModelStore
    from modelops.batch.chunks import cut
    from modelops.batch.job import Chunk, Job, ModelPin
    from modelops.batch.settings import BatchSettings
    from modelops.batch.worker import score_chunk
    from modelops.platform.aws_clients import client
    from training.data import load_bundled

    with moto_server():
        bucket = create_model_bucket()
        manifest = (_train_mixed(bucket) if table_kind == "mixed"
                    else train(bucket, "breast-cancer", "logistic_regression"))
        env = function_environment(bucket, manifest, runtime)
        model = load_verified_model(ModelStore(client("s3"), bucket), manifest.name, manifest.version,
                                    env["MODEL_SHA256"], runtime)
    if table_kind == "mixed":
        data = make_mixed_csv(rows, manifest.feature_names, [feature.kind for feature in manifest.features])
    else:
        table = load_bundled()
        data = make_csv(rows, table.feature_names, np.array(table.rows))
    s3 = MemoryS3()
    s3.put_object(Bucket="in", Key="data.csv", Body=data)
    header_end = data.index(b"\n") + 1
    columns = data[:header_end - 1].decode().split(",")
    job = Job(job_id="bench", started_at="2026-12-04T12:00:00.000Z", input="s3://in/data.csv", output="s3://out/",
              id_column="id", model=ModelPin(name=manifest.name, version=manifest.version, sha256=env["MODEL_SHA256"],
                                             runtime=runtime))
    chunks = [Chunk(bucket="in", key="data.csv", source="data.csv", etag=s3.etag("in", "data.csv"), size=len(data),
                    start=start, end=end, format="csv", columns=columns)
              for start, end in cut(len(data), header_end, int(CHUNK_MIB * 2**20))]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_started = time.perf_counter(), time.process_time()
    rate = BatchSettings().capture_sample_rate  # the template's default BatchCaptureSampleRate
    scored = sum(score_chunk(job, chunk, model, s3, "monitoring", rate).rows_scored for chunk in chunks)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    # What one chunk costs the worker in memory (Python and numpy allocations, traced), apart from
    # the input and outputs this benchmark holds in memory instead of S3.
    import tracemalloc

    tracemalloc.start()
    score_chunk(job, chunks[0], model, s3, "monitoring", rate)
    chunk_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    label = runtime + (" mixed" if table_kind == "mixed" else "")
    return {"chunk_peak_mb": chunk_peak / 1e6, "runtime": label, "rows": scored, "seconds": seconds,
            "cpu_seconds": cpu_seconds, "input_mb": len(data) / 1e6,
            "written_mb": s3.bytes_written / 1e6 - len(data) / 1e6, "chunks": len(chunks),
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "rss_before_mb": before / 1024}


def measure(rows: int = ROWS) -> list[dict]:
    results = []
    for runtime, table_kind in (("onnx", "numeric"), ("sklearn", "numeric"), ("onnx", "mixed")):
        completed = subprocess.run([sys.executable, "-m", "devtools.bench.batch_throughput", runtime, str(rows),
                                    table_kind], capture_output=True, text=True, check=True)
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    return results


def print_tables(results: list[dict]) -> None:
    print(f"\nBatch scoring, one worker, {results[0]['rows']:,} rows x 30 features CSV "
          f"({results[0]['input_mb']:.0f} MB, {results[0]['chunks']} chunks of {CHUNK_MIB:.0f} MiB), "
          "read + parse + score + write predictions and capture; S3 in memory")
    print(f"{'runtime':<12}{'seconds':>9}{'rows/s':>11}{'+ S3 at ' + str(int(S3_MB_PER_SECOND)) + ' MB/s':>18}"
          f"{'heap per chunk':>16}{'process RSS':>13}{'CPU s':>8}")
    for r in results:
        with_s3 = r["seconds"] + (r["input_mb"] + r["written_mb"]) / S3_MB_PER_SECOND
        r["rows_per_second_with_s3"] = r["rows"] / with_s3
        print(f"{r['runtime']:<12}{r['seconds']:>9.2f}{r['rows'] / r['seconds']:>11,.0f}"
              f"{r['rows_per_second_with_s3']:>18,.0f}{r['chunk_peak_mb']:>13.0f} MB{r['peak_rss_mb']:>10.0f} MB"
              f"{r['cpu_seconds']:>8.2f}")
    print("(process RSS includes the input and every output held in memory by this benchmark, and training;\n"
          " CPU s is the worker's processor time, all threads: beside the wall time, it shows what other load took)")
    onnx = results[0]
    rate = onnx["rows_per_second_with_s3"]
    rows_per_chunk = onnx["rows"] / onnx["chunks"]
    print(f"\nProjected from the onnx rate with S3 ({rate:,.0f} rows/s per worker), 2 GB arm64 workers, "
          f"{CHUNK_MIB:.0f} MiB chunks ({rows_per_chunk:,.0f} rows); excludes cold starts (~1 s per worker) and the plan step")
    print(f"{'rows':>12}{'concurrency':>13}{'wall time':>12}{'cost':>10}")
    for total in (10_000_000, 100_000_000):
        chunks = total / rows_per_chunk
        worker_seconds = total / rate
        cost = (worker_seconds * WORKER_GB * LAMBDA_GB_SECOND["arm64"]
                + chunks * (LAMBDA_REQUEST + CHILD_TRANSITIONS * STANDARD_TRANSITION)
                + chunks * (2 * S3_GET + 4 * S3_PUT) + 10 * STANDARD_TRANSITION)
        for concurrency in (10, 100, 1000):
            waves = np.ceil(chunks / concurrency)
            wall = waves * rows_per_chunk / rate
            print(f"{total:>12,}{concurrency:>13,}{wall:>10.0f} s{cost:>9.2f} $")


def main() -> None:
    print_tables(measure())


if __name__ == "__main__":
    if len(sys.argv) in (3, 4):
        with contextlib.redirect_stdout(sys.stderr):  # training's and moto's chatter
            result = run_worker(sys.argv[1], int(sys.argv[2]), *sys.argv[3:])
        print(json.dumps(result))
    else:
        main()
