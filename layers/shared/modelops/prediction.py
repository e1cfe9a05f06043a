"""From validated instances to predictions, in the feature order the model was trained on."""
from operator import itemgetter
from typing import Any

import numpy as np

from modelops.model_loader import LoadedModel
from modelops.prediction_ids import new_prediction_ids
from modelops.scoring import probabilities as scored


class UnknownFeatures(ValueError):
    def __init__(self, details: list[dict[str, str]]):
        super().__init__("unknown feature names")
        self.details = details


def instances_to_matrix(instances: list[dict[str, float | None]], feature_names: list[str]) -> np.ndarray:
    """Rows in training column order; null or absent features become NaN for the imputer."""
    known = set(feature_names)
    if not all(map(known.issuperset, instances)):
        raise UnknownFeatures([
            {"location": f"instances.{index}.{name}", "message": "Unknown feature name."}
            for index, instance in enumerate(instances)
            for name in instance
            if name not in known
        ])
    try:  # usually every feature is sent: one C-level lookup per row
        rows = list(map(itemgetter(*feature_names), instances))
    except KeyError:  # some left out: they are missing values, like null
        rows = [list(map(instance.get, feature_names)) for instance in instances]
    # One conversion for the whole batch (None becomes NaN), not one numpy store per value.
    return np.array(rows, dtype=np.float64).reshape(len(instances), len(feature_names))


def predict(model: LoadedModel, matrix: np.ndarray) -> list[dict[str, Any]]:
    probabilities = scored(model.pipeline, matrix)  # UnscorableInstances if a row overflows the model
    classes = model.manifest.classes
    winners = probabilities.argmax(axis=1).tolist()
    names = [str(label) for label in classes]
    return [
        {
            "prediction_id": prediction_id,
            "label": classes[winner],
            "probabilities": dict(zip(names, row)),
        }
        for prediction_id, winner, row in zip(new_prediction_ids(len(winners)), winners, probabilities.tolist())
    ]
