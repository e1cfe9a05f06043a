"""Build the baseline shipped with a model version (modelops.artifacts.baseline says what it holds)."""
from typing import Any

import numpy as np
from sklearn.isotonic import IsotonicRegression

from modelops.artifacts.baseline import PREDICTION_COLUMNS, Baseline, Calibration, prediction_class_edges, prediction_matrix
from modelops.statistics.profile import fit_bin_edges, profile_matrix

BINS = 10


def fit_calibration(confidences: np.ndarray, correct: np.ndarray) -> Calibration:
    """Isotonic fit of correct (0/1) on confidence: the best non-decreasing step map, whose mean
    over the fitted rows equals their accuracy exactly."""
    isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    isotonic.fit(confidences, correct.astype(np.float64))
    return Calibration(confidence=isotonic.X_thresholds_.tolist(), accuracy=isotonic.y_thresholds_.tolist())


def build_baseline(pipeline: Any, classes: list[Any], feature_names: list[str], train_features: np.ndarray,
                   test_features: np.ndarray, test_labels: np.ndarray, bins: int = BINS) -> Baseline:
    """Features from the training split (the range the model learned); predictions and calibration
    from the held-out split (the training split's predictions are overconfident)."""
    feature_edges = {name: fit_bin_edges(train_features[:, index], bins) for index, name in enumerate(feature_names)}
    outputs = prediction_matrix(pipeline.predict_proba(test_features))
    prediction_edges = {"predicted_class": prediction_class_edges(classes),
                        "confidence": fit_bin_edges(outputs[:, 1], bins)}
    predicted = np.asarray(classes, dtype=object)[outputs[:, 0].astype(int)]
    correct = np.array([guess == truth for guess, truth in zip(predicted.tolist(), test_labels.tolist())])
    return Baseline(
        classes=classes,
        features=profile_matrix(train_features, feature_names, feature_edges),
        predictions=profile_matrix(outputs, list(PREDICTION_COLUMNS), prediction_edges),
        calibration=fit_calibration(outputs[:, 1], correct),
        reference_accuracy=float(correct.mean()),
    )
