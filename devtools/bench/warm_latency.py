"""Warm handler latency in a process of its own, started the way bench_inference.warm_rows does:
`python -S -B -P devtools/bench/warm_latency.py KIND EVENT CALLS [MODEL]` with only the built function,
its layers and the runtime's boto3 on PYTHONPATH (the repository goes last, for the shared Lambda
context). Prints its figures as JSON on its last line.

KIND "ours" imports the built app.py (its init loads the model from S3, as on Lambda) and prints
{"p50": µs, "p99": µs}. KIND "breakdown" does too, and times the layers of one request apart: the
whole handler, the Powertools resolver, our route function alone, the model alone. KIND "bare" is
the handler the `sam init` scikit-learn template writes: the model unpickled from a file in the
package, then json.loads, predict_proba, json.dumps and nothing else. Each runs in a fresh process
so that nothing one handler sets up (imports, caches, finders) helps the other.
"""
import contextlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

# After the built function and its layers, so nothing of the repository shadows them: only for
# the Lambda context the devtools share (devtools/local/lambda_local.py imports the standard library).
sys.path.append(str(Path(__file__).resolve().parents[2]))
from devtools.local.lambda_local import LambdaContext as Context  # noqa: E402

WARMUP_CALLS = 20


def bare_handler(model_path: str) -> Callable[[dict, Any], dict]:
    import joblib
    import numpy as np

    pipeline = joblib.load(model_path)

    def handler(event: dict, context: Any) -> dict:
        body = json.loads(event["body"])
        rows = [list(instance.values()) for instance in body["instances"]]
        probabilities = pipeline.predict_proba(np.asarray(rows, dtype=float))
        return {"statusCode": 200, "body": json.dumps({"probabilities": probabilities.tolist()})}
    return handler


def timed(call: Callable[[], Any], calls: int) -> tuple[float, float]:
    """p50 and p99 in µs of `calls` calls, after a few to warm caches."""
    for _ in range(WARMUP_CALLS):
        call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - started) / 1000)
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)]


def latencies(handler: Callable[[dict, Any], dict], event: dict, calls: int) -> tuple[float, float]:
    context = Context()
    response = handler(event, context)
    assert response["statusCode"] == 200, response
    return timed(lambda: handler(event, context), calls)


def breakdown(event: dict, calls: int) -> dict[str, float]:
    import app
    from modelops.api.json_body import parse_json_body
    from modelops.artifacts.features import instances_to_matrix
    from modelops.api.predict_request import PredictRequest

    context = Context()
    request = PredictRequest.model_validate(parse_json_body(event["body"]))
    model = app.model_holder.get()
    matrix = instances_to_matrix(request.instances, model.manifest.feature_names)
    figures = {
        "handler": latencies(app.lambda_handler, event, calls)[0],
        # Without the handler's log_metrics, metrics pile up and Powertools flushes them every 100
        # values: clear them after each call (about 1 µs), as the handler's flush does.
        "resolver": timed(lambda: (app.app.resolve(event, context), app.metrics.clear_metrics()), calls)[0],
        "route": timed(lambda: (app.predict_route(request), app.metrics.clear_metrics()), calls)[0],
        "model": timed(lambda: model.pipeline.predict_proba(matrix), calls)[0],
    }
    app.metrics.clear_metrics()
    return figures


def main() -> None:
    kind, event_path, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    event = json.loads(open(event_path).read())
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # logs and capture go somewhere, as on Lambda
        if kind == "breakdown":
            figures = breakdown(event, calls)
        else:
            if kind == "bare":
                handler = bare_handler(sys.argv[4])
            else:
                import app
                handler = app.lambda_handler
            median, p99 = latencies(handler, event, calls)
            figures = {"p50": median, "p99": p99}
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
