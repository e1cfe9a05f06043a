"""The inference rows of `make bench`: cold init of the built function per runtime beside its
floors, warm handler latency beside a bare handler written the way the `sam init` scikit-learn
template writes it, batch throughput, and deployment sizes against Lambda's limit."""
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Callable

import numpy as np

from devtools.built_layout import BUILD, ROOT, inference_path
from devtools.lambda_local import cold_start, invoker
from devtools.traffic import predict_event, rows_as_instances

COLD_RUNS = 5
WARM_CALLS = {1: 2000, 100: 300}


def _layer_path(runtime: str) -> list[str]:
    return [str(path) for path in inference_path(runtime)]


def _fresh_process_seconds(code: str, path: list[str], env: dict[str, str]) -> float:
    """Median over COLD_RUNS fresh `python -S` processes of the time `code` reports."""
    runs = []
    for _ in range(COLD_RUNS):
        result = subprocess.run([sys.executable, "-S", "-B", "-c", code], capture_output=True, text=True, check=True,
                                cwd=BUILD, env={"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(path), **env})
        runs.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def cold_rows(env_for: Callable[[str], dict[str, str]]) -> list[tuple[str, str]]:
    if not (BUILD / "OnnxRuntimeLayer").is_dir():
        return [("cold init", "not measured: run `make build ARCH=x86_64` first")]
    timed = "import time; t = time.perf_counter(); {body}; print(time.perf_counter() - t)"
    first = ("import app, json; event = json.load(open('{event}')); "
             "app.lambda_handler(event, type('C', (), {{'function_name': 'f', 'memory_limit_in_mb': 1024, "
             "'invoked_function_arn': 'arn:aws:lambda:us-east-1:1:function:f', 'aws_request_id': 'r'}})())")
    event = ROOT / "events" / "predict_single.json"
    rows = [("floor: import numpy", f"{_fresh_process_seconds(timed.format(body='import numpy'), _layer_path('onnx'), {}) * 1000:.0f} ms"),
            ("floor: import sklearn.linear_model",
             f"{_fresh_process_seconds(timed.format(body='import sklearn.linear_model'), _layer_path('sklearn'), {}) * 1000:.0f} ms")]
    for runtime in ("onnx", "sklearn"):
        seconds = _fresh_process_seconds(timed.format(body=first.format(event=event)), _layer_path(runtime), env_for(runtime))
        rows.append((f"built function, {runtime}: import, fetch, verify, load, first prediction", f"{seconds * 1000:.0f} ms"))
    return rows


def bare_handler(pipeline: Any) -> Callable[[dict, Any], dict]:
    """The `sam init` template's handler shape: json.loads, predict_proba, json.dumps, nothing else."""
    def handler(event: dict, context: Any) -> dict:
        body = json.loads(event["body"])
        rows = [list(instance.values()) for instance in body["instances"]]
        probabilities = pipeline.predict_proba(np.asarray(rows, dtype=float))
        return {"statusCode": 200, "body": json.dumps({"probabilities": probabilities.tolist()})}
    return handler


def _latencies(call: Callable[[dict], Any], event: dict, calls: int) -> tuple[float, float]:
    for _ in range(20):
        call(event)  # warm caches
    samples = []
    for _ in range(calls):
        started = time.perf_counter_ns()
        call(event)
        samples.append((time.perf_counter_ns() - started) / 1000)
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)]


def warm_rows(env_for: Callable[[str], dict[str, str]], pipeline: Any, features: np.ndarray,
              names: list[str]) -> list[tuple[str, str, str, str]]:
    rows = []
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # logs and capture go somewhere, as on Lambda
        handlers = {runtime: invoker(cold_start("inference", env_for(runtime))) for runtime in ("onnx", "sklearn")}
        baseline = bare_handler(pipeline)
        for size, calls in WARM_CALLS.items():
            event = predict_event(rows_as_instances(features[:size], names))
            base_p50, base_p99 = _latencies(lambda e: baseline(e, None), event, calls)
            results = {runtime: _latencies(handler, event, calls) for runtime, handler in handlers.items()}
            rows.append((f"bare sam-init-style handler (sklearn), {size} row(s)", f"{base_p50:.0f} µs", f"{base_p99:.0f} µs",
                         f"{size / base_p50 * 1e6:,.0f} rows/s"))
            for runtime, (p50, p99) in results.items():
                rows.append((f"our handler, {runtime}, {size} row(s)", f"{p50:.0f} µs", f"{p99:.0f} µs",
                             f"{size / p50 * 1e6:,.0f} rows/s; {base_p50 / p50:.1f}x the bare handler"))
    return rows


def size_rows() -> list[tuple[str, str]]:
    from devtools.build_sizes import LAMBDA_LIMIT, tree_size
    from devtools.built_layout import DEPLOYMENTS

    if not BUILD.is_dir():
        return [("sizes", "not measured: run `make build` first")]
    architecture = (BUILD / "OnnxRuntimeLayer" / "python" / ".layer-architecture")
    arch = architecture.read_text().strip() if architecture.exists() else "?"
    rows = []
    for label, (function, layers) in DEPLOYMENTS.items():
        parts = [BUILD / function, *(BUILD / layer for layer in layers)]
        if all(part.is_dir() for part in parts):
            total = sum(tree_size(part) for part in parts)
            rows.append((f"{label} + layers ({arch})", f"{total / 1e6:.1f} MB = {total / LAMBDA_LIMIT:.0%} of the limit"))
    return rows
