"""Class probabilities for a feature matrix, refusing the rows the model cannot score.

A finite input can still overflow inside a pipeline: 1.7e308 divided by a standard deviation
below 1 is inf in float64, and anything above 3.4e38 is inf once cast to ONNX's float32.
scikit-learn then raises ValueError for the whole batch (a 500), and ONNX Runtime returns NaN
probabilities (sent as null, with a label picked from NaNs). Either way the request's values are
at fault, so the rows are named and refused, never answered with a 500 or a made-up label.
"""
from typing import Any

import numpy as np

from modelops.platform.errors import RequestError


class UnscorableInstances(RequestError):
    status, code = 422, "unscorable_instance"
    row_message = "Values too large for the model to score."

    def __init__(self, rows: list[int]):
        super().__init__("The model cannot score these values (they overflow its arithmetic); send realistic magnitudes.",
                         [{"location": f"instances.{row}", "message": self.row_message} for row in rows])
        self.rows = rows


def probabilities(pipeline: Any, matrix: np.ndarray) -> np.ndarray:
    try:
        scores = np.asarray(pipeline.predict_proba(matrix), dtype=np.float64)
    except ValueError as batch_error:
        scores = _row_by_row(pipeline, matrix, batch_error)
    unscorable = np.flatnonzero(~np.isfinite(scores).all(axis=1))
    if unscorable.size:
        raise UnscorableInstances(unscorable.tolist())
    return scores


def _row_by_row(pipeline: Any, matrix: np.ndarray, batch_error: ValueError) -> np.ndarray:
    """Score each row alone; a row that fails gets NaN probabilities. A row of missing values is
    always scorable (the imputer fills every feature): if it fails too, the fault is the model's,
    not the request's, and the batch's error is raised."""
    try:
        reference = np.asarray(pipeline.predict_proba(np.full((1, matrix.shape[1]), np.nan)), dtype=np.float64)
    except ValueError:
        raise batch_error
    rows = []
    for row in matrix:
        try:
            rows.append(np.asarray(pipeline.predict_proba(row[np.newaxis, :]), dtype=np.float64)[0])
        except ValueError:
            rows.append(np.full(reference.shape[1], np.nan))
    return np.vstack(rows)
