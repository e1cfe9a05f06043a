"""The function `sam build` produced, run in a fresh python3.12 process with nothing but the
built function, the built layers and the Lambda runtime's boto3 on its path. Catches anything
that works in the test environment but is missing from a layer. Run by `make built-smoke`,
which builds for x86_64 first."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from devtools.build.layout import BUILD, LAMBDA_RUNTIME, RUNTIME_LAYER, inference_path
from devtools.local.lambda_local import EVENTS


def run_built(function_env: dict[str, str], endpoint: str, events: list[str], function_dir: Path | None = None) -> dict:
    """Run the built function (or a copy of it in `function_dir`) in a fresh process on `events`;
    its result document."""
    order = inference_path(function_env["MODEL_RUNTIME"])
    if function_dir is not None:
        order = [function_dir, *order[1:]]
    missing = [str(path) for path in order if not path.is_dir()]
    assert not missing, f"Build first (make built-smoke): missing {missing}"
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": os.pathsep.join(map(str, order)),
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_SERVICE_NAME": "inference",
        "POWERTOOLS_METRICS_NAMESPACE": "built-smoke",
        "POWERTOOLS_TRACE_DISABLED": "1",
        "PYDANTIC_DISABLE_PLUGINS": "__all__",  # as template.yaml's Globals
        **function_env,
    }
    # -S: no site-packages at all, so nothing from this virtual environment can leak in.
    completed = subprocess.run(
        [sys.executable, "-S", "-B", str(Path(__file__).with_name("run_built_function.py")),
         *(str(EVENTS / name) for name in events)],
        env=env, capture_output=True, text=True, timeout=120, cwd=BUILD,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.split("@@RESULT@@", 1)[1])


@pytest.fixture(scope="module")
def built_run(inference_env, aws):
    events = ["predict_single.json", "predict_batch.json", "predict_invalid.json", "model_info.json", "feedback.json"]
    result = run_built(inference_env, aws, events)
    print(f"\nbuilt function: init {result['init_seconds'] * 1000:.0f} ms, "
          f"init + first prediction {result['init_and_first_seconds'] * 1000:.0f} ms")
    return {**result, "runtime": inference_env["MODEL_RUNTIME"]}


@pytest.mark.parametrize("estimator", ["random_forest", "hist_gradient_boosting"])
def test_the_trimmed_scikit_learn_layer_serves_every_supported_estimator(estimator, bucket, aws):
    # The layer ships bytecode only and no tests: every estimator training offers must still
    # unpickle and predict from it, not only the linear model the other tests publish.
    from training.train import parse_args, run

    manifest = run(parse_args(["--bucket", bucket, "--name", f"built-{estimator.replace('_', '-')}", "--estimator", estimator]))
    env = {"MODEL_BUCKET": bucket, "MODEL_NAME": manifest.name, "MODEL_VERSION": manifest.version,
           "MODEL_RUNTIME": "sklearn", "MODEL_SHA256": manifest.artifact.sha256}
    result = run_built(env, aws, ["predict_batch.json"])
    response = result["responses"]["predict_batch.json"]["response"]
    assert response["statusCode"] == 200, response
    assert len(json.loads(response["body"])["predictions"]) == 3


def test_built_function_serves_every_event(built_run):
    statuses = {name: item["response"]["statusCode"] for name, item in built_run["responses"].items()}
    assert statuses == {"predict_single.json": 200, "predict_batch.json": 200, "predict_invalid.json": 422, "model_info.json": 200, "feedback.json": 202}
    batch = json.loads(built_run["responses"]["predict_batch.json"]["response"]["body"])
    assert [p["label"] for p in batch["predictions"]] == [0, 1, 1]


def test_built_function_imports_only_from_the_build(built_run):
    for module, location in built_run["modules"].items():
        assert location.startswith(str(BUILD)) or location.startswith(str(LAMBDA_RUNTIME)), (module, location)
    layer = BUILD / RUNTIME_LAYER[built_run["runtime"]]
    if built_run["runtime"] == "onnx":
        assert "sklearn" not in built_run["modules"] and "scipy" not in built_run["modules"]
        assert built_run["modules"]["onnxruntime"].startswith(str(layer))
    else:
        assert built_run["modules"]["sklearn"].startswith(str(layer))
    assert built_run["modules"]["botocore"].startswith(str(LAMBDA_RUNTIME))  # the runtime's, never a layer's


def test_with_the_model_in_its_package_the_function_serves_without_s3_or_botocore(inference_env, bucket, tmp_path):
    """What `make deploy` packages (devtools/deploy/command.py bundle_model): the cold start reads
    the model from the package, so it serves with S3 unreachable and creates no AWS client."""
    import shutil

    import boto3

    from devtools.deploy.command import bundle_model

    function_dir = tmp_path / "InferenceFunction"
    shutil.copytree(BUILD / "InferenceFunction", function_dir)
    parameters = {"ModelName": inference_env["MODEL_NAME"], "ModelVersion": inference_env["MODEL_VERSION"],
                  "ModelRuntime": inference_env["MODEL_RUNTIME"], "ModelSha256": inference_env["MODEL_SHA256"]}
    assert "packaged with the function" in bundle_model(function_dir, boto3.client("s3"), bucket, parameters)
    result = run_built(inference_env, "http://127.0.0.1:9", ["predict_batch.json", "feedback.json"], function_dir)
    statuses = {name: item["response"]["statusCode"] for name, item in result["responses"].items()}
    assert statuses == {"predict_batch.json": 200, "feedback.json": 202}
    # Powertools imports the botocore package itself (to tag SDK requests): a few files, no client code.
    assert "botocore.session" not in result["modules"] and "botocore.client" not in result["modules"]
    # Nor what the layer build deferred (trim_layer.py): the JMESPath utilities, and, on ONNX,
    # importlib.metadata (scipy's import brings it on the scikit-learn runtime).
    assert result["deferred_imported"] == ([] if inference_env["MODEL_RUNTIME"] == "onnx" else ["importlib.metadata"])
    print(f"\nbuilt function, model in the package: init {result['init_seconds'] * 1000:.0f} ms, "
          f"init + first prediction {result['init_and_first_seconds'] * 1000:.0f} ms")
