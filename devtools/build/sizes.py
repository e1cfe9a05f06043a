"""Print the unzipped size of each built function and layer, and each deployment (function with
its layers) against Lambda's 250 MB limit and against our own targets; exits non-zero when a
deployment is over either, so `make build` fails on a layer that has grown.
Usage: python -m devtools.build.sizes .aws-sam/build"""
import sys
from pathlib import Path

from devtools.build.layout import DEPLOYMENTS

LAMBDA_LIMIT = 262_144_000
# Function + layers, unzipped, per architecture (issue 5): room to spare under the limit, and
# smaller is a faster first download of the layers onto a new execution environment.
TARGETS = {
    "InferenceFunction (ModelRuntime=onnx)": {"x86_64": 130e6, "arm64": 130e6},
    "InferenceFunction (ModelRuntime=sklearn)": {"x86_64": 160e6, "arm64": 185e6},
    "MonitorFunction": {"x86_64": 130e6, "arm64": 130e6},
    "MonitorBackfillFunction": {"x86_64": 130e6, "arm64": 130e6},  # the monitor's code and layers
    # The inference function's layers and a few KB of code: the same targets.
    "BatchFunction (ModelRuntime=onnx)": {"x86_64": 130e6, "arm64": 130e6},
    "BatchFunction (ModelRuntime=sklearn)": {"x86_64": 160e6, "arm64": 185e6},
}


def tree_size(path: Path) -> int:
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file() and not item.is_symlink())


def built_architecture(root: Path) -> str:
    marker = root / "OnnxRuntimeLayer" / "python" / ".layer-architecture"  # written by layers/*/trim_layer.py
    return marker.read_text().strip() if marker.exists() else "unknown"


def deployment_sizes(root: Path) -> dict[str, int]:
    sizes = {}
    for label, (function, layers) in DEPLOYMENTS.items():
        parts = [root / function, *(root / layer for layer in layers)]
        if all(part.is_dir() for part in parts):
            sizes[label] = sum(tree_size(part) for part in parts)
    return sizes


def main(build_dir: str) -> int:
    root = Path(build_dir)
    arch = built_architecture(root)
    print(f"{'built artifact':<28}{'unzipped':>14}")
    for item in sorted(root.iterdir()):
        if item.is_dir():
            print(f"{item.name:<28}{tree_size(item) / 1e6:>12.1f} MB")
    status = 0
    for label, total in deployment_sizes(root).items():
        target = TARGETS[label].get(arch, LAMBDA_LIMIT)
        verdict = "within" if total <= target else "OVER"
        print(f"{label} + layers ({arch}): {total / 1e6:.1f} MB = {total / LAMBDA_LIMIT:.0%} of Lambda's 262.1 MB limit; "
              f"{verdict} the {target / 1e6:.0f} MB target")
        status |= total > target
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".aws-sam/build"))
