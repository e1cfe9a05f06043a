"""Held-out evaluation of a fitted pipeline next to the best constant classifier."""
from typing import Any

import numpy as np

from modelops.statistics.classification import classification_report


def class_priors(labels: np.ndarray, classes: list[Any]) -> np.ndarray:
    return np.array([np.mean(labels == label) for label in classes], dtype=np.float64)


def evaluate(pipeline: Any, features: np.ndarray, labels: np.ndarray, classes: list[Any], train_labels: np.ndarray) -> dict[str, Any]:
    """Metrics of the model, and of always answering the training class priors (the majority
    class as label): a model that cannot beat that has learned nothing."""
    model = classification_report(labels, pipeline.predict_proba(features), classes)
    priors = np.tile(class_priors(train_labels, classes), (len(labels), 1))
    baseline = classification_report(labels, priors, classes)
    return {"model": model, "best_constant": baseline}
