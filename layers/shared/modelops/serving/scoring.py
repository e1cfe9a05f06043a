"""Class probabilities (a regressor: its values) for a feature matrix, refusing the rows the model
cannot score.

A finite input can still overflow inside a pipeline: 1.7e308 divided by a standard deviation
below 1 is inf in float64, and anything above 3.4e38 is inf once cast to ONNX's float32.
scikit-learn then raises ValueError for the whole batch (a 500), and ONNX Runtime returns NaN
probabilities (sent as null, with a label picked from NaNs). Either way the request's values are
at fault, so the rows are named and refused, never answered with a 500 or a made-up label.
For a linear model the rows float32 would overflow on are also decided from the manifest, before
either runtime runs, so the answer does not depend on the runtime (float32_arithmetic.py).
"""
from typing import Any, Callable

import numpy as np

from modelops.artifacts.explainer_spec import ExplainerSpec
from modelops.artifacts.features import InputSchema
from modelops.platform.errors import RequestError
from modelops.serving.float32_arithmetic import rows_beyond_float32


class UnscorableInstances(RequestError):
    status, code = 422, "unscorable_instance"
    row_message = "Values too large for the model to score."

    def __init__(self, rows: list[int]):
        super().__init__("The model cannot score these values (they overflow its arithmetic); send realistic magnitudes.",
                         [{"location": f"instances.{row}", "message": self.row_message} for row in rows])
        self.rows = rows


def probabilities(pipeline: Any, matrix: np.ndarray, explainer: ExplainerSpec | None = None,
                  inputs: InputSchema | None = None) -> np.ndarray:
    """Probabilities per row, or UnscorableInstances naming the rows the model cannot score. Pass
    the manifest's `explainer`: its linear terms decide, the same way on either runtime, which rows
    float32 arithmetic would overflow on (modelops/serving/float32_arithmetic.py); and the model's
    `inputs` (LoadedModel.inputs), without which the matrix is taken as all-numeric."""
    return _scored(lambda rows: np.asarray(pipeline.predict_proba(rows), dtype=np.float64), matrix, explainer, inputs)


def values(pipeline: Any, matrix: np.ndarray, explainer: ExplainerSpec | None = None,
           inputs: InputSchema | None = None) -> np.ndarray:
    """A regressor's predicted value per row, refused alike (a row whose value is not finite)."""
    score = lambda rows: np.asarray(pipeline.predict(rows), dtype=np.float64).reshape(len(rows), 1)  # noqa: E731
    return _scored(score, matrix, explainer, inputs)[:, 0]


def _scored(score: Callable[[np.ndarray], np.ndarray], matrix: np.ndarray, explainer: ExplainerSpec | None,
            inputs: InputSchema | None) -> np.ndarray:
    beyond = rows_beyond_float32(matrix, explainer, inputs)
    if beyond:  # scored as all-missing rows (always scorable) so one answer names every refused row
        matrix = _with_missing_rows(matrix, beyond, inputs)
    try:
        scores = score(matrix)
    except ValueError as batch_error:
        scores = _row_by_row(score, matrix, batch_error, inputs)
    if not beyond and np.isfinite(scores).all():  # the usual answer, in one pass over the scores
        return scores
    unscorable = sorted(set(beyond).union(np.flatnonzero(~np.isfinite(scores).all(axis=1)).tolist()))
    if unscorable:
        raise UnscorableInstances(unscorable)
    return scores


def _with_missing_rows(matrix: np.ndarray, rows: list[int], inputs: InputSchema | None) -> np.ndarray:
    if inputs is not None:
        return inputs.with_missing_rows(matrix, rows)
    blanked = matrix.copy()
    blanked[rows] = np.nan
    return blanked


def _row_by_row(score: Callable[[np.ndarray], np.ndarray], matrix: np.ndarray, batch_error: ValueError,
                inputs: InputSchema | None) -> np.ndarray:
    """Score each row alone; a row that fails gets NaN. A row of missing values is always
    scorable (the imputer fills every number, "" is a category): if it fails too, the fault is the
    model's, not the request's, and the batch's error is raised."""
    try:
        reference = score(inputs.missing_rows(1) if inputs is not None else np.full((1, matrix.shape[1]), np.nan))
    except ValueError:
        raise batch_error
    rows = []
    for row in matrix:
        try:
            rows.append(score(row[np.newaxis, :])[0])
        except ValueError:
            rows.append(np.full(reference.shape[1], np.nan))
    return np.vstack(rows)
