"""Convert the fitted pipeline to ONNX and verify the conversion before anything is published.

The joblib pipeline stays canonical. The ONNX model only serves if, on every verification row,
its probabilities are within TOLERANCE of scikit-learn's and it names the same class, except
where scikit-learn itself sees a tie (its top two probabilities within TOLERANCE): there either
tied class is a faithful answer. A pipeline that fails to convert or to verify is published
joblib-only, and training says why.

Verification rows: the held-out rows; the same rows with 20% of values missing (the imputer is
in the graph); rows perturbed at several scales; and, for tree ensembles, rows with one feature
set exactly on (and a hair either side of) a split threshold, where float32 arithmetic in the
ONNX graph is most likely to take the other branch.
"""
import os
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # before onnxruntime is imported

from modelops.artifacts.onnx_model import INPUT_NAME, OnnxPipeline

TOLERANCE = 1e-5
ONNX_FILE = "model.onnx"


@dataclass
class Verification:
    passed: bool
    reason: str  # why it failed, or "verified"
    tolerance: float = TOLERANCE
    rows: dict[str, int] = field(default_factory=dict)  # rows checked per kind
    max_abs_difference: float | None = None
    label_mismatches: int = 0
    ties_accepted: int = 0
    onnxruntime: str = ""  # the version that verified it; serving must run the same one

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def convert(pipeline: Any, n_features: int) -> bytes:
    """ONNX bytes: float32 input named INPUT_NAME, outputs label and probabilities (no ZipMap)."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType

    with warnings.catch_warnings():
        # onnx's deprecation notices about skl2onnx's own attribute types: not ours to fix, and noise.
        warnings.simplefilter("ignore", DeprecationWarning)
        model = to_onnx(pipeline, initial_types=[(INPUT_NAME, FloatTensorType([None, n_features]))],
                        options={"zipmap": False}, target_opset={"": 17, "ai.onnx.ml": 3})
    return model.SerializeToString()


def _split_points(pipeline: Any) -> list[tuple[int, float]]:
    """(feature, threshold) of every split of a tree ensemble, in the raw input's units."""
    model = pipeline.steps[-1][1]
    points: list[tuple[int, float]] = []
    for tree in getattr(model, "estimators_", []):
        inner = tree.tree_
        points += [(int(f), float(t)) for f, t in zip(inner.feature, inner.threshold) if f >= 0]
    for iteration in getattr(model, "_predictors", []):
        for predictor in iteration:
            nodes = predictor.nodes[predictor.nodes["is_leaf"] == 0]
            points += [(int(f), float(t)) for f, t in zip(nodes["feature_idx"], nodes["num_threshold"])]
    scaler = dict(pipeline.steps).get("scale")
    if scaler is None or not points:
        return points
    # Splits are in the scaler's output units; map back to what a caller sends.
    return [(f, t * scaler.scale_[f] + scaler.mean_[f]) for f, t in points]


def verification_rows(pipeline: Any, held_out: np.ndarray, seed: int, limit: int = 2000) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    rows = {"held_out": held_out}
    with_missing = held_out.copy()
    with_missing[rng.uniform(size=held_out.shape) < 0.2] = np.nan
    rows["missing_values"] = with_missing
    scales = np.array([1e-6, 1e-3, 0.05])[rng.integers(0, 3, held_out.shape[0])][:, None]
    rows["perturbed"] = held_out * (1 + scales * rng.standard_normal(held_out.shape))
    points = _split_points(pipeline)
    if points:
        chosen = rng.choice(len(points), size=min(limit // 3, len(points)), replace=False)
        base = held_out[rng.integers(0, len(held_out), len(chosen))]
        near = []
        for offset in (0.0, -1e-9, 1e-9):
            batch = base.copy()
            for row, index in enumerate(chosen):
                feature, threshold = points[index]
                batch[row, feature] = threshold * (1 + offset) if threshold else offset
            near.append(batch)
        rows["split_thresholds"] = np.vstack(near)
    return rows


def compare(expected: np.ndarray, actual: np.ndarray) -> tuple[float, int, int]:
    """(largest probability difference, label differences outside ties, label differences at ties).
    Labels are each side's argmax, as serving computes them; a tie is a row whose top two
    scikit-learn probabilities are within TOLERANCE."""
    ordered = np.sort(expected, axis=1)
    tied = ordered[:, -1] - ordered[:, -2] <= TOLERANCE
    differs = actual.argmax(axis=1) != expected.argmax(axis=1)
    return float(np.abs(actual - expected).max()), int((differs & ~tied).sum()), int((differs & tied).sum())


def verify(onnx_bytes: bytes, pipeline: Any, rows: dict[str, np.ndarray]) -> Verification:
    import onnxruntime

    served = OnnxPipeline(onnx_bytes, list(pipeline.classes_))  # exactly what the function will run
    worst, mismatches, ties = 0.0, 0, 0
    for matrix in rows.values():
        expected = pipeline.predict_proba(matrix)
        actual = served.predict_proba(matrix)
        difference, differ, tied = compare(expected, actual)
        worst, mismatches, ties = max(worst, difference), mismatches + differ, ties + tied
    counts = {kind: int(len(matrix)) for kind, matrix in rows.items()}
    if worst > TOLERANCE:
        reason = f"probabilities differ from scikit-learn's by up to {worst:.2e} (tolerance {TOLERANCE:.0e})"
    elif mismatches:
        reason = f"{mismatches} predicted labels differ from scikit-learn's outside ties"
    else:
        reason = "verified"
    return Verification(reason == "verified", reason, TOLERANCE, counts, worst, mismatches, ties, onnxruntime.__version__)


def export(pipeline: Any, held_out: np.ndarray, seed: int) -> tuple[bytes | None, Verification]:
    """The verified ONNX bytes, or None with the reason it cannot serve."""
    try:
        onnx_bytes = convert(pipeline, held_out.shape[1])
    except Exception as error:  # skl2onnx raises many types for unsupported pipelines
        return None, Verification(False, f"conversion failed: {type(error).__name__}: {error}"[:500])
    verification = verify(onnx_bytes, pipeline, verification_rows(pipeline, held_out, seed))
    return (onnx_bytes if verification.passed else None), verification
