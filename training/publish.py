"""Write a trained model version: joblib artifact + manifest, to S3 under models/NAME/VERSION/."""
import io
from datetime import datetime, timezone
from typing import Any

import joblib

from modelops.statistics.feature_summary import FeatureSummary
from modelops.artifacts.integrity import sha256_hex
from modelops.artifacts.library_versions import installed_versions
from modelops.artifacts.manifest import ArtifactRecord, Manifest, Task
from training.registry import ModelRegistry
from training.versions import new_version

ARTIFACT_FILE = "model.joblib"


def serialize(pipeline: Any) -> bytes:
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    return buffer.getvalue()


def build_manifest(
    *,
    name: str,
    artifact: bytes,
    target: str,
    classes: list[Any],
    task: Task = "classification",
    features: list[FeatureSummary],
    metrics: dict[str, Any],
    cleaning: dict[str, Any],
    data_fingerprint: str,
    training: dict[str, Any],
    files: dict[str, ArtifactRecord] | None = None,
    now: datetime | None = None,
) -> Manifest:
    moment = now or datetime.now(timezone.utc)
    sha256 = sha256_hex(artifact)
    return Manifest(
        name=name,
        version=new_version(sha256, moment),
        created_at=moment.isoformat(timespec="seconds"),
        artifact=ArtifactRecord(file=ARTIFACT_FILE, format="joblib", sha256=sha256, size_bytes=len(artifact)),
        libraries=installed_versions(),
        target=target,
        task=task,
        classes=classes,
        features=features,
        metrics=metrics,
        cleaning=cleaning,
        data_fingerprint=data_fingerprint,
        training=training,
        files=files or {},
    )


def file_record(file: str, data: bytes, format: str) -> ArtifactRecord:
    """What the manifest says about one of the version's files (`Manifest.files`)."""
    return ArtifactRecord(file=file, format=format, sha256=sha256_hex(data), size_bytes=len(data))


def publish(store: ModelRegistry, manifest: Manifest, artifact: bytes, files: dict[str, bytes] | None = None) -> list[str]:
    """The artifact and the version's other files (each named in `manifest.files`), manifest last."""
    extra = files or {}
    named = {record.file for record in manifest.files.values()}
    if set(extra) != named:
        raise ValueError(f"files {sorted(extra)} do not match the manifest's {sorted(named)}")
    return store.publish(manifest, {ARTIFACT_FILE: artifact, **extra})


def deploy_command(manifest: Manifest) -> str:
    """The one command that serves this version: make deploy reads the runtime training chose and
    the hash it pins from the manifest in S3 (Manifest.serving_file), so neither is typed by hand."""
    runtime, _ = manifest.serving_file()
    return f"make deploy MODEL_NAME={manifest.name} MODEL_VERSION={manifest.version}   # serves it on {runtime}"
