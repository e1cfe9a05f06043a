"""Run inside a fresh python3.12 with only the built function, the built layers and the Lambda
runtime's own boto3 and botocore on sys.path (started by test_built_function.py). Prints one JSON document:
the cold init time and each event's response."""
import json
import sys
import time

started = time.perf_counter()
import app  # noqa: E402  the handler module, as Lambda imports it: init loads the model

init_seconds = time.perf_counter() - started


class Context:
    function_name = "InferenceFunction"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:InferenceFunction"
    aws_request_id = "built-smoke"


responses = {}
for path in sys.argv[1:]:
    with open(path) as handle:
        event = json.load(handle)
    before = time.perf_counter()
    response = app.lambda_handler(event, Context())
    responses[path.rsplit("/", 1)[-1]] = {"response": response, "seconds": time.perf_counter() - before}
    if len(responses) == 1:
        first = time.perf_counter() - started
cold_path = {name: module.__file__ for name, module in sys.modules.items()
             if name in ("numpy", "sklearn", "scipy", "joblib", "onnxruntime", "modelops", "aws_lambda_powertools",
                         "pydantic", "botocore", "botocore.session", "botocore.client")}
# Imported by nothing an ONNX cold start needs (layers/dependencies/trim_layer.py DEFERRED_IMPORTS).
deferred = sorted(name for name in ("importlib.metadata", "jmespath") if name in sys.modules)
import aws_xray_sdk.core  # noqa: E402,F401  Tracer needs it on Lambda, where tracing is active

print("\n@@RESULT@@" + json.dumps({"init_seconds": init_seconds, "init_and_first_seconds": first,
                                  "responses": responses, "modules": cold_path,
                                  "deferred_imported": deferred}))
