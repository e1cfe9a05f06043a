"""Warm handler latency in a process of its own, started the way bench_inference.warm_rows does:
`python -S -B -P devtools/warm_latency.py KIND EVENT CALLS [MODEL]` with only the built function,
its layers and the runtime's boto3 on PYTHONPATH. Standard library only until it imports the
handler. Prints {"p50": µs, "p99": µs} on its last line.

KIND "ours" imports the built app.py (its init loads the model from S3, as on Lambda). KIND
"bare" is the handler the `sam init` scikit-learn template writes: the model unpickled from a
file in the package, then json.loads, predict_proba, json.dumps and nothing else. Each runs in a
fresh process so that nothing one handler sets up (imports, caches, finders) helps the other.
"""
import contextlib
import json
import os
import sys
import time
from typing import Any, Callable

WARMUP_CALLS = 20


class Context:
    function_name = "InferenceFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:InferenceFunction"
    aws_request_id = "11111111-2222-3333-4444-555555555555"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 20_000


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


def latencies(handler: Callable[[dict, Any], dict], event: dict, calls: int) -> tuple[float, float]:
    context = Context()
    for _ in range(WARMUP_CALLS):
        response = handler(event, context)
    assert response["statusCode"] == 200, response
    samples = []
    for _ in range(calls):
        started = time.perf_counter_ns()
        handler(event, context)
        samples.append((time.perf_counter_ns() - started) / 1000)
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99)]


def main() -> None:
    kind, event_path, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
    event = json.loads(open(event_path).read())
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):  # logs and capture go somewhere, as on Lambda
        if kind == "bare":
            handler = bare_handler(sys.argv[4])
        else:
            import app
            handler = app.lambda_handler
        p50, p99 = latencies(handler, event, calls)
    print(json.dumps({"p50": p50, "p99": p99}))


if __name__ == "__main__":
    main()
