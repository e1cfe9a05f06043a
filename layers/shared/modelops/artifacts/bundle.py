"""A model version packaged into the function's own code by `make deploy`, so a cold start reads
it from the deployment package instead of S3: no botocore import, no S3 client, no GET (about a
third of an ONNX cold start: docs/benchmarks.md). The bytes are checked exactly as S3's are
(artifacts/loader.py reads both through the same interface): the deploy's pin against the
manifest, the libraries, the file's SHA-256 before it is parsed. A package whose bundle holds
another version than the function is pinned to is ignored, and the model is read from S3.

    <function code>/model/bundle.json     {"name", "version", "sha256"}: which pin it holds
    <function code>/model/manifest.json   the published manifest, byte for byte
    <function code>/model/<file>          the file the pinned runtime loads
"""
import json
from pathlib import Path

from pydantic import BaseModel, ValidationError

from modelops.artifacts.store import MANIFEST_FILE

BUNDLE_DIR = "model"
BUNDLE_FILE = "bundle.json"
# A bigger model stays in S3: the package counts against Lambda's 250 MB with the layers, and
# its download is part of every new execution environment's start.
MAX_BUNDLED_BYTES = 50 * 2**20


class BundlePin(BaseModel):
    name: str
    version: str
    sha256: str


class BundledModelStore:
    """ModelStore's read side over the bundle directory: what the loader needs, nothing more."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.bucket = "the deployment package"  # for the loader's messages

    def key(self, name: str, version: str, file: str) -> str:
        return f"{BUNDLE_DIR}/{file}"

    def read(self, name: str, version: str, file: str) -> bytes:
        return (self.directory / file).read_bytes()  # FileNotFoundError: the loader's "missing"


def bundled_store(directory: Path, name: str, version: str, sha256: str) -> BundledModelStore | None:
    """The bundle if it holds exactly this pin, else None (read the model from S3)."""
    try:
        pin = BundlePin.model_validate_json((directory / BUNDLE_FILE).read_bytes())
    except (OSError, ValidationError):
        return None
    return BundledModelStore(directory) if pin == BundlePin(name=name, version=version, sha256=sha256) else None


def write_bundle(directory: Path, pin: BundlePin, manifest: bytes, file: str, data: bytes) -> None:
    """What `make deploy` puts into the built function before packaging it (the pin file last)."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST_FILE).write_bytes(manifest)
    (directory / file).write_bytes(data)
    (directory / BUNDLE_FILE).write_text(json.dumps(pin.model_dump()))
