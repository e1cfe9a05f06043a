"""`make demo`: the whole flow a user follows in AWS, on a local moto server.

Create the bucket (as `sam deploy` would) -> the API before any model (503) -> train and publish
-> "deploy" the version (set the function's environment, as the template parameters do) ->
send the events in events/ -> print what comes back, bad request included -> production traffic
(healthy, labelled, then drifted) -> the scheduled monitor -> its report and SNS alert. Then the
same for a table with categorical features (penguins) and for a regressor (diabetes).
"""
import contextlib
import io
import json
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

from devtools.local.capture_delivery import deliver
from devtools.local.lambda_local import cold_start, invoker, load_event
from devtools.local.aws import (DEMO_MONITORING_BUCKET, create_alert_queue, create_model_bucket,
                                create_monitoring_bucket, moto_server)
from devtools.local.traffic import (batches, dataset_instances, feedback_event, predict_event, recategorized, shifted,
                                    with_query)
from modelops.platform.aws_clients import client


EXPLAIN_TOP_3 = {"explain": "true", "top_k": "3"}
PAGE_DIR = Path(".cache/demo")  # git-ignored; each model's drifted-window report page


def heading(text: str) -> None:
    print(f"\n=== {text} ===")


def show(invoke, event_file: str, note: str = "") -> dict:
    return show_event(invoke, load_event(event_file), note, f"events/{event_file}")


def show_event(invoke, event: dict, note: str = "", source: str = "") -> dict:
    with contextlib.redirect_stdout(io.StringIO()) as telemetry:  # what CloudWatch would receive
        response = invoke(event)
    body = json.loads(response["body"])
    query = "&".join(f"{k}={v}" for k, v in (event.get("queryStringParameters") or {}).items())
    print(f"\n{event['httpMethod']} {event['path']}{'?' + query if query else ''}"
          f"{'  (' + source + ')' if source else ''}{'  ' + note if note else ''}")
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


def _shorten(value, limit: int = 3):
    """GET /model lists 30 features several times (summaries, importance, explainer terms): show
    the first three of every long list, so the output fits a screen."""
    if isinstance(value, dict):
        return {key: _shorten(item, limit) for key, item in value.items()}
    if isinstance(value, list) and len(value) > limit:
        return [_shorten(item, limit) for item in value[:limit]] + [f"... {len(value) - limit} more"]
    if isinstance(value, list):
        return [_shorten(item, limit) for item in value]
    return value


def _start(env: dict[str, str]):
    """A cold start of the inference function; its init-time log lines are held back."""
    with contextlib.redirect_stdout(io.StringIO()):
        return invoker(cold_start("inference", env))


def _traffic(invoke, instances: list[dict], labels: list | None = None) -> tuple[str, list[str]]:
    """Send predictions (and labels for them); returns the function's log output and the ids."""
    ids: list[str] = []
    with contextlib.redirect_stdout(io.StringIO()) as logs:
        for batch in batches(instances, 100):
            ids += [p["prediction_id"] for p in json.loads(invoke(predict_event(batch))["body"])["predictions"]]
        for batch in batches(list(zip(ids, labels or [])), 100):
            invoke(feedback_event(batch))
    return logs.getvalue(), ids


def monitor_production(invoke, env: dict[str, str], dataset: str, drift: Callable[[list[dict]], list[dict]],
                       step: int, what_drifts: str) -> None:
    """Healthy traffic of `dataset`'s rows with their ground truth, then a batch `drift` changed,
    delivered to the model's own monitoring bucket; the scheduled monitor runs on the window."""
    from training.cleaning import clean
    from training.data import load_bundled

    s3 = client("s3")
    monitoring = create_monitoring_bucket(f"{DEMO_MONITORING_BUCKET}-{env['MODEL_NAME']}")
    topic, inbox = create_alert_queue(f"model-monitor-alerts-{env['MODEL_NAME']}")
    data = clean(load_bundled(dataset))[0]
    instances = dataset_instances(data)
    heading(f"{step}. Production traffic: healthy requests with their ground truth, then {what_drifts}")
    healthy, _ = _traffic(invoke, instances, data.labels.tolist())
    drifted, _ = _traffic(invoke, drift(instances))
    for logs in (healthy, drifted):  # what the subscription filter and Firehose deliver in AWS
        key = deliver(s3, monitoring, logs)
        print(f"{logs.count(chr(10))} log lines -> capture records in s3://{monitoring}/{key}")

    heading(f"{step + 1}. The scheduled monitor runs (events/monitor_scheduled.json at the current hour)")
    with contextlib.redirect_stdout(io.StringIO()):  # its Logger writes to the stream it starts with
        monitor = invoker(cold_start("monitor", {
            **env, "MONITORING_BUCKET": monitoring, "ALERT_TOPIC_ARN": topic, "WINDOW_MINUTES": "60",
            "LABEL_DELAY_MINUTES": "0", "MONITOR_THRESHOLDS": "{}", "POWERTOOLS_SERVICE_NAME": "monitor"}))
    event = {**load_event("monitor_scheduled.json"),
             "scheduled_time": (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat(timespec="seconds")}
    with contextlib.redirect_stdout(io.StringIO()) as telemetry:
        result = monitor(event)
    print(f"-> {json.dumps(result, indent=2)}")
    print(_telemetry_summary(telemetry.getvalue()))
    summary = s3.get_object(Bucket=monitoring, Key=result["summary"])["Body"].read().decode()
    print("\n" + "\n".join(summary.splitlines()[:24]) + "\n...")
    # The window's report page, as a person would download it from the bucket: it needs no network.
    page = PAGE_DIR / f"{env['MODEL_NAME']}.html"
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_bytes(s3.get_object(Bucket=monitoring, Key=result["page"])["Body"].read())
    print(f"\nReport page with charts (s3://{monitoring}/{result['page']}), saved for your browser:\n"
          f"  {page.resolve().as_uri()}")
    alerts = client("sqs").receive_message(QueueUrl=inbox, MaxNumberOfMessages=10).get("Messages", [])
    print(f"SNS alert e-mails/messages sent: {len(alerts)}"
          + (f" (first line: {alerts[0]['Body'].splitlines()[0]!r})" if alerts else ""))


def _deploy(base_env: dict[str, str], manifest) -> tuple[dict[str, str], Callable[[dict], dict]]:
    """What `make deploy MODEL_VERSION=...` sets: ONNX Runtime when the conversion verified (as
    training printed), else scikit-learn, pinned to that file's hash; and a cold start of it."""
    runtime, pinned = (("onnx", manifest.files["onnx"].sha256) if "onnx" in manifest.files
                       else ("sklearn", manifest.artifact.sha256))
    env = {**base_env, "MODEL_NAME": manifest.name, "MODEL_VERSION": manifest.version, "MODEL_RUNTIME": runtime,
           "MODEL_SHA256": pinned}
    heading(f"Deploy {manifest.name} {manifest.version} (ModelName, ModelVersion, ModelRuntime={runtime}, "
            "pinned ModelSha256)")
    return env, _start(env)


def _train(bucket: str, *arguments: str):
    from training.train import parse_args, run

    return run(parse_args(["--bucket", bucket, *arguments]))


def _predict(instances: list[dict], explain: bool = False) -> dict:
    event = predict_event(instances)
    return with_query(event, **EXPLAIN_TOP_3) if explain else event


def real_tables(bucket: str, base_env: dict[str, str]) -> None:
    """A mixed-type classifier (penguins: category strings, missing values, three classes) and a
    regressor (diabetes), each trained, served, explained and monitored as breast cancer was."""
    from training.cleaning import clean
    from training.data import load_bundled

    heading("7. Real tables: penguins (categorical features, missing values, three classes)")
    manifest = _train(bucket, "--dataset", "penguins", "--estimator", "simplest")
    env, invoke = _deploy(base_env, manifest)
    show(invoke, "model_info.json", "each feature's type; the categories training saw")
    penguin = dataset_instances(clean(load_bundled("penguins"))[0])[0]
    show_event(invoke, _predict([penguin], explain=True), "a row as the CSV has it: explained per original feature")
    show_event(invoke, _predict([{**penguin, "island": "Anvers"}]),
               "an island training never saw: scored, and flagged")
    monitor_production(invoke, env, "penguins", lambda rows: recategorized(rows, "island", {"Biscoe": "Dream"}),
                       8, "a batch where every Biscoe penguin is recorded as from Dream")

    heading("10. A regressor: diabetes progression one year on (a numeric target)")
    manifest = _train(bucket, "--dataset", "diabetes", "--estimator", "simplest")
    env, invoke = _deploy(base_env, manifest)
    patients = clean(load_bundled("diabetes"))[0]
    answer = show_event(invoke, _predict(dataset_instances(patients)[:1], explain=True),
                        "a value, explained in the target's units")
    prediction_id = answer["predictions"][0]["prediction_id"]
    show_event(invoke, feedback_event([(prediction_id, float(patients.labels[0]))]), "ground truth: a number")
    monitor_production(invoke, env, "diabetes", lambda rows: shifted(rows, {"bmi": 1.4}),
                       11, "a batch with bmi 40% higher")


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

        # What training printed: ONNX Runtime when the conversion verified, else scikit-learn.
        runtime, pinned = (("onnx", manifest.files["onnx"].sha256) if "onnx" in manifest.files
                           else ("sklearn", manifest.artifact.sha256))
        heading(f"3. Deploy version {manifest.version} (ModelVersion, ModelRuntime={runtime}, pinned ModelSha256)")
        invoke = _start({**base_env, "MODEL_VERSION": manifest.version, "MODEL_RUNTIME": runtime, "MODEL_SHA256": pinned})
        show(invoke, "model_info.json")
        show(invoke, "predict_single.json", "one instance; one feature null, one left out: both imputed")
        explained = with_query(load_event("predict_single.json"), **EXPLAIN_TOP_3)
        show_event(invoke, explained, "the three features that pushed each prediction most")
        show(invoke, "predict_batch.json", "three instances")
        show(invoke, "predict_invalid.json", "a bad request: every problem is named")
        show(invoke, "feedback.json", "ground truth for two predictions")

        heading("4. A deploy pinned to the wrong hash is refused before loading")
        show(_start({**base_env, "MODEL_VERSION": manifest.version, "MODEL_RUNTIME": runtime, "MODEL_SHA256": "0" * 64}),
             "predict_single.json")

        monitor_production(invoke, {**base_env, "MODEL_VERSION": manifest.version}, "breast-cancer",
                           lambda rows: shifted(rows, {"mean_radius": 1.6, "worst_area": 2.0}), 5,
                           # Upstream sends mean_radius in other units and worst_area doubled: nothing
                           # errors, every request is valid, and only the monitor can tell.
                           "a drifted batch (mean_radius in other units, worst_area doubled)")
        real_tables(bucket, base_env)
    client.cache_clear()
    print(f"\nDemo finished in {time.perf_counter() - started:.1f} s.")


if __name__ == "__main__":
    main()
