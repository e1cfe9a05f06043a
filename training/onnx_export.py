"""Convert the fitted pipeline to ONNX and verify the conversion before anything is published.

The joblib pipeline stays canonical. The ONNX model only serves if, on every verification row,
it answers like scikit-learn: a classifier's probabilities within TOLERANCE and the same class,
except where scikit-learn itself sees a tie (its top two probabilities within TOLERANCE: there
either tied class is a faithful answer); a regressor's prediction within TOLERANCE relative to
max(1, |value|, the training target's mean magnitude) (float32 carries about 7 significant
digits, so an absolute bound would refuse large targets for rounding alone; and a prediction
near 0 that is the difference of large terms, say a year 90 years off times its weight against
the rest, carries the rounding of those terms, invisible on the target's own scale). A pipeline that fails to convert, to run or to verify is
published joblib-only, and training says why. sklearn-onnx has given wrong results for one-hot
encoders inside column transformers (its issues #1046, #671, #321): this gate is what catches
such a case, whatever its cause.

The graph's inputs (what serving feeds it):
- All features numeric or boolean: one float32 input INPUT_NAME of shape [rows, features], as before.
- Any categorical feature: one input per feature, named column_input(index) in manifest order,
  shape [rows, 1]: float32 for numeric and boolean features (NaN missing), string for
  categorical ones ("" missing).
Outputs: a classifier's "label" and "probabilities" (no ZipMap); a regressor's REGRESSION_OUTPUT.

Verification rows: the held-out rows; the same rows with 20% of values missing (the imputer is
in the graph); numeric values perturbed at several scales; with categorical features, rows with
categories training never saw; and, for tree ensembles, rows with one numeric feature set
exactly on (and a hair either side of) a split threshold, where float32 arithmetic in the ONNX
graph is most likely to take the other branch.
"""
import os
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # before onnxruntime is imported

from modelops.artifacts.manifest import Task
from modelops.artifacts.onnx_model import INPUT_NAME, OnnxPipeline, column_input, feed as feed_columns
from modelops.statistics.feature_summary import MISSING_CATEGORY
from training.pipeline import Columns

TOLERANCE = 1e-5
ONNX_FILE = "model.onnx"
UNSEEN_CATEGORY = "\x00unseen"  # a category no training row can have
MAX_ROWS = 5000  # held-out rows verified (a seeded sample beyond): each kind of row is built from them


@dataclass
class Verification:
    passed: bool
    reason: str  # why it failed, or "verified"
    tolerance: float = TOLERANCE
    rows: dict[str, int] = field(default_factory=dict)  # rows checked per kind
    max_abs_difference: float | None = None  # regression: relative to max(1, |value|, target scale)
    label_mismatches: int = 0
    ties_accepted: int = 0
    onnxruntime: str = ""  # the version that verified it; serving must run the same one

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def convert(pipeline: Any, n_features: int, columns: Columns | None = None, task: Task = "classification") -> bytes:
    """ONNX bytes with the inputs and outputs the module docstring describes."""
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType, StringTensorType

    if columns is not None and columns.mixed:
        inputs = [(column_input(index), StringTensorType([None, 1]) if kind == "categorical" else FloatTensorType([None, 1]))
                  for index, kind in enumerate(columns.kinds)]
    else:
        inputs = [(INPUT_NAME, FloatTensorType([None, n_features]))]
    with warnings.catch_warnings():
        # onnx's deprecation notices about skl2onnx's own attribute types: not ours to fix, and noise.
        warnings.simplefilter("ignore", DeprecationWarning)
        model = to_onnx(pipeline, initial_types=inputs, options={"zipmap": False} if task == "classification" else None,
                        target_opset={"": 17, "ai.onnx.ml": 3})
    return model.SerializeToString()


def feed(matrix: np.ndarray, columns: Columns) -> dict[str, np.ndarray]:
    """The per-feature inputs of a mixed model's graph, from the pipeline's input matrix (serving's
    own conversion, modelops.artifacts.onnx_model.feed: verified is what serves)."""
    return feed_columns(matrix, columns.kinds)


class _Served:
    """The ONNX model behind the pipeline's own method, probabilities or predictions, run through
    modelops' OnnxPipeline: exactly what the function runs, for every kind of model."""

    def __init__(self, onnx_bytes: bytes, pipeline: Any, columns: Columns | None, task: Task):
        kinds = columns.kinds if columns is not None and columns.mixed else ()
        self.task = task
        self.pipeline = OnnxPipeline(onnx_bytes, list(getattr(pipeline, "classes_", [])), kinds)

    def answer(self, matrix: np.ndarray) -> np.ndarray:
        if self.task == "classification":
            return self.pipeline.predict_proba(matrix)
        return self.pipeline.predict(matrix).reshape(len(matrix), 1)


def _numeric_input_columns(pipeline: Any, columns: Columns | None) -> tuple[list[int], Any]:
    """(input column of each numeric model feature, the scaler in front of the model, or None)."""
    if columns is None or not columns.mixed:
        scaler = dict(pipeline.steps).get("scale")
        return (list(range(len(scaler.mean_))), scaler) if scaler is not None else ([], None)
    numeric = [index for index, kind in enumerate(columns.kinds) if kind != "categorical"]
    if not numeric:
        return [], None
    return numeric, pipeline.named_steps["prepare"].named_transformers_["numeric"].named_steps["scale"]


def _split_points(pipeline: Any, columns: Columns | None = None) -> list[tuple[int, float]]:
    """(input column, threshold) of every split on a numeric feature of a tree ensemble, in the
    raw input's units. The model's first features are the numeric ones (the column transformer
    puts them first); splits on one-hot columns are left to the unseen-category rows."""
    model = pipeline.steps[-1][1]
    points: list[tuple[int, float]] = []
    for tree in getattr(model, "estimators_", []):
        inner = tree.tree_
        points += [(int(f), float(t)) for f, t in zip(inner.feature, inner.threshold) if f >= 0]
    for iteration in getattr(model, "_predictors", []):
        for predictor in iteration:
            nodes = predictor.nodes[predictor.nodes["is_leaf"] == 0]
            points += [(int(f), float(t)) for f, t in zip(nodes["feature_idx"], nodes["num_threshold"])]
    if not points:
        return points
    inputs, scaler = _numeric_input_columns(pipeline, columns)
    if scaler is None:
        return points if columns is None or not columns.mixed else []
    # Splits are in the scaler's output units; map back to what a caller sends.
    return [(inputs[f], t * scaler.scale_[f] + scaler.mean_[f]) for f, t in points if f < len(inputs)]


def verification_rows(pipeline: Any, held_out: np.ndarray, seed: int, limit: int = 2000,
                      columns: Columns | None = None) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    if len(held_out) > MAX_ROWS:
        held_out = held_out[np.sort(rng.choice(len(held_out), MAX_ROWS, replace=False))]
    mixed = columns is not None and columns.mixed
    categorical = [index for index, kind in enumerate(columns.kinds) if kind == "categorical"] if mixed else []
    numeric = [index for index in range(held_out.shape[1]) if index not in categorical]
    rows = {"held_out": held_out}
    with_missing = held_out.copy()
    blank = rng.uniform(size=held_out.shape) < 0.2
    for index in range(held_out.shape[1]):
        with_missing[blank[:, index], index] = MISSING_CATEGORY if index in categorical else np.nan
    rows["missing_values"] = with_missing
    scales = np.array([1e-6, 1e-3, 0.05])[rng.integers(0, 3, held_out.shape[0])][:, None]
    perturbed = held_out.copy()
    values = np.asarray(held_out[:, numeric], dtype=np.float64)
    perturbed[:, numeric] = values * (1 + scales * rng.standard_normal(values.shape))
    rows["perturbed"] = perturbed
    if categorical:
        unseen = held_out.copy()
        for index in categorical:
            unseen[rng.uniform(size=len(unseen)) < 0.5, index] = UNSEEN_CATEGORY
        rows["unseen_categories"] = unseen
    points = _split_points(pipeline, columns)
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


def target_scale(task: Task, targets: np.ndarray) -> float:
    """A regression target's typical magnitude, the mean |value| of the training targets (1 for a
    classifier, whose probabilities are compared absolutely)."""
    if task != "regression":
        return 1.0
    values = np.abs(np.asarray(targets, dtype=np.float64))
    return float(values.mean()) if values.size else 1.0


def relative_difference(expected: np.ndarray, actual: np.ndarray, scale: float = 1.0) -> float:
    """The largest |actual - expected| / max(1, |expected|, scale): a regressor's verification measure."""
    return float((np.abs(actual - expected) / np.maximum(max(1.0, scale), np.abs(expected))).max())


def verify(onnx_bytes: bytes, pipeline: Any, rows: dict[str, np.ndarray], columns: Columns | None = None,
           task: Task = "classification", scale: float = 1.0) -> Verification:
    import onnxruntime

    served = _Served(onnx_bytes, pipeline, columns, task)
    worst, mismatches, ties = 0.0, 0, 0
    for matrix in rows.values():
        if task == "classification":
            difference, differ, tied = compare(pipeline.predict_proba(matrix), served.answer(matrix))
        else:
            difference, differ, tied = relative_difference(pipeline.predict(matrix), served.answer(matrix)[:, 0],
                                                           scale), 0, 0
        worst, mismatches, ties = max(worst, difference), mismatches + differ, ties + tied
    counts = {kind: int(len(matrix)) for kind, matrix in rows.items()}
    what = "probabilities" if task == "classification" else f"predictions (relative to max(1, |value|, {scale:.4g}))"
    if not worst <= TOLERANCE:  # NaN fails too
        reason = f"{what} differ from scikit-learn's by up to {worst:.2e} (tolerance {TOLERANCE:.0e})"
    elif mismatches:
        reason = f"{mismatches} predicted labels differ from scikit-learn's outside ties"
    else:
        reason = "verified"
    return Verification(reason == "verified", reason, TOLERANCE, counts, worst, mismatches, ties, onnxruntime.__version__)


def export(pipeline: Any, held_out: np.ndarray, seed: int, columns: Columns | None = None,
           task: Task = "classification", scale: float = 1.0) -> tuple[bytes | None, Verification]:
    """The verified ONNX bytes, or None with the reason it cannot serve. `scale`: a regressor's
    target_scale (of its training targets)."""
    try:
        onnx_bytes = convert(pipeline, held_out.shape[1], columns, task)
    except Exception as error:  # skl2onnx raises many types for unsupported pipelines
        return None, Verification(False, f"conversion failed: {type(error).__name__}: {error}"[:500])
    try:
        verification = verify(onnx_bytes, pipeline, verification_rows(pipeline, held_out, seed, columns=columns),
                              columns, task, scale)
    except Exception as error:  # onnxruntime refusing the graph or an input is a failed verification
        return None, Verification(False, f"ONNX Runtime failed on the verification rows: {type(error).__name__}: "
                                         f"{error}"[:500])
    return (onnx_bytes if verification.passed else None), verification
