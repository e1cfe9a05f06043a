"""The baseline a model version ships with, and what the monitor derives from predictions.

Training computes it once (training/baseline.py) and publishes baseline.json beside the
manifest, hash-pinned in `manifest.files["baseline"]`. The monitor compares every window with it
and never reads training data:
- `features`: each numeric (and boolean, as 0/1) feature profiled on the training split (bin
  edges from its quantiles);
- `categories`: each categorical feature's training-split counts over its most frequent
  categories, with `other` and `missing` buckets (statistics/categories.py). Optional and empty
  for an all-numeric model, so a baseline written before it existed still reads, and a monitor
  that does not know it yet ignores it;
- `predictions`: the model's outputs on the held-out split, as two columns (PREDICTION_COLUMNS):
  the predicted class's index in `classes`, and the confidence (the highest probability); for a
  regressor (`task`), one column, the predicted value (REGRESSION_PREDICTION_COLUMNS);
- `calibration`: how often the model is right at each confidence (isotonic, so it rises with
  confidence), fitted on out-of-fold predictions over the whole training split (every row
  predicted by a model that did not see it). Averaged over a window's confidences it estimates
  accuracy without labels (CBPE). It assumes P(label | inputs) is unchanged: it sees covariate shift that
  moves predictions toward the decision boundary, not a change of the concept itself.
numpy only: this runs in the monitor's Lambda layer.
"""
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike
from pydantic import BaseModel, ConfigDict, model_validator

from modelops.statistics.categories import CategoryProfile
from modelops.statistics.profile import DatasetProfile

BASELINE_FILE = "baseline.json"
PREDICTION_COLUMNS = ("predicted_class", "confidence")
REGRESSION_PREDICTION_COLUMNS = ("value",)


class Calibration(BaseModel):
    """Breakpoints of a non-decreasing map confidence -> P(correct), for np.interp."""
    model_config = ConfigDict(allow_inf_nan=False)

    confidence: list[float]
    accuracy: list[float]
    rows: int | None = None  # rows it was fitted on (None: a baseline from before it was recorded)

    @model_validator(mode="after")
    def _monotone(self) -> "Calibration":
        if not self.confidence or len(self.confidence) != len(self.accuracy):
            raise ValueError("calibration needs equally many (>= 1) confidences and accuracies")
        if any(b < a for a, b in zip(self.confidence, self.confidence[1:])):
            raise ValueError("confidences must be non-decreasing")
        if any(not 0.0 <= value <= 1.0 for value in self.accuracy):
            raise ValueError("accuracies must be in [0, 1]")
        return self

    def expected_correct(self, confidences: ArrayLike) -> np.ndarray:
        """P(correct) per prediction; outside the fitted range the end values hold (clipping)."""
        return np.interp(np.asarray(confidences, dtype=np.float64), self.confidence, self.accuracy)


class Baseline(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    schema_version: int = 1
    # A regressor's baseline: `predictions` is the one column REGRESSION_PREDICTION_COLUMNS (the
    # predicted value on the held-out split), no classes, no calibration, no reference accuracy:
    # there is no label-free estimate of a regressor's error to calibrate.
    task: Literal["classification", "regression"] = "classification"
    classes: list[int | str]
    features: DatasetProfile
    predictions: DatasetProfile
    calibration: Calibration | None = None
    reference_accuracy: float | None = None  # held-out accuracy: what the estimate is compared with
    categories: dict[str, CategoryProfile] = {}  # categorical features (module docstring); not in `features`

    @model_validator(mode="after")
    def _task_fields(self) -> "Baseline":
        if self.task == "classification" and (self.calibration is None or self.reference_accuracy is None
                                               or len(self.classes) < 2):
            raise ValueError("a classifier's baseline needs its classes, calibration and reference accuracy")
        if self.task == "regression" and (self.classes or self.calibration is not None):
            raise ValueError("a regressor's baseline has no classes and no calibration")
        return self

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, data: bytes) -> "Baseline":
        return cls.model_validate_json(data)


def prediction_matrix(probabilities: ArrayLike) -> np.ndarray:
    """rows x PREDICTION_COLUMNS from a rows x classes probability matrix (argmax, as serving does)."""
    data = np.asarray(probabilities, dtype=np.float64)
    if data.ndim != 2 or data.shape[1] < 2:
        raise ValueError("probabilities must be rows x classes (>= 2 classes)")
    return np.column_stack([data.argmax(axis=1).astype(np.float64), data.max(axis=1)]) if data.size else np.empty((0, 2))


def prediction_class_edges(classes: list[Any]) -> list[float]:
    """One bin per class index: edges 0..K-1 give bins [0,1), ..., {K-1} (see statistics.profile)."""
    return [float(index) for index in range(len(classes))]
