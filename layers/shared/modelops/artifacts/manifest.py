"""The manifest: what a published model version is, and everything needed to trust it."""
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from modelops.artifacts.explainer_spec import ExplainerSpec
from modelops.statistics.feature_summary import FeatureSummary
from modelops.artifacts.importance import GlobalImportance
from modelops.artifacts.library_versions import LibraryVersions

Label = int | str
Task = Literal["classification", "regression"]


class ArtifactRecord(BaseModel):
    file: str
    format: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size_bytes: int


class Manifest(BaseModel):
    schema_version: int = 1
    name: str
    version: str
    created_at: str
    artifact: ArtifactRecord
    libraries: LibraryVersions
    target: str
    # Defaults keep manifests written before regression valid: they were all classifiers.
    task: Task = "classification"
    classes: list[Label] = []  # the classifier's classes in its output order; [] for regression
    features: list[FeatureSummary]
    metrics: dict[str, Any]
    cleaning: dict[str, Any]
    data_fingerprint: str
    training: dict[str, Any]
    # The version's other files by role ("baseline", "model_card"), each hash-pinned like the
    # artifact so a reader can verify what it loads. Absent in versions published before them.
    files: dict[str, ArtifactRecord] = {}
    # Result of checking the ONNX conversion against the pipeline (training/onnx_export.py);
    # files["onnx"] exists only when it passed.
    onnx_verification: dict[str, Any] | None = None
    # How POST /predict?explain=true explains this version, with the numbers it needs, and global
    # importance for GET /model (training/explainer.py, training/importance.py). In the manifest,
    # not a separate file: the ONNX runtime needs them without scikit-learn, and the manifest is
    # already read at load. None in versions published before explanations existed.
    explainer: ExplainerSpec | None = None
    importance: GlobalImportance | None = None

    @model_validator(mode="after")
    def _classes_fit_the_task(self) -> "Manifest":
        if self.task == "classification" and len(self.classes) < 2:
            raise ValueError("a classifier's manifest lists at least two classes")
        if self.task == "regression" and self.classes:
            raise ValueError("a regressor's manifest lists no classes")
        return self

    def serving_file(self, runtime: str | None = None) -> tuple[str, ArtifactRecord]:
        """The runtime to serve this version with and the file it loads: ONNX Runtime when the
        version has a verified ONNX model (faster start, smaller layer), else scikit-learn. A
        runtime asked for by name must have its file (ValueError names what to use instead)."""
        onnx = self.files.get("onnx")
        if runtime is None:
            runtime = "onnx" if onnx else "sklearn"
        if runtime == "onnx":
            if onnx is None:
                raise ValueError(f"{self.name}/{self.version} has no verified ONNX model: serve it with sklearn")
            return runtime, onnx
        if runtime == "sklearn":
            return runtime, self.artifact
        raise ValueError(f"unknown runtime {runtime!r}: onnx or sklearn")

    @property
    def feature_names(self) -> list[str]:
        return [feature.name for feature in self.features]

    def to_json(self) -> bytes:
        return self.model_dump_json(indent=2).encode()

    @classmethod
    def from_json(cls, data: bytes) -> "Manifest":
        return cls.model_validate_json(data)

    def summary(self) -> dict[str, Any]:
        """What `GET /model` shows: enough to know what is serving, nothing internal."""
        return {
            "name": self.name,
            "version": self.version,
            "created_at": self.created_at,
            "artifact_sha256": self.artifact.sha256,
            "libraries": self.libraries.model_dump(),
            "target": self.target,
            "task": self.task,  # a regressor has no classes, and its labels are numbers
            "classes": self.classes,
            "metrics": self.metrics,
            "features": [feature.model_dump() for feature in self.features],
            "explanation": {"method": self.explainer.method, "reason": self.explainer.reason} if self.explainer else None,
            "importance": self.importance.model_dump() if self.importance else None,
        }
