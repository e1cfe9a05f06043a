"""What `sam build` produced and how Lambda assembles it: which layers each deployment runs with
(the inference function's follows ModelRuntime, template.yaml: ServeWithOnnx) and the import path
of the built inference function. Standard library only: build_sizes runs outside the venv."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
LAMBDA_RUNTIME = ROOT / ".cache" / "lambda-runtime"  # the runtime's own boto3 (requirements/lambda-runtime.txt)
RUNTIME_LAYER = {"onnx": "OnnxRuntimeLayer", "sklearn": "DependenciesLayer"}
DEPLOYMENTS = {
    **{f"InferenceFunction (ModelRuntime={runtime})": ("InferenceFunction", [layer, "SharedLayer"])
       for runtime, layer in RUNTIME_LAYER.items()},
    "MonitorFunction": ("MonitorFunction", ["OnnxRuntimeLayer", "SharedLayer"]),
    "MonitorBackfillFunction": ("MonitorBackfillFunction", ["OnnxRuntimeLayer", "SharedLayer"]),
    **{f"BatchFunction (ModelRuntime={runtime})": ("BatchFunction", [layer, "SharedLayer"])
       for runtime, layer in RUNTIME_LAYER.items()},
}


def inference_path(runtime: str, build: Path = BUILD, function: str = "InferenceFunction") -> list[Path]:
    """Lambda's own order: function code, then layers (/opt/python), then the runtime's packages.
    The batch function runs with the same layers as the inference function."""
    return [build / function, build / RUNTIME_LAYER[runtime] / "python", build / "SharedLayer" / "python",
            LAMBDA_RUNTIME]
