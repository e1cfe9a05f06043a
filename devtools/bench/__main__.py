"""`make bench`: measured figures, printed as tables, all from one run on this machine.

Inference (devtools/bench/inference.py): cold init of the built function per runtime, warm
handler latency beside a bare `sam init`-style handler (for breast cancer, and for penguins: a
table with categories), sizes. Needs `make build ARCH=x86_64`.
Monitor: throughput and peak memory for windows of 100k and 1M capture records (30 features, 1%
labelled) read from S3 on the moto server. Each run is a fresh process (so peak RSS is that run's
alone) with its workers (monitoring/workers.py: one per CPU here), next to the same run in one
process, the same process reading an empty window (the floor: imports, baseline) and a naive
reader that loads the whole window into memory before profiling (what a pandas-style monitor does).
Batch scoring (devtools/bench/batch_throughput.py): one worker on a 1M-row CSV per runtime, and
projected wall time and cost of 10M and 100M rows at Map concurrency 10/100/1,000.
Leak check: 10,000 sequential invocations of the inference handler with mixed good and bad
requests, per runtime, in a fresh process: RSS and traced Python heap before and after.
Training: time against rows (devtools/bench/training_scaling.py), and held-out quality against
plain scikit-learn on the same rows (devtools/bench/reference_models.py).
"""
import argparse
import contextlib
import gzip
import io
import json
import resource
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np

WINDOW_END = datetime(2026, 11, 30, 11, 0, tzinfo=timezone.utc)
WINDOW_START = WINDOW_END - timedelta(hours=1)
RECORDS_PER_OBJECT = 50_000
SIZES = (100_000, 1_000_000)
# The naive reader holds the whole window: at 10M records it needs more memory than this machine has.
NAIVE_MAX_RECORDS = 1_000_000


def _settings_env(model_bucket: str, monitoring_bucket: str, name: str, version: str,
                  workers: int = 0) -> dict[str, str]:
    return {"MODEL_BUCKET": model_bucket, "MONITORING_BUCKET": monitoring_bucket, "MODEL_NAME": name,
            "MODEL_VERSION": version, "WINDOW_MINUTES": "60", "LABEL_DELAY_MINUTES": "0", "MONITOR_THRESHOLDS": "{}",
            "MONITOR_WORKERS": str(workers)}


def _monitor_row(title: str, measured: dict, floor: dict) -> tuple[str, str, str, str]:
    workers = f"; a worker {measured['worker_peak_mb']:.0f} MB" if measured["worker_peak_mb"] else ""
    return (title, f"{measured['records']:,}",
            f"{measured['seconds']:.1f} s ({measured['records'] / measured['seconds']:,.0f} rec/s; "
            f"{measured['cpu_seconds']:.1f} s CPU)",
            f"{measured['peak_mb']:.0f} MB (+{measured['peak_mb'] - floor['peak_mb']:.0f}){workers}")


def _write_window(s3, bucket: str, pipeline, data, count: int, name: str, version: str) -> None:
    """`count` capture records spread over the window, as Firehose objects of 50k records each."""
    from modelops.platform.ids import new_prediction_id

    rng = np.random.default_rng(count)
    names = data.feature_names
    start_ms = int(WINDOW_START.timestamp() * 1000)
    step_ms = 3_600_000 / count
    for first in range(0, count, RECORDS_PER_OBJECT):
        size = min(RECORDS_PER_OBJECT, count - first)
        rows = data.features[rng.integers(0, len(data.features), size)] * rng.normal(1.0, 0.02, (size, len(names)))
        probabilities = pipeline.predict_proba(rows)
        lines = []
        for offset, (row, p) in enumerate(zip(rows.round(4).tolist(), probabilities.tolist())):
            millis = start_ms + int((first + offset) * step_ms)
            moment = datetime.fromtimestamp(millis / 1000, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
            pid = new_prediction_id(millis)
            lines.append(json.dumps({"record_type": "prediction", "schema_version": 1, "prediction_id": pid, "time": moment,
                                     "model_name": name, "model_version": version, "inputs": dict(zip(names, row)),
                                     "output": {"label": int(p[1] > p[0]), "probabilities": {"0": p[0], "1": p[1]}}},
                                    separators=(",", ":")))
            if offset % 100 == 0:  # 1% get ground truth
                lines.append(json.dumps({"record_type": "feedback", "schema_version": 1, "prediction_id": pid,
                                         "time": moment, "model_name": name, "model_version": version,
                                         "label": int(p[1] > p[0])}, separators=(",", ":")))
        hour = (WINDOW_START + timedelta(seconds=first * step_ms / 1000)).strftime("%Y/%m/%d/%H")
        body = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1)
        s3.put_object(Bucket=bucket, Key=f"capture/{hour}/bench-{count}-{first:08d}.gz", Body=body)


def child(mode: str) -> None:
    """One measured run in this fresh process; prints a JSON line."""
    from modelops.platform.aws_clients import client
    from modelops.monitoring.run import run_monitor
    from modelops.monitoring.settings import MonitorSettings

    settings = MonitorSettings.from_environment()
    started, cpu_started = time.perf_counter(), time.process_time()
    if mode == "naive":
        from modelops.capture.reader import CaptureReader
        from modelops.artifacts.store import ModelStore
        from modelops.monitoring.run import deployed_baseline
        from modelops.artifacts.features import instances_to_matrix

        manifest, baseline = deployed_baseline(ModelStore(client("s3"), settings.model_bucket), settings)
        records = [r for r in CaptureReader(client("s3"), settings.monitoring_bucket).records(WINDOW_START, WINDOW_END)
                   if r["record_type"] == "prediction"]
        baseline.features.profile_like(instances_to_matrix([r["inputs"] for r in records], manifest.feature_names))
        count = len(records)
    else:
        run = run_monitor(settings, client("s3"), WINDOW_END)
        count = run.report.volume.records
    seconds = time.perf_counter() - started
    # CPU time beside wall time: on a shared machine the wall time also counts other processes' turns.
    # The monitor's worker processes (monitoring/workers.py) are this process's children.
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"records": count, "seconds": seconds, "peak_mb": peak_rss_mb(),
                      "cpu_seconds": time.process_time() - cpu_started + workers.ru_utime + workers.ru_stime,
                      "worker_peak_mb": workers.ru_maxrss / 1024}))


def peak_rss_mb() -> float:
    """This process's high-water RSS. Not getrusage's ru_maxrss: Linux carries that over from the
    forking parent across exec, so a child of a big parent would report the parent's peak."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _measure(mode: str, env: dict[str, str]) -> dict:
    import os

    output = subprocess.run([sys.executable, "-m", "devtools.bench", "--child", mode], env={**os.environ, **env},
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


@dataclass
class BenchModel:
    bucket: str
    manifest: Any
    pipeline: Any
    data: Any

    def env(self, runtime: str) -> dict[str, str]:
        """The function's environment for a runtime, complete enough for a fresh process."""
        pinned = self.manifest.files["onnx"].sha256 if runtime == "onnx" else self.manifest.artifact.sha256
        return {**{key: os.environ[key] for key in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                                                    "AWS_DEFAULT_REGION")},
                "MODEL_BUCKET": self.bucket, "MODEL_NAME": self.manifest.name, "MODEL_VERSION": self.manifest.version,
                "MODEL_RUNTIME": runtime, "MODEL_SHA256": pinned, "POWERTOOLS_SERVICE_NAME": "inference",
                "POWERTOOLS_METRICS_NAMESPACE": "bench", "POWERTOOLS_TRACE_DISABLED": "1", "LOG_LEVEL": "INFO",
                "PYDANTIC_DISABLE_PLUGINS": "__all__"}  # as template.yaml's Globals


def publish_bench_model(dataset: str = "breast-cancer") -> BenchModel:
    """A bundled data set's linear model (`--estimator simplest`), published to the moto server."""
    from devtools.local.aws import create_model_bucket
    from modelops.platform.aws_clients import client
    from modelops.artifacts.loader import load_verified_model
    from modelops.artifacts.store import ModelStore
    from training.cleaning import clean
    from training.data import load_bundled
    from training.train import parse_args, run

    models = create_model_bucket("bench-models")
    with contextlib.redirect_stdout(io.StringIO()):
        manifest = run(parse_args(["--bucket", models, "--dataset", dataset, "--estimator", "simplest"]))
    pipeline = load_verified_model(ModelStore(client("s3"), models), manifest.name, manifest.version,
                                   manifest.artifact.sha256).pipeline
    return BenchModel(models, manifest, pipeline, clean(load_bundled(dataset))[0])


def monitor_rows(model: BenchModel, sizes: tuple[int, ...] = SIZES) -> list[tuple[str, str, str, str]]:
    from devtools.local.aws import create_monitoring_bucket
    from modelops.platform.aws_clients import client

    s3, manifest, models = client("s3"), model.manifest, model.bucket
    rows = []
    empty = create_monitoring_bucket("bench-empty")
    floor = _measure("monitor", _settings_env(models, empty, manifest.name, manifest.version))
    rows.append(("monitor, empty window (floor)", "0", f"{floor['seconds']:.2f} s", f"{floor['peak_mb']:.0f} MB"))
    for count in sizes:
        bucket = create_monitoring_bucket(f"bench-{count}")
        _write_window(s3, bucket, model.pipeline, model.data, count, manifest.name, manifest.version)
        env = _settings_env(models, bucket, manifest.name, manifest.version)
        rows.append(_monitor_row(f"monitor, {count:,} predictions + 1% labels", _measure("monitor", env), floor))
        if count <= NAIVE_MAX_RECORDS:  # the baseline: the same run in one process
            one = _measure("monitor", _settings_env(models, bucket, manifest.name, manifest.version, workers=1))
            rows.append(_monitor_row("  the same, one process (MONITOR_WORKERS=1)", one, floor))
        if count == sizes[0] and count <= NAIVE_MAX_RECORDS:
            naive = _measure("naive", env)
            rows.append((f"naive: load window, then profile, {count:,}", f"{naive['records']:,}",
                         f"{naive['seconds']:.1f} s", f"{naive['peak_mb']:.0f} MB (+{naive['peak_mb'] - floor['peak_mb']:.0f})"))
    return rows


LEAK_REQUESTS = 10_000
# Before "before" is measured: the first calls fill lazy imports and caches (pydantic validators,
# numpy, Powertools), which is growth once, not a leak.
LEAK_WARMUP = 1_000


def _leak_events(features: np.ndarray, names: list[str]) -> list[dict]:
    """One of each kind of request, good and bad, as API Gateway sends them (built from events/)."""
    from devtools.local.lambda_local import load_event
    from devtools.local.traffic import feedback_event, predict_event
    from modelops.artifacts.features import matrix_to_instances

    rows = matrix_to_instances(features[:10], names)

    def variant(name: str, **changes: Any) -> dict:
        event = load_event(name)
        event.update(changes)
        return event

    extreme = {name: 1.7e308 * (-1) ** index for index, name in enumerate(names)}
    return [
        predict_event(rows[:1]), predict_event(rows), feedback_event([("0" * 32, 0)]), load_event("model_info.json"),
        load_event("predict_invalid.json"),  # 422
        variant("predict_single.json", body="not json"),  # 400
        variant("predict_single.json", body="[" * 50_000),  # 400: nested past the parser's recursion limit
        variant("predict_single.json", body='{"x": "' + "a" * 1_100_000 + '"}'),  # 413
        variant("predict_single.json", body="@@@", isBase64Encoded=True),  # 400: not base64
        variant("model_info.json", path="/nowhere"),  # 404
        variant("model_info.json", path="/predict"),  # 405
        predict_event([extreme]),  # 422: overflows the model
        variant("predict_single.json", headers={"Content-Type": "text/plain"}),  # 415
    ]


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def leak_child() -> None:
    """The leak check in this fresh process (env: the function's); prints a JSON line."""
    import collections
    import tracemalloc

    from devtools.local.lambda_local import cold_start, invoker
    from training.cleaning import clean
    from training.data import load_bundled

    real_stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # capture records and EMF lines: 10k+ of each
    invoke = invoker(cold_start("inference", {}))
    data = clean(load_bundled())[0]
    events = _leak_events(data.features, data.feature_names)
    statuses: collections.Counter[int] = collections.Counter()
    figures = {"rss_init_mb": _rss_mb()}
    for index in range(LEAK_WARMUP):
        invoke(events[index % len(events)])
    # Traced heap still allocated at the half and at the end: a leak grows in both halves alike,
    # one-off growth (a cache filling) only in the first.
    tracemalloc.start()
    figures["rss_before_mb"] = _rss_mb()
    started = time.perf_counter()
    for index in range(LEAK_REQUESTS):
        statuses[invoke(events[index % len(events)])["statusCode"]] += 1
        if index + 1 == LEAK_REQUESTS // 2:
            figures["heap_half_kb"] = tracemalloc.get_traced_memory()[0] / 1024
    figures.update(seconds=time.perf_counter() - started, rss_after_mb=_rss_mb(),
                   heap_end_kb=tracemalloc.get_traced_memory()[0] / 1024, statuses=dict(sorted(statuses.items())))
    sys.stdout = real_stdout
    print(json.dumps(figures))


def leak_rows(model: "BenchModel") -> list[tuple[str, ...]]:
    rows = []
    for runtime in ("sklearn", "onnx"):
        measured = _measure("leak", model.env(runtime))
        statuses = " ".join(f"{status}:{count}" for status, count in measured["statuses"].items())
        rows.append((f"inference, {runtime}", f"{LEAK_REQUESTS:,} ({statuses})",
                     f"{measured['rss_before_mb']:.1f} -> {measured['rss_after_mb']:.1f} MB "
                     f"({measured['rss_after_mb'] - measured['rss_before_mb']:+.1f})",
                     f"+{measured['heap_half_kb']:.0f} KB / +{measured['heap_end_kb'] - measured['heap_half_kb']:.0f} KB",
                     f"{measured['seconds']:.0f} s"))
    return rows


def print_table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    for row in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)))


def print_inference_tables(model: BenchModel) -> None:
    """Cold starts beside the bare handler and the floors, warm latency, where a request's time goes, sizes."""
    from devtools.bench import inference as bench_inference

    print_table(f"Cold init (median of {bench_inference.COLD_RUNS} fresh python3.12 -S processes each, taken in turns; "
                "built function + layers, x86_64)",
                ("what", "time"), bench_inference.cold_rows(model.env, model.pipeline, model.data.features,
                                                              model.data.feature_names))
    print_table("Warm handler, in process (p50/p99 over 2000 calls for 1 row, 300 for 100 rows)",
                ("handler", "p50", "p99", "throughput"),
                bench_inference.warm_rows(model.env, model.pipeline, bench_inference.instances_of(model.data)))
    penguins = publish_bench_model("penguins")
    print_table("Warm handler, a table with categories: penguins, 2 of 7 features categorical, rows sent as the "
                "CSV has them (category strings)", ("handler", "p50", "p99", "throughput"),
                bench_inference.warm_rows(penguins.env, penguins.pipeline, bench_inference.instances_of(penguins.data)))
    print_table("Where a warm 1-row request's time goes (p50 of each part timed alone, fresh process per runtime)",
                ("runtime", "whole handler", "Powertools logger + metrics decorators, body check",
                 "POST /predict direct: parse, validate, response", "our route: matrix, ids, capture, metrics",
                 "the model's predict_proba", "(what the resolver's path would cost instead of 'direct')"),
                bench_inference.breakdown_rows(model.env, model.data.features, model.data.feature_names))
    print_table("Deployment sizes (unzipped, function + layers; Lambda's limit is 262.1 MB)",
                ("deployment", "size"), bench_inference.size_rows())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=["monitor", "naive", "leak"])
    parser.add_argument("--inference-only", action="store_true", help="only the inference tables (needs a build)")
    parser.add_argument("--monitor-only", action="store_true", help="only the monitor table (no build needed)")
    parser.add_argument("--monitor-sizes", type=lambda text: tuple(int(size) for size in text.split(",")), default=SIZES,
                        help="window sizes of the monitor rows, e.g. 100000,1000000,10000000 (default: %(default)s)")
    args = parser.parse_args()
    if args.child == "leak":
        leak_child()
        return
    if args.child:
        child(args.child)
        return
    from devtools.local.aws import moto_server
    from modelops.platform.aws_clients import client

    with moto_server():
        client.cache_clear()
        started = time.perf_counter()
        model = publish_bench_model()
        if not args.monitor_only:
            print_inference_tables(model)
        if args.inference_only:
            return
        print_table("Monitor (30 features, S3 on the local moto server, one fresh process per row)",
                    ("run", "records read", "time", "peak RSS"), monitor_rows(model, args.monitor_sizes))
        if args.monitor_only:
            return
        print_table(f"Leak check: {LEAK_REQUESTS:,} sequential handler calls, 13 kinds of request cycled (after "
                    f"{LEAK_WARMUP:,} warm-up calls; fresh process per runtime; heap traced by tracemalloc)",
                    ("handler", "requests (status:count)", "RSS before -> after",
                     f"heap growth, 1st / 2nd {LEAK_REQUESTS // 2:,} calls", "time"), leak_rows(model))
        from devtools.bench import batch_throughput

        batch_throughput.print_tables(batch_throughput.measure())
        from devtools.bench import training_scaling

        training_scaling.print_rows(list(training_scaling.DEFAULT_ROWS))
        from devtools.bench import reference_models

        reference_models.print_comparisons()
        print(f"\n(bench took {time.perf_counter() - started:.0f} s)")
    client.cache_clear()


if __name__ == "__main__":
    main()
