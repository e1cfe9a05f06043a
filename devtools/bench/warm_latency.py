"""Handler latency, cold and warm, in a process of its own, started the way bench_inference does:
`python -S -B -P devtools/bench/warm_latency.py KIND EVENT CALLS [MODEL]` with only the built function,
its layers and the runtime's boto3 on PYTHONPATH (the repository goes last, for the shared Lambda
context). Prints its figures as JSON on its last line.

KIND "cold-ours" / "cold-bare" time one handler's cold start the same way for both: from before
its first import to its first response (import, model fetch and load, first request), CALLS unused.

KIND "ours" imports the built app.py (its init loads the model from S3, as on Lambda) and prints
{"p50": µs, "p99": µs}. KIND "breakdown" does too, and times the layers of one request apart: the
whole handler, POST /predict's direct path (parse, validate, route, response), our route function
alone, the model alone, and the same request through Powertools' resolver for comparison. KIND "bare" is
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
        # A table with categories is an object matrix (category strings beside numbers), as
        # scikit-learn takes one without pandas; an all-numeric one a float matrix.
        mixed = any(isinstance(value, str) for value in rows[0])
        probabilities = pipeline.predict_proba(np.array(rows, dtype=object) if mixed else np.asarray(rows, dtype=float))
        return {"statusCode": 200, "body": json.dumps({"probabilities": probabilities.tolist()})}
    return handler


def cold(kind: str, event: dict, model_path: str | None) -> dict[str, float]:
    """Milliseconds from nothing of the handler imported to its first response."""
    started = time.perf_counter()
    if kind == "cold-bare":
        handler = bare_handler(model_path)
    else:
        import app
        handler = app.lambda_handler
    response = handler(event, Context())
    seconds = time.perf_counter() - started
    assert response["statusCode"] == 200, response
    return {"ms": seconds * 1000}


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

    context = Context()
    checked = app.checked_body_event(event, app.settings.max_body_bytes)
    request = app.PredictRequest.model_validate(parse_json_body(checked["body"]))
    model = app.model_holder.get()
    matrix = instances_to_matrix(request.instances, model.manifest.feature_names)
    # Without the handler's log_metrics, metrics pile up and Powertools flushes them every 100
    # values: clear them after each call (about 1 µs), as the handler's flush does.
    figures = {
        "handler": latencies(app.lambda_handler, event, calls)[0],
        "direct": timed(lambda: (app._predict_directly(checked), app.metrics.clear_metrics()), calls)[0],
        "route": timed(lambda: (app.predict_route(request), app.metrics.clear_metrics()), calls)[0],
        "model": timed(lambda: model.pipeline.predict_proba(matrix), calls)[0],
        # The same request through Powertools' resolver, the way every other request goes.
        "resolver": timed(lambda: (app.app.resolve(checked, context), app.metrics.clear_metrics()), calls)[0],
    }
    app.metrics.clear_metrics()
    return figures


def main() -> None:
    kind, event_path, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    event = json.loads(open(event_path).read())
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # logs and capture go somewhere, as on Lambda
        if kind == "breakdown":
            figures = breakdown(event, calls)
        elif kind.startswith("cold-"):
            figures = cold(kind, event, sys.argv[4] if len(sys.argv) > 4 else None)
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
