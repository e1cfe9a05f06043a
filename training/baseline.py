"""Build the baseline shipped with a model version (modelops.artifacts.baseline says what it holds)."""
from typing import Any, Mapping, Sequence

import numpy as np
from sklearn.base import clone
from sklearn.isotonic import IsotonicRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from modelops.artifacts.baseline import PREDICTION_COLUMNS, REGRESSION_PREDICTION_COLUMNS, Baseline, Calibration, prediction_class_edges, prediction_matrix
from modelops.statistics.categories import CategoryProfile, fit_categories, profile_categories
from modelops.statistics.profile import fit_bin_edges, profile_matrix

BINS = 10
CALIBRATION_FOLDS = 5
CALIBRATION_SEED = 0  # fixed: the same data and pipeline give the same baseline


def fit_calibration(confidences: np.ndarray, correct: np.ndarray) -> Calibration:
    """Isotonic fit of correct (0/1) on confidence: the best non-decreasing step map, whose mean
    over the fitted rows equals their accuracy exactly."""
    isotonic = IsotonicRegression(y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip")
    isotonic.fit(confidences, correct.astype(np.float64))
    return Calibration(confidence=isotonic.X_thresholds_.tolist(), accuracy=isotonic.y_thresholds_.tolist(),
                       rows=int(confidences.size))


def _correct(classes: list[Any], outputs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    predicted = np.asarray(classes, dtype=object)[outputs[:, 0].astype(int)]
    return np.array([guess == truth for guess, truth in zip(predicted.tolist(), labels.tolist())])


def out_of_fold_outputs(pipeline: Any, features: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """prediction_matrix of every training row, each predicted by a copy of the pipeline fitted
    without its fold: as unseen as held-out rows, but the whole training split of them. Folds are
    stratified and never more than the rarest class has rows."""
    rarest = int(np.unique(np.asarray(labels, dtype=object).astype(str), return_counts=True)[1].min())
    folds = StratifiedKFold(n_splits=max(2, min(CALIBRATION_FOLDS, rarest)), shuffle=True, random_state=CALIBRATION_SEED)
    probabilities = cross_val_predict(clone(pipeline), features, np.asarray(labels).tolist(), cv=folds,
                                      method="predict_proba")
    return prediction_matrix(probabilities)


def profile_training_categories(columns: Mapping[str, Sequence[object]]) -> dict[str, CategoryProfile]:
    """Each categorical column of the training split counted into its own most frequent categories."""
    return {name: profile_categories(values, fit_categories(values)) for name, values in columns.items()}


def build_baseline(pipeline: Any, classes: list[Any], feature_names: list[str], train_features: np.ndarray,
                   test_features: np.ndarray, test_labels: np.ndarray, bins: int = BINS, *,
                   training_split: tuple[np.ndarray, np.ndarray],
                   categorical: Mapping[str, Sequence[object]] | None = None) -> Baseline:
    """Features from the training split (the range the model learned); predictions from the
    held-out split (the training split's predictions are overconfident); calibration from
    out-of-fold predictions over the whole training split. Fitted on the ~20% held-out rows
    alone, the calibration carried that sample's luck into every estimate (+0.03 on average on
    synthetic data with 140 held-out rows); the training split is four times larger.
    `training_split` is (rows, labels) exactly as the pipeline was fitted (every column, where
    `train_features` may hold only the profiled ones). `classes` must be the pipeline's output
    order (pipeline.classes_), which cross_val_predict also uses. `categorical` maps each
    categorical feature's name to its training-split column (str, "" missing): profiled into
    `Baseline.categories`, while `feature_names`/`train_features` are the numeric (and boolean)
    ones."""
    feature_edges = {name: fit_bin_edges(train_features[:, index], bins) for index, name in enumerate(feature_names)}
    outputs = prediction_matrix(pipeline.predict_proba(test_features))
    prediction_edges = {"predicted_class": prediction_class_edges(classes),
                        "confidence": fit_bin_edges(outputs[:, 1], bins)}
    train_rows, train_labels = training_split
    out_of_fold = out_of_fold_outputs(pipeline, train_rows, train_labels)
    return Baseline(
        classes=classes,
        features=profile_matrix(train_features, feature_names, feature_edges),
        categories=profile_training_categories(categorical or {}),
        predictions=profile_matrix(outputs, list(PREDICTION_COLUMNS), prediction_edges),
        calibration=fit_calibration(out_of_fold[:, 1], _correct(classes, out_of_fold, train_labels)),
        reference_accuracy=float(_correct(classes, outputs, test_labels).mean()),
    )


def build_regression_baseline(pipeline: Any, feature_names: list[str], train_features: np.ndarray,
                              test_features: np.ndarray, bins: int = BINS, *,
                              categorical: Mapping[str, Sequence[object]] | None = None) -> Baseline:
    """A regressor's baseline: features as for a classifier; predictions the one column of
    predicted values on the held-out split. No calibration: a regressor gives no probability of
    being right, so the monitor reports its error only from labels (modelops.artifacts.baseline)."""
    feature_edges = {name: fit_bin_edges(train_features[:, index], bins) for index, name in enumerate(feature_names)}
    values = np.asarray(pipeline.predict(test_features), dtype=np.float64).reshape(-1, 1)
    return Baseline(
        task="regression", classes=[],
        features=profile_matrix(train_features, feature_names, feature_edges),
        categories=profile_training_categories(categorical or {}),
        predictions=profile_matrix(values, list(REGRESSION_PREDICTION_COLUMNS),
                                   {REGRESSION_PREDICTION_COLUMNS[0]: fit_bin_edges(values[:, 0], bins)}),
    )
