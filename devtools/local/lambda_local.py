"""Load and invoke a function's handler in this process, as Lambda would: importing app.py is
the cold start (init), calling lambda_handler is an invocation. Used by the tests and the demo."""
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


class LambdaContext:
    function_name = "InferenceFunction"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:InferenceFunction"
    aws_request_id = "11111111-2222-3333-4444-555555555555"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 20_000


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def cold_start(function: str, env: dict[str, str], handler_file: str = "app.py") -> ModuleType:
    """Import functions/<function>/<handler_file> afresh with `env` set: a new execution environment."""
    from aws_lambda_powertools.metrics.provider.cold_start import reset_cold_start_flag

    os.environ.update(env)
    reset_cold_start_flag()  # Powertools keeps one flag per process; this is a new environment
    path = ROOT / "functions" / function / handler_file
    spec = importlib.util.spec_from_file_location(f"{function}_{path.stem}_{len(sys.modules)}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def invoker(module: ModuleType) -> Callable[[dict], dict]:
    function = module.__name__.split("_app_")[0].capitalize() + "Function"  # as named in template.yaml
    context = type("Context", (LambdaContext,), {
        "function_name": function, "invoked_function_arn": LambdaContext.invoked_function_arn.replace("InferenceFunction", function)})()
    return lambda event: module.lambda_handler(event, context)
