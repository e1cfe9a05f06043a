"""Shared fixtures: a moto server on 127.0.0.1, a model trained and published into it, and the
inference handler loaded the way Lambda loads it (module import = init)."""
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, Iterator

import pytest

from devtools.local_aws import create_model_bucket, moto_server
from modelops.aws_clients import client
from modelops.manifest import Manifest

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"

# Powertools settings the template sets; tracing off because there is no X-Ray daemon here.
os.environ.update(
    POWERTOOLS_SERVICE_NAME="inference",
    POWERTOOLS_METRICS_NAMESPACE="sklearn-serving-test",
    POWERTOOLS_TRACE_DISABLED="1",
    LOG_LEVEL="INFO",
)


class FakeLambdaContext:
    function_name = "InferenceFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:InferenceFunction"
    aws_request_id = "11111111-2222-3333-4444-555555555555"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 20_000


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


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

    return run(parse_args(["--bucket", bucket, "--name", "breast-cancer"]))


def import_handler(path: Path, env: dict[str, str]) -> ModuleType:
    """Import a function's app.py afresh with the given environment: a new cold start."""
    from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag

    os.environ.update(env)
    reset_cold_start_flag()  # Powertools keeps one flag per process; each import is a new environment
    name = f"handler_{path.parent.name}_{len(sys.modules)}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def inference_env(bucket: str, published_model: Manifest) -> dict[str, str]:
    return {
        "MODEL_BUCKET": bucket,
        "MODEL_NAME": published_model.name,
        "MODEL_VERSION": published_model.version,
        "MODEL_SHA256": published_model.artifact.sha256,
    }


@pytest.fixture
def cold_start(lambda_context) -> Callable[..., Callable[[dict], dict]]:
    """cold_start(env) -> invoke(event): a freshly initialised inference function."""
    def start(env: dict[str, str]) -> Callable[[dict], dict]:
        module = import_handler(ROOT / "functions" / "inference" / "app.py", env)
        start.module = module
        return lambda event: module.lambda_handler(event, lambda_context)
    return start


def body(response: dict) -> dict:
    return json.loads(response["body"])
