"""A small synthetic model and its baseline, and capture records made the way serving makes them."""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import make_classification

from modelops.artifacts.features import matrix_to_instances
from modelops.artifacts.baseline import Baseline
from modelops.capture.records import prediction_records
from modelops.platform.ids import new_prediction_id
from training.baseline import build_baseline
from training.pipeline import build_pipeline

WINDOW_START = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
WINDOW_END = WINDOW_START + timedelta(hours=1)
MODEL = ("synthetic", "20261130T090000Z-0123abcd")


@dataclass
class Synthetic:
    pipeline: Any
    baseline: Baseline
    names: list[str]
    fresh: np.ndarray  # rows from the training distribution, never used in training
    fresh_labels: np.ndarray

    def records(self, matrix: np.ndarray, start: datetime = WINDOW_START, spacing_ms: int = 1) -> list[dict[str, Any]]:
        """Capture records as the inference function writes them, one every spacing_ms from start."""
        probabilities = self.pipeline.predict_proba(np.asarray(matrix, dtype=float))
        base_ms = int(start.timestamp() * 1000)
        ids = [new_prediction_id(base_ms + index * spacing_ms) for index in range(len(probabilities))]
        outputs = [{"label": int(row.argmax()), "probabilities": {str(c): float(p) for c, p in zip([0, 1], row)}}
                   for row in probabilities]
        records = prediction_records(*MODEL, matrix_to_instances(np.asarray(matrix, dtype=float), self.names), ids, outputs)
        for index, record in enumerate(records):
            moment = start + timedelta(milliseconds=index * spacing_ms)
            record["time"] = moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        return records


@pytest.fixture(scope="session")
def synthetic() -> Synthetic:
    features, labels = make_classification(n_samples=14000, n_features=5, n_informative=3, n_redundant=0,
                                           class_sep=1.2, random_state=11)
    names = [f"f{index}" for index in range(5)]
    pipeline = build_pipeline("logistic_regression", 11).fit(features[:6000], labels[:6000])
    baseline = build_baseline(pipeline, [0, 1], names, features[:6000], features[6000:8000], labels[6000:8000],
                              training_split=(features[:6000], labels[:6000]))
    return Synthetic(pipeline, baseline, names, features[8000:], labels[8000:])
