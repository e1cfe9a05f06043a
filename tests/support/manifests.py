"""A small, hand-written manifest for unit tests that need a manifest and not a trained model:
two features, two classes, a linear explainer, pinned file records (their hashes are of the
bytes named in FILES, so a store test can publish them)."""
import hashlib

from modelops.artifacts.explainer_spec import ExplainerSpec, LinearTerms
from modelops.artifacts.importance import GlobalImportance
from modelops.artifacts.library_versions import installed_versions
from modelops.artifacts.manifest import ArtifactRecord, Manifest
from modelops.statistics.feature_summary import FeatureSummary

FILES = {"model.joblib": b"not really a pipeline", "baseline.json": b'{"baseline": true}'}


def record(file: str, format: str) -> ArtifactRecord:
    data = FILES[file]
    return ArtifactRecord(file=file, format=format, sha256=hashlib.sha256(data).hexdigest(), size_bytes=len(data))


def small_manifest(name: str = "small", version: str = "20261204T120000Z-0123abcd") -> Manifest:
    return Manifest(
        name=name, version=version, created_at="2026-12-04T12:00:00Z",
        artifact=record("model.joblib", "joblib"),
        libraries=installed_versions(), target="label", classes=[0, 1],
        features=[FeatureSummary(name=f, count=10, missing_rate=0.0, min=0.0, max=1.0, mean=0.5) for f in ("a", "b")],
        metrics={"model": {"accuracy": 0.9}}, cleaning={}, data_fingerprint="0" * 64, training={},
        files={"baseline": record("baseline.json", "json")},
        explainer=ExplainerSpec(method="linear_exact", reason="a logistic regression: exact terms", medians=[0.5, 0.5],
                                linear=LinearTerms(means=[0.5, 0.5], scales=[1.0, 1.0], coefficients=[[1.0, -1.0]],
                                                   intercepts=[0.0])),
        importance=GlobalImportance.model_validate({"permutation": {
            "scoring": "roc_auc", "repeats": 5, "rows": 10,
            "features": [{"feature": "a", "importance": 0.1, "std": 0.01}, {"feature": "b", "importance": 0.05, "std": 0.01}]}}),
    )
