"""From validated instances to predictions, in the feature order the model was trained on."""
from typing import Any

import numpy as np

from modelops.model_loader import LoadedModel
from modelops.prediction_ids import new_prediction_id
from modelops.scoring import probabilities as scored


class UnknownFeatures(ValueError):
    def __init__(self, details: list[dict[str, str]]):
        super().__init__("unknown feature names")
        self.details = details


def instances_to_matrix(instances: list[dict[str, float | None]], feature_names: list[str]) -> np.ndarray:
    """Rows in training column order; null or absent features become NaN for the imputer."""
    known = set(feature_names)
    details = [
        {"location": f"instances.{index}.{name}", "message": "Unknown feature name."}
        for index, instance in enumerate(instances)
        for name in instance
        if name not in known
    ]
    if details:
        raise UnknownFeatures(details)
    matrix = np.full((len(instances), len(feature_names)), np.nan, dtype=np.float64)
    column = {name: position for position, name in enumerate(feature_names)}
    for row, instance in enumerate(instances):
        for name, value in instance.items():
            if value is not None:
                matrix[row, column[name]] = value
    return matrix


def predict(model: LoadedModel, matrix: np.ndarray) -> list[dict[str, Any]]:
    probabilities = scored(model.pipeline, matrix)  # UnscorableInstances if a row overflows the model
    classes = model.manifest.classes
    winners = probabilities.argmax(axis=1)
    return [
        {
            "prediction_id": new_prediction_id(),
            "label": classes[winner],
            "probabilities": {str(label): float(p) for label, p in zip(classes, row)},
        }
        for winner, row in zip(winners, probabilities)
    ]
