"""A batch's predictions as arrays: ids, class probabilities and the index of each row's label.

Nothing here is formatted: the route builds the response, the explanation and the capture records
from these arrays once, at the edge (functions/inference/app.py), and `outputs()` is the one
per-row {label, probabilities} that both the response and the capture record carry.
"""
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from modelops.artifacts.loader import LoadedModel
from modelops.artifacts.manifest import Label
from modelops.platform.ids import new_prediction_ids
from modelops.serving.scoring import probabilities as scored


@dataclass(frozen=True)
class Predictions:
    ids: list[str]
    probabilities: np.ndarray  # (rows, classes), columns in `classes` order
    winners: np.ndarray  # each row's label, as an index into `classes`
    classes: list[Label]

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def labels(self) -> list[Label]:
        return [self.classes[winner] for winner in self.winners.tolist()]

    @cached_property
    def outputs(self) -> list[dict[str, Any]]:
        """Per row {"label", "probabilities" by class name}: built once, shared by response and capture."""
        names = [str(label) for label in self.classes]
        return [{"label": label, "probabilities": dict(zip(names, row))}
                for label, row in zip(self.labels, self.probabilities.tolist())]


def predict(model: LoadedModel, matrix: np.ndarray) -> Predictions:
    # UnscorableInstances if a row overflows the model, decided alike on either runtime.
    probabilities = scored(model.pipeline, matrix, model.manifest.explainer)
    return Predictions(new_prediction_ids(len(probabilities)), probabilities, probabilities.argmax(axis=1),
                       model.manifest.classes)
