"""From validated instances to predictions, in the feature order the model was trained on."""
from typing import Any

import numpy as np

from modelops.artifacts.loader import LoadedModel
from modelops.platform.ids import new_prediction_ids
from modelops.serving.scoring import probabilities as scored


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
