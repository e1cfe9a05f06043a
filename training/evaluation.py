"""Held-out evaluation of a fitted pipeline next to the best constant predictor.

Classification: against always answering the training class priors (the majority class as label).
Regression: MAE, RMSE and R², against always answering the training median (the constant with
the smallest MAE) for MAE and the training mean (the smallest RMSE; R² 0 by definition on the
training rows) for RMSE and R². A model that cannot beat that has learned nothing.
"""
from typing import Any

import numpy as np
from modelops.statistics.classification import classification_report
from modelops.statistics.regression import regression_report



def class_priors(labels: np.ndarray, classes: list[Any]) -> np.ndarray:
    return np.array([np.mean(labels == label) for label in classes], dtype=np.float64)


def evaluate(pipeline: Any, features: np.ndarray, labels: np.ndarray, classes: list[Any], train_labels: np.ndarray) -> dict[str, Any]:
    """Metrics of the model, and of always answering the training class priors."""
    model = classification_report(labels, pipeline.predict_proba(features), classes)
    priors = np.tile(class_priors(train_labels, classes), (len(labels), 1))
    baseline = classification_report(labels, priors, classes)
    return {"model": model, "best_constant": baseline}


def evaluate_regression(pipeline: Any, features: np.ndarray, targets: np.ndarray, train_targets: np.ndarray) -> dict[str, Any]:
    """Metrics of the model, and of the best constant for each metric (fitted on the training split)."""
    truth = np.asarray(targets, dtype=np.float64)
    model = regression_report(truth, pipeline.predict(features))
    median = regression_report(truth, np.full(truth.shape, np.median(train_targets)))
    mean = regression_report(truth, np.full(truth.shape, np.mean(train_targets)))
    constant = {"mae": median["mae"], "rmse": mean["rmse"], "r2": mean["r2"], "bias": mean["bias"],
                "median": float(np.median(train_targets)), "mean": float(np.mean(train_targets))}
    return {"model": model, "best_constant": constant}
