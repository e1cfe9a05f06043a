"""`make openapi`: write the API's OpenAPI contract to openapi.json, the committed copy.

    python -m devtools.openapi           # (re)write openapi.json
    python -m devtools.openapi --check   # exit 1 if openapi.json is not what the code generates

The document comes from the inference function itself (its routes and pydantic models, through
modelops.api.contract), imported with no model configured: the contract needs no model.
"""
import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

from devtools.local.lambda_local import ROOT, cold_start
from modelops.api.contract import openapi_text
from modelops.serving.settings import DEFAULT_MAX_BATCH_SIZE

CONTRACT_FILE = ROOT / "openapi.json"
# What the function's init reads: no model version, so importing it touches no AWS service; the
# default batch limit (the request schema's maxItems), whatever this shell sets.
ENVIRONMENT = {
    "MAX_BATCH_SIZE": str(DEFAULT_MAX_BATCH_SIZE),
    "MODEL_VERSION": "",
    "MODEL_SHA256": "",
    "MODEL_RUNTIME": "sklearn",
    "POWERTOOLS_SERVICE_NAME": "inference",
    "POWERTOOLS_METRICS_NAMESPACE": "openapi",
    "POWERTOOLS_TRACE_DISABLED": "1",
}


def generate() -> str:
    """The contract for the default settings, the ones the template deploys unless overridden."""
    saved = {key: os.environ.get(key) for key in ENVIRONMENT}
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # init logs "model unavailable": expected here
            function = cold_start("inference", ENVIRONMENT)
        function.metrics.clear_metrics()  # Powertools metrics are process-wide: leave none behind
        return openapi_text(function.app)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.openapi", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with openapi.json instead of writing it")
    parser.add_argument("--output", type=Path, default=CONTRACT_FILE, help="default: openapi.json at the repo root")
    args = parser.parse_args(argv)
    text = generate()
    if args.check:
        current = args.output.read_text() if args.output.exists() else ""
        if current != text:
            print(f"{args.output} is out of date: run `make openapi` and commit it.", file=sys.stderr)
            return 1
        print(f"{args.output} is current.")
        return 0
    args.output.write_text(text)
    print(f"Wrote {args.output} ({len(text):,} bytes).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
