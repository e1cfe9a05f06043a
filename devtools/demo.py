"""`make demo`: the whole flow a user follows in AWS, on a local moto server.

Create the bucket (as `sam deploy` would) -> the API before any model (503) -> train and publish
-> "deploy" the version (set the function's environment, as the template parameters do) ->
send the events in events/ -> print what comes back, bad request included.
"""
import contextlib
import io
import json
import time

from devtools.lambda_local import cold_start, invoker, load_event
from devtools.local_aws import create_model_bucket, moto_server
from modelops.aws_clients import client


def heading(text: str) -> None:
    print(f"\n=== {text} ===")


def show(invoke, event_file: str, note: str = "") -> dict:
    event = load_event(event_file)
    with contextlib.redirect_stdout(io.StringIO()) as telemetry:  # what CloudWatch would receive
        response = invoke(event)
    body = json.loads(response["body"])
    print(f"\n{event['httpMethod']} {event['path']}  (events/{event_file}){'  ' + note if note else ''}")
    print(f"-> {response['statusCode']}")
    print(json.dumps(_shorten(body), indent=2))
    print(_telemetry_summary(telemetry.getvalue()))
    return body


def _telemetry_summary(output: str) -> str:
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    metrics = [
        f"{m['Name']}={record[m['Name']]}"
        for record in records if "_aws" in record
        for d in record["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]
    ]
    captured = sum(1 for record in records if "record_type" in record)
    return f"   [capture records logged: {captured}; CloudWatch metrics: {', '.join(metrics) or 'none'}]"


def _shorten(body: dict) -> dict:
    """GET /model lists 30 features: show three, so the output fits a screen."""
    if "features" in body and len(body["features"]) > 3:
        return {**body, "features": body["features"][:3] + [f"... {len(body['features']) - 3} more"]}
    return body


def _start(env: dict[str, str]):
    """A cold start of the inference function; its init-time log lines are held back."""
    with contextlib.redirect_stdout(io.StringIO()):
        return invoker(cold_start("inference", env))


def main() -> None:
    started = time.perf_counter()
    with moto_server() as endpoint:
        client.cache_clear()
        print(f"Local AWS (moto server) at {endpoint}: no AWS account, no Docker.")
        bucket = create_model_bucket()
        base_env = {"MODEL_BUCKET": bucket, "MODEL_NAME": "breast-cancer", "POWERTOOLS_TRACE_DISABLED": "1",
                    "POWERTOOLS_SERVICE_NAME": "inference", "POWERTOOLS_METRICS_NAMESPACE": "demo",
                    "LOG_LEVEL": "INFO"}

        heading("1. Stack deployed, no model yet: the API says so (503), it does not crash")
        show(_start({**base_env, "MODEL_VERSION": "", "MODEL_SHA256": ""}), "predict_single.json")

        heading("2. Train, evaluate, gate and publish: python -m training.train --bucket " + bucket)
        from training.train import parse_args, run

        manifest = run(parse_args(["--bucket", bucket]))

        heading(f"3. Deploy version {manifest.version} (ModelVersion + pinned ModelSha256)")
        invoke = _start({**base_env, "MODEL_VERSION": manifest.version, "MODEL_SHA256": manifest.artifact.sha256})
        show(invoke, "model_info.json")
        show(invoke, "predict_single.json", "one instance; one feature null, one left out: both imputed")
        show(invoke, "predict_batch.json", "three instances")
        show(invoke, "predict_invalid.json", "a bad request: every problem is named")
        show(invoke, "feedback.json", "ground truth for two predictions")

        heading("4. A deploy pinned to the wrong hash is refused before unpickling")
        show(_start({**base_env, "MODEL_VERSION": manifest.version, "MODEL_SHA256": "0" * 64}), "predict_single.json")
    client.cache_clear()
    print(f"\nDemo finished in {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
