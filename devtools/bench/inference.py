"""The inference rows of `make bench`: cold init of the built function per runtime beside its
floors, warm handler latency beside a bare handler written the way the `sam init` scikit-learn
template writes it, batch throughput, and deployment sizes against Lambda's limit."""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

import joblib
import numpy as np

from devtools.build.layout import BUILD, ROOT, inference_path
from devtools.local.traffic import dataset_instances, predict_event
from modelops.artifacts.features import matrix_to_instances

COLD_RUNS = 9
WARM_CALLS = {1: 2000, 100: 300}
NOT_BUILT = "not measured: run `make build ARCH=x86_64` first"
ONNX_FLOOR = "import botocore.session, numpy, onnxruntime; botocore.session.get_session().create_client('s3')"


# The bare handler's libraries for its cold start: what `sam build` gives a bare `sam init`-style
# function, the same pinned versions installed by pip as published (make bench installs them), not
# our trimmed layer, whose deferred imports (scipy.stats) would credit the baseline with our work.
# "plain" names that install. Its warm latency is measured on our layer, as before: a warm request
# imports nothing.
BARE_SITE = ROOT / ".cache" / "bench-bare-sklearn"
PLAIN = "plain"


def _layer_path(runtime: str) -> list[str]:
    if runtime == PLAIN:
        if not (BARE_SITE / ".installed").exists():
            raise SystemExit(f"{BARE_SITE} is missing: run `make bench`, which installs the bare handler's libraries")
        return [str(BARE_SITE)]
    return [str(path) for path in inference_path(runtime)]


def _fresh_process_seconds(code: str, path: list[str], env: dict[str, str]) -> float:
    """Median over COLD_RUNS fresh `python -S` processes of the time `code` reports."""
    runs = []
    for _ in range(COLD_RUNS):
        result = subprocess.run([sys.executable, "-S", "-B", "-c", code], capture_output=True, text=True, check=True,
                                cwd=BUILD, env={"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(path), **env})
        runs.append(float(result.stdout.strip().splitlines()[-1]))
    return statistics.median(runs)


def _interleaved_cold_ms(handlers: dict[str, tuple[str, str, dict[str, str], Path | None, Path | None]],
                         event_file: Path) -> dict[str, float]:
    """Median cold start of each handler (kind, runtime, env, model file, function dir), the runs
    taken in turns (one of each, COLD_RUNS times): a slow spell of this shared machine then falls
    on every handler alike instead of on whichever ran during it, and the ratios hold."""
    runs: dict[str, list[float]] = {name: [] for name in handlers}
    for _ in range(COLD_RUNS):
        for name, (kind, runtime, env, model_file, function_dir) in handlers.items():
            runs[name].append(_warm_process(kind, runtime, event_file, 0, env, model_file, function_dir)["ms"])
    return {name: statistics.median(times) for name, times in runs.items()}


def _bundled_function(scratch: str, runtime: str, env: dict[str, str]) -> Path:
    """A copy of the built function with the model packaged the way `make deploy` packages it."""
    import boto3

    from devtools.deploy.command import bundle_model

    function_dir = Path(scratch) / f"InferenceFunction-{runtime}"
    shutil.copytree(BUILD / "InferenceFunction", function_dir)
    bundle_model(function_dir, boto3.client("s3"), env["MODEL_BUCKET"],
                 {"ModelName": env["MODEL_NAME"], "ModelVersion": env["MODEL_VERSION"], "ModelRuntime": runtime,
                  "ModelSha256": env["MODEL_SHA256"]})
    return function_dir


def cold_rows(env_for: Callable[[str], dict[str, str]], pipeline: Any, features: np.ndarray,
              names: list[str]) -> list[tuple[str, str]]:
    """The bare handler's cold start, the floors, then ours per runtime as a ratio of the bare one's."""
    if not (BUILD / "OnnxRuntimeLayer").is_dir():
        return [("cold init", NOT_BUILT)]
    timed = "import time; t = time.perf_counter(); {body}; print(time.perf_counter() - t)"

    def floor(body: str, runtime: str, env: dict[str, str]) -> float:
        return _fresh_process_seconds(timed.format(body=body), _layer_path(runtime), env) * 1000

    with tempfile.TemporaryDirectory() as scratch:
        model_file = Path(scratch) / "model.joblib"  # the sam init template ships the model in the package
        joblib.dump(pipeline, model_file)
        event_file = _event_file(scratch, matrix_to_instances(features, names), 1)
        handlers = {"bare": ("cold-bare", PLAIN, {}, model_file, None),
                    "bare, our layer": ("cold-bare", "sklearn", {}, model_file, None)}
        for runtime in ("onnx", "sklearn"):
            handlers[runtime] = ("cold-ours", runtime, env_for(runtime), None, None)
            handlers[f"{runtime}, packaged"] = ("cold-ours", runtime, env_for(runtime), None,
                                                _bundled_function(scratch, runtime, env_for(runtime)))
        cold = _interleaved_cold_ms(handlers, event_file)
        bare = cold["bare"]
        rows = [("bare sam-init-style handler (sklearn, as pip installs it): import, load from the package, first prediction",
                 f"{bare:.0f} ms"),
                ("the same bare handler on our trimmed scikit-learn layer", f"{cold['bare, our layer']:.0f} ms"),
                ("floor: import numpy", f"{floor('import numpy', 'onnx', {}):.0f} ms"),
                ("floor: import sklearn.linear_model", f"{floor('import sklearn.linear_model', 'sklearn', {}):.0f} ms"),
                # What any ONNX-serving function that fetches its model from S3 pays before its own code runs.
                ("floor: import botocore, numpy, onnxruntime; create an S3 client",
                 f"{floor(ONNX_FLOOR, 'onnx', env_for('onnx')):.0f} ms"),
                # ... and what one with its model in the package pays.
                ("floor: import numpy, onnxruntime", f"{floor('import numpy, onnxruntime', 'onnx', {}):.0f} ms")]
        for runtime in ("onnx", "sklearn"):
            ours, packaged = cold[runtime], cold[f"{runtime}, packaged"]
            rows.append((f"built function, {runtime}: import, fetch from S3, verify, load, first prediction",
                         f"{ours:.0f} ms ({ours / bare:.2f}x the bare handler)"))
            rows.append((f"built function, {runtime}, model in the package (make deploy): import, verify, load, "
                         "first prediction", f"{packaged:.0f} ms ({packaged / bare:.2f}x the bare handler)"))
    return rows


def _warm_process(kind: str, runtime: str, event_file: Path, calls: int, env: dict[str, str],
                  model_file: Path | None = None, function_dir: Path | None = None) -> dict[str, float]:
    """What warm_latency.py measures for one handler, in a fresh process on the built function
    (or on `function_dir`, a copy of it)."""
    command = [sys.executable, "-S", "-B", "-P", str(ROOT / "devtools" / "bench" / "warm_latency.py"), kind, str(event_file), str(calls)]
    path = _layer_path(runtime) if function_dir is None else [str(function_dir), *_layer_path(runtime)[1:]]
    result = subprocess.run([*command, *([str(model_file)] if model_file else [])], capture_output=True, text=True,
                            cwd=BUILD, env={"PATH": os.environ["PATH"], "PYTHONPATH": os.pathsep.join(path), **env})
    if result.returncode:
        raise RuntimeError(f"{kind} on {runtime} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def instances_of(data: Any) -> list[dict[str, Any]]:
    """A cleaned data set's complete rows (the bare handler cannot impute) as a client sends them."""
    return [row for row in dataset_instances(data) if None not in row.values()]


def _event_file(directory: str, instances: list[dict[str, Any]], size: int) -> Path:
    """A POST /predict event of the first `size` instances, as the file warm_latency.py reads."""
    path = Path(directory) / f"predict_{size}.json"
    path.write_text(json.dumps(predict_event(instances[:size])))
    return path


def warm_rows(env_for: Callable[[str], dict[str, str]], pipeline: Any,
              instances: list[dict[str, Any]]) -> list[tuple[str, str, str, str]]:
    if not (BUILD / "OnnxRuntimeLayer").is_dir():
        return [("warm handlers", NOT_BUILT, "", "")]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        model_file = Path(scratch) / "model.joblib"  # the sam init template ships the model in the package
        joblib.dump(pipeline, model_file)
        for size, calls in WARM_CALLS.items():
            event_file = _event_file(scratch, instances, size)
            base = _warm_process("bare", "sklearn", event_file, calls, {}, model_file)
            rows.append((f"bare sam-init-style handler (sklearn), {size} row(s)", f"{base['p50']:.0f} µs",
                         f"{base['p99']:.0f} µs", f"{size / base['p50'] * 1e6:,.0f} rows/s"))
            for runtime in ("onnx", "sklearn"):
                ours = _warm_process("ours", runtime, event_file, calls, env_for(runtime))
                rows.append((f"our handler, {runtime}, {size} row(s)", f"{ours['p50']:.0f} µs", f"{ours['p99']:.0f} µs",
                             f"{size / ours['p50'] * 1e6:,.0f} rows/s; {base['p50'] / ours['p50']:.1f}x the bare handler"))
    return rows


def breakdown_rows(env_for: Callable[[str], dict[str, str]], features: np.ndarray,
                   names: list[str]) -> list[tuple[str, ...]]:
    """Where one 1-row request's time goes, per runtime, p50 µs of each layer timed on its own."""
    if not (BUILD / "OnnxRuntimeLayer").is_dir():
        return [("breakdown", NOT_BUILT, "", "", "", "", "")]
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        event_file = _event_file(scratch, matrix_to_instances(features, names), 1)
        for runtime in ("onnx", "sklearn"):
            f = _warm_process("breakdown", runtime, event_file, WARM_CALLS[1], env_for(runtime))
            rows.append((runtime, f"{f['handler']:.0f} µs", f"{f['handler'] - f['direct']:.0f} µs",
                         f"{f['direct'] - f['route']:.0f} µs", f"{f['route'] - f['model']:.0f} µs", f"{f['model']:.0f} µs",
                         f"{f['resolver'] - f['route']:.0f} µs"))
    return rows


def size_rows() -> list[tuple[str, str]]:
    from devtools.build.sizes import LAMBDA_LIMIT, TARGETS, built_architecture, deployment_sizes

    if not BUILD.is_dir():
        return [("sizes", "not measured: run `make build` first")]
    arch = built_architecture(BUILD)
    return [(f"{label} + layers ({arch})",
             f"{total / 1e6:.1f} MB = {total / LAMBDA_LIMIT:.0%} of the limit; target {TARGETS[label].get(arch, LAMBDA_LIMIT) / 1e6:.0f} MB")
            for label, total in deployment_sizes(BUILD).items()]
