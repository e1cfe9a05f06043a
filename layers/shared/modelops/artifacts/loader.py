"""Fetch, verify and unpickle a published model version. Fails closed.

Unpickling runs arbitrary code, so the artifact's bytes must hash to the value the deploy
pinned before joblib sees them, and the libraries must be the ones that wrote the pickle.
Every failure is a ModelUnavailable with a stable `reason` for metrics and the 503 body.
"""
import io
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import ValidationError

from modelops.platform.absent_modules import remember_absent
from modelops.artifacts.features import InputSchema
from modelops.artifacts.integrity import sha256_hex
from modelops.artifacts.library_versions import installed, installed_versions, mismatches
from modelops.artifacts.manifest import ArtifactRecord, Manifest
from modelops.artifacts.bundle import BundledModelStore
from modelops.artifacts.store import MISSING_OBJECT_CODES, MANIFEST_FILE, ModelStore
from modelops.platform.errors import RequestError



class ModelUnavailable(RequestError):
    """No usable model; answered as 503 model_unavailable.<reason>, `reason` stable for metrics and logs."""
    status = 503

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.code = f"model_unavailable.{reason}"

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"


@dataclass(frozen=True)
class LoadedModel:
    manifest: Manifest
    pipeline: Any
    load_seconds: float
    inputs: InputSchema = field(init=False)  # what the pipeline takes, from the manifest's features

    def __post_init__(self) -> None:
        object.__setattr__(self, "inputs", InputSchema(self.manifest.features))


RUNTIMES = ("sklearn", "onnx")


def load_verified_model(store: ModelStore | BundledModelStore, name: str, version: str, expected_sha256: str,
                        runtime: str = "sklearn") -> LoadedModel:
    """The version's pipeline for `runtime`: the joblib pipeline (scikit-learn) or the verified
    ONNX model (onnx). `expected_sha256` pins the bytes of the file that runtime loads."""
    started = time.perf_counter()
    if runtime not in RUNTIMES:
        raise ModelUnavailable("not_configured", f"MODEL_RUNTIME must be one of {RUNTIMES}, not {runtime!r}.")
    if not version:
        raise ModelUnavailable(
            "not_configured",
            "No model version is deployed. Train and publish one, then deploy it with "
            "make deploy MODEL_VERSION=<version>.",
        )
    if not expected_sha256:
        raise ModelUnavailable(
            "hash_not_pinned", f"Model version {version} is deployed without ModelSha256; refusing to load it."
        )
    manifest = _read_manifest(store, name, version)
    label = f"{name}/{version}"
    record, skew, build = (_onnx_parts if runtime == "onnx" else _joblib_parts)(manifest)
    # The same checks, in the same order, for whichever file the runtime loads: the deploy's pin
    # against the manifest, the libraries, then the bytes against the pin before anything parses them.
    if record.sha256 != expected_sha256:
        raise ModelUnavailable("hash_mismatch", f"Manifest of {label} records {record.file} SHA-256 {record.sha256}, "
                                                f"but the deploy pinned {expected_sha256}.")
    if skew:
        raise ModelUnavailable("library_mismatch", "Model was verified with other library versions: " + "; ".join(skew))
    data = _read(store, name, version, record.file, "artifact_missing")
    actual = sha256_hex(data)
    if actual != expected_sha256:
        raise ModelUnavailable("hash_mismatch", f"{record.file} of {label} hashes to {actual}, expected "
                                                f"{expected_sha256}; refusing to load it.")
    return LoadedModel(manifest=manifest, pipeline=build(data, manifest), load_seconds=time.perf_counter() - started)


def _joblib_parts(manifest: Manifest) -> tuple[ArtifactRecord, list[str], Callable[[bytes, Manifest], Any]]:
    remember_absent("pandas")  # scikit-learn probes for it on every prediction (modelops/platform/absent_modules.py)
    return manifest.artifact, mismatches(manifest.libraries, installed_versions()), _unpickle_pipeline


def _onnx_parts(manifest: Manifest) -> tuple[ArtifactRecord, list[str], Callable[[bytes, Manifest], Any]]:
    from modelops.artifacts.onnx_model import RUNTIME_DISTRIBUTION

    record = manifest.files.get("onnx")
    if record is None:
        why = (manifest.onnx_verification or {}).get("reason", "it was published before ONNX export existed")
        raise ModelUnavailable("onnx_unavailable", f"{manifest.name}/{manifest.version} has no verified ONNX model "
                                                   f"({why}); deploy it with ModelRuntime=sklearn and the joblib "
                                                   "artifact's SHA-256.")
    verified_with = (manifest.onnx_verification or {}).get("onnxruntime")
    running = installed(RUNTIME_DISTRIBUTION)
    skew = [] if verified_with == running else [f"onnxruntime {verified_with} (verified the model) != {running} (installed)"]
    return record, skew, _onnx_session


def _unpickle_pipeline(data: bytes, manifest: Manifest) -> Any:
    pipeline = _unpickle(data, f"{manifest.name}/{manifest.version}")
    model_classes = [c.item() if hasattr(c, "item") else c for c in getattr(pipeline, "classes_", [])]
    if model_classes != manifest.classes:
        raise ModelUnavailable(
            "manifest_invalid", f"Model classes {model_classes} differ from the manifest's {manifest.classes}."
        )
    return pipeline


def _onnx_session(data: bytes, manifest: Manifest) -> Any:
    from modelops.artifacts.onnx_model import OnnxPipeline

    try:
        return OnnxPipeline(data, manifest.classes, tuple(feature.kind for feature in manifest.features))
    except Exception as error:  # onnxruntime raises its own types for invalid graphs
        raise ModelUnavailable("artifact_corrupt", f"ONNX model of {manifest.name}/{manifest.version} could not be "
                                                   f"loaded: {error}") from error


def _read(store: ModelStore | BundledModelStore, name: str, version: str, file: str, missing_reason: str) -> bytes:
    if isinstance(store, BundledModelStore):
        try:
            return store.read(name, version, file)
        except OSError as error:
            raise ModelUnavailable(missing_reason, f"{store.key(name, version, file)} is not in the deployment "
                                                   f"package: {error}") from error
    # Only here, on the S3 path: a function whose model is bundled never imports botocore.
    from botocore.exceptions import BotoCoreError, ClientError, ConnectionError as BotoConnectionError

    where = f"s3://{store.bucket}/{store.key(name, version, file)}"
    try:
        return store.read(name, version, file)
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in MISSING_OBJECT_CODES:
            raise ModelUnavailable(missing_reason, f"{where} does not exist.") from error
        if code == "NoSuchBucket":
            raise ModelUnavailable(missing_reason, f"Bucket {store.bucket} does not exist.") from error
        raise ModelUnavailable("storage_error", f"Reading {where} failed: {code}.") from error
    except (BotoConnectionError, BotoCoreError) as error:
        raise ModelUnavailable("storage_unreachable", f"Could not reach S3 to read {where}: {error}") from error


def _read_manifest(store: ModelStore | BundledModelStore, name: str, version: str) -> Manifest:
    data = _read(store, name, version, MANIFEST_FILE, "manifest_missing")
    try:
        return Manifest.from_json(data)
    except ValidationError as error:
        raise ModelUnavailable(
            "manifest_invalid", f"Manifest of {name}/{version} is invalid: {error.error_count()} problem(s)."
        ) from error


def _unpickle(data: bytes, label: str) -> Any:
    import joblib
    from sklearn.exceptions import InconsistentVersionWarning

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            return joblib.load(io.BytesIO(data))
    except Exception as error:  # a corrupt pickle can raise almost anything
        raise ModelUnavailable("artifact_corrupt", f"Artifact of {label} could not be loaded: {error!r}") from error
