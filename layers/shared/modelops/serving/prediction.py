"""A batch's predictions as arrays: ids, class probabilities and the index of each row's label
(a regressor: ids and values).

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
from modelops.serving.scoring import probabilities as scored, values as scored_values


@dataclass(frozen=True)
class Predictions:
    ids: list[str]
    probabilities: np.ndarray  # (rows, classes), columns in `classes` order; (rows, 0) for a regressor
    winners: np.ndarray  # each row's label, as an index into `classes`; empty for a regressor
    classes: list[Label]  # [] for a regressor
    values: np.ndarray | None = None  # a regressor's predicted value per row

    @classmethod
    def of(cls, ids: list[str], scores: np.ndarray, classes: list[Label]) -> "Predictions":
        """From a classifier's probabilities (classes given) or a regressor's values (no classes)."""
        if not classes:
            return cls(ids, np.empty((len(scores), 0)), np.empty(0, dtype=np.int64), [], scores)
        return cls(ids, scores, scores.argmax(axis=1), classes)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def labels(self) -> list[Label]:
        return [self.classes[winner] for winner in self.winners.tolist()]

    @cached_property
    def outputs(self) -> list[dict[str, Any]]:
        """Per row {"label", "probabilities" by class name} (a regressor: {"value"}): built once,
        shared by response and capture."""
        return self._outputs(self.winners, self.probabilities, self.values)

    def outputs_at(self, rows: list[int]) -> list[dict[str, Any]]:
        """`outputs` of these rows only (batch scoring captures a sample of a chunk)."""
        if self.values is not None:  # a regressor: no winners to index
            return self._outputs(self.winners, self.probabilities, self.values[rows])
        return self._outputs(self.winners[rows], self.probabilities[rows], None)

    def _outputs(self, winners: np.ndarray, probabilities: np.ndarray, values: np.ndarray | None) -> list[dict[str, Any]]:
        if values is not None:
            return [{"value": value} for value in values.tolist()]
        names = [str(label) for label in self.classes]
        return [{"label": self.classes[winner], "probabilities": dict(zip(names, row))}
                for winner, row in zip(winners.tolist(), probabilities.tolist())]


def predict(model: LoadedModel, matrix: np.ndarray) -> Predictions:
    # UnscorableInstances if a row overflows the model, decided alike on either runtime.
    score = scored_values if model.manifest.task == "regression" else scored
    scores = score(model.pipeline, matrix, model.manifest.explainer, model.inputs)
    return Predictions.of(new_prediction_ids(len(scores)), scores, model.manifest.classes)
