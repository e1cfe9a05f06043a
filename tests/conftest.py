"""Shared fixtures: a moto server on 127.0.0.1, a model trained and published into it, and the
inference handler loaded the way Lambda loads it (module import = init)."""
import json
import os
from typing import Callable, Iterator

import pytest

from devtools.local.lambda_local import invoker
from devtools.local.lambda_local import cold_start as cold_start_function
from devtools.local.aws import create_model_bucket, moto_server
from modelops.platform.aws_clients import client
from modelops.artifacts.manifest import Manifest

# Powertools settings the template sets; tracing off because there is no X-Ray daemon here.
os.environ.update(
    POWERTOOLS_SERVICE_NAME="inference",
    POWERTOOLS_METRICS_NAMESPACE="sklearn-serving-test",
    POWERTOOLS_TRACE_DISABLED="1",
    LOG_LEVEL="INFO",
)


@pytest.fixture(scope="session")
def aws() -> Iterator[str]:
    with moto_server() as endpoint:
        client.cache_clear()
        yield endpoint
    client.cache_clear()


@pytest.fixture(scope="session")
def bucket(aws: str) -> str:
    return create_model_bucket("test-models")


@pytest.fixture(scope="session")
def published_model(bucket: str) -> Manifest:
    """The bundled data set, trained and published once for the whole session."""
    from training.train import parse_args, run

    return run(parse_args(["--bucket", bucket, "--name", "breast-cancer", "--estimator", "logistic_regression"]))


@pytest.fixture(scope="session", params=["sklearn", "onnx"])
def inference_env(request, bucket: str, published_model: Manifest) -> dict[str, str]:
    """The function's environment for each runtime: every test using it runs on both, so both
    must give the same responses, errors and capture records."""
    runtime = request.param
    pinned = published_model.files["onnx"].sha256 if runtime == "onnx" else published_model.artifact.sha256
    return {
        "MODEL_BUCKET": bucket,
        "MODEL_NAME": published_model.name,
        "MODEL_VERSION": published_model.version,
        "MODEL_RUNTIME": runtime,
        "MODEL_SHA256": pinned,
    }


@pytest.fixture
def cold_start() -> Callable[..., Callable[[dict], dict]]:
    """cold_start(env) -> invoke(event): a freshly initialised inference function."""
    def start(env: dict[str, str]) -> Callable[[dict], dict]:
        # cold_start sets os.environ; a test that names no runtime must not inherit the last one.
        start.module = cold_start_function("inference", {"MODEL_RUNTIME": "sklearn", **env})
        return invoker(start.module)
    return start


def body(response: dict) -> dict:
    return json.loads(response["body"])
