"""Regression metrics in numpy alone, so training's held-out evaluation and the monitor's labelled
windows compute them one way (the monitor's layer has no scikit-learn). Tests check every figure
against sklearn.metrics."""
import numpy as np
from numpy.typing import ArrayLike

REGRESSION_METRICS = ("mae", "rmse", "r2", "bias")


def regression_report(truth: ArrayLike, predicted: ArrayLike) -> dict[str, float]:
    """MAE, RMSE, R² (1 - residual / total sum of squares; 0.0 when the truth is constant, as a
    constant predictor would score, instead of sklearn's NaN or -inf) and bias (mean of predicted
    minus truth: positive when the model over-predicts)."""
    truth, predicted = np.asarray(truth, dtype=np.float64), np.asarray(predicted, dtype=np.float64)
    if truth.shape != predicted.shape or truth.ndim != 1 or truth.size == 0:
        raise ValueError("truth and predicted must be 1-D, non-empty and the same length")
    errors = predicted - truth
    total = float(np.sum((truth - truth.mean()) ** 2))
    return {"mae": float(np.mean(np.abs(errors))), "rmse": float(np.sqrt(np.mean(errors ** 2))),
            "r2": 1.0 - float(np.sum(errors ** 2)) / total if total > 0 else 0.0, "bias": float(np.mean(errors))}
