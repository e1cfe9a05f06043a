"""`make serve`: the inference API on http://127.0.0.1:3000, like `sam local start-api`, with no
Docker and no AWS account.

A moto server stands in for S3; a model is trained on a bundled data set and published into it
(the task's linear model by default: a few seconds); the real handler (functions/inference/app.py)
is started as Lambda starts it, and a local HTTP server turns each request into an API Gateway
event for it. Its log lines (JSON logs, metrics, capture records) print as CloudWatch would
receive them. The banner's example requests are rows of the data set the model was trained on.

    python -m devtools.local.serve [--port 3000] [--runtime sklearn|onnx]
                                   [--dataset breast-cancer|penguins|diabetes] [--estimator simplest]
"""
import argparse
import contextlib
import io
import json
import shlex
import sys
import warnings
from typing import Any, Callable

from werkzeug.serving import make_server

from devtools.local.lambda_local import cold_start, invoker
from devtools.local.api import JsonErrorRequestHandler, LocalApi, error_body
from devtools.local.aws import create_model_bucket, moto_server
from devtools.local.traffic import dataset_instances
from modelops.platform.aws_clients import client
from modelops.artifacts.manifest import Manifest
from training.data import BUNDLED, BUNDLED_NAME

DEFAULT_PORT = 3000  # sam local start-api's
EXAMPLE_FEATURES = 8  # an example instance shows at most this many features (the rest: missing, imputed)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devtools.local.serve", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="default 127.0.0.1 (this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"default {DEFAULT_PORT}; make serve ARGS='--port 3001' when it is taken")
    parser.add_argument("--runtime", choices=["sklearn", "onnx"], default="sklearn", help="MODEL_RUNTIME (default sklearn)")
    parser.add_argument("--dataset", choices=sorted(BUNDLED), default=BUNDLED_NAME,
                        help=f"bundled data set to train on (default {BUNDLED_NAME}; penguins: categorical features, "
                             "three classes; diabetes: a regressor)")
    parser.add_argument("--estimator", default="simplest",
                        help="training's --estimator (default simplest: the task's linear model, the fastest to "
                             "train; auto searches)")
    return parser.parse_args(argv)


def train(bucket: str, dataset: str, estimator: str) -> Manifest:
    from training.train import parse_args as training_args, run

    with contextlib.redirect_stdout(io.StringIO()):  # training's report: `make train` shows it
        return run(training_args(["--bucket", bucket, "--dataset", dataset, "--estimator", estimator]))


def function_environment(bucket: str, manifest: Manifest, runtime: str) -> dict[str, str]:
    """What the template's parameters set after `sam deploy --parameter-overrides ...`."""
    record = manifest.files.get("onnx") if runtime == "onnx" else manifest.artifact
    if record is None:
        raise SystemExit(f"{manifest.name}/{manifest.version} has no verified ONNX model "
                         f"({(manifest.onnx_verification or {}).get('reason')}); use --runtime sklearn.")
    return {"MODEL_BUCKET": bucket, "MODEL_NAME": manifest.name, "MODEL_VERSION": manifest.version,
            "MODEL_SHA256": record.sha256, "MODEL_RUNTIME": runtime, "POWERTOOLS_SERVICE_NAME": "inference",
            "POWERTOOLS_METRICS_NAMESPACE": "local", "POWERTOOLS_TRACE_DISABLED": "1", "LOG_LEVEL": "INFO"}


def examples(dataset: str, manifest: Manifest) -> tuple[list[dict[str, Any]], Any]:
    """Two rows of the data set as a client sends them, each cut to its first EXAMPLE_FEATURES
    features so a curl line stays short, and the first row's target (the feedback example)."""
    from training.cleaning import clean
    from training.data import load_bundled

    data = clean(load_bundled(dataset))[0]
    rows = dataset_instances(data, manifest.feature_names)
    return [dict(list(row.items())[:EXAMPLE_FEATURES]) for row in rows[:2]], data.labels[:1].tolist()[0]


def banner(url: str, manifest: Manifest, runtime: str, instances: list[dict[str, Any]], label: Any) -> str:
    method = manifest.explainer.method if manifest.explainer else "none"
    one, two = (shlex.quote(json.dumps(body)) for body in (instances[0], {"instances": instances}))
    feedback = shlex.quote(json.dumps({"prediction_id": "<an id from /predict>", "label": label}))
    return f"""
Serving {manifest.name}/{manifest.version} ({manifest.task}, {manifest.training['estimator']}, runtime {runtime}, explanations: {method})
API: {url}   (no auth locally; in AWS every request is SigV4-signed)   Ctrl-C stops it.

  curl -s {url}/model
  curl -s -X POST '{url}/predict?explain=true&top_k=3' -H 'Content-Type: application/json' \\
       -d {one}
  curl -s -X POST {url}/predict -H 'Content-Type: application/json' \\
       -d {two}
  curl -s -X POST {url}/feedback -H 'Content-Type: application/json' \\
       -d {feedback}
  curl -s {url}/openapi.json
"""


def not_ready(environ: dict, start_response: Callable[..., Any]) -> list[bytes]:
    """The server's app until the function has started (never reached: serving starts after)."""
    start_response("503 Service Unavailable", [("Content-Type", "application/json")])
    return [error_body(503, "The function is starting; try again in a few seconds.")]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # GET /model and GET /openapi.json emit no metrics, and Powertools warns at each: expected, not news.
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    # Bind first, so a busy port fails now, not after training (werkzeug says so and exits with 1).
    server = make_server(args.host, args.port, not_ready, threaded=False, request_handler=JsonErrorRequestHandler)
    try:
        with moto_server() as endpoint:
            client.cache_clear()
            bucket = create_model_bucket()
            print(f"Local S3 (moto server) at {endpoint}. Training {args.estimator} on {args.dataset} ...", flush=True)
            manifest = train(bucket, args.dataset, args.estimator)
            with contextlib.redirect_stdout(io.StringIO()):  # init's log lines: the model loaded
                invoke = invoker(cold_start("inference", function_environment(bucket, manifest, args.runtime)))
            server.app = LocalApi(invoke, access_log=lambda line: print(line, file=sys.stderr, flush=True))
            print(banner(f"http://{args.host}:{server.server_port}", manifest, args.runtime,
                         *examples(args.dataset, manifest)), flush=True)
            server.serve_forever()  # werkzeug's returns on Ctrl-C
    except KeyboardInterrupt:  # Ctrl-C before serving started (during training)
        pass
    finally:
        server.server_close()
    print("\nStopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
