"""Reduce a window of capture records to a mergeable profile, in chunks (memory stays flat).

A window's profile holds count vectors and moments (statistics.profile), volume counters and the
sum of calibrated P(correct): merging two windows is adding them, so a day or a week of
monitoring is the merge of stored window profiles, never a re-read of raw records.
Inputs go through `artifacts.features.instances_to_matrix`, the function serving uses, so the monitor
sees exactly the feature matrix the model saw.
"""
import sys
from collections import Counter
from datetime import datetime
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from modelops.artifacts.baseline import PREDICTION_COLUMNS, Baseline, prediction_matrix
from modelops.statistics.profile import DatasetProfile
from modelops.capture.records import FEEDBACK, PREDICTION, SCHEMA_VERSION
from modelops.artifacts.features import UnknownFeatures, instances_to_matrix

CHUNK_ROWS = 4096


class Volume(BaseModel):
    records: int = 0  # capture records in the window, valid or not
    predictions: int = 0  # valid predictions of the monitored model version: what is profiled
    feedback: int = 0  # valid ground-truth records
    other_model: int = 0  # valid records of another model name or version: skipped
    invalid: int = 0  # records failing the capture schema, by reason in invalid_reasons
    invalid_reasons: dict[str, int] = {}
    malformed_lines: int = 0  # lines that were not a JSON record with a time
    unreadable_objects: int = 0  # capture objects that could not be decompressed

    def merge(self, other: "Volume") -> "Volume":
        reasons = Counter(self.invalid_reasons) + Counter(other.invalid_reasons)
        fields = {name: getattr(self, name) + getattr(other, name)
                  for name in type(self).model_fields if name != "invalid_reasons"}
        return Volume(**fields, invalid_reasons=dict(reasons))


class WindowProfile(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    model_name: str
    model_version: str
    start: datetime
    end: datetime
    volume: Volume
    features: DatasetProfile
    predictions: DatasetProfile
    expected_correct: float = 0.0  # sum over predictions of calibrated P(correct) (CBPE)

    @property
    def estimated_accuracy(self) -> float | None:
        return self.expected_correct / self.predictions.rows if self.predictions.rows else None

    def merge(self, other: "WindowProfile") -> "WindowProfile":
        if (self.model_name, self.model_version) != (other.model_name, other.model_version):
            raise ValueError("profiles of different model versions cannot be merged")
        return WindowProfile(
            model_name=self.model_name, model_version=self.model_version,
            start=min(self.start, other.start), end=max(self.end, other.end),
            volume=self.volume.merge(other.volume),
            features=self.features.merge(other.features),
            predictions=self.predictions.merge(other.predictions),
            expected_correct=self.expected_correct + other.expected_correct,
        )


class InvalidRecord(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class WindowAccumulator:
    """Feed it capture records one by one (`add`), then `finish()` for the window's profile."""

    def __init__(self, baseline: Baseline, model_name: str, model_version: str, start: datetime, end: datetime,
                 chunk_rows: int = CHUNK_ROWS):
        self.baseline = baseline
        self.model = (model_name, model_version)
        self.window = (start, end)
        self.feature_names = list(baseline.features.columns)
        self.class_keys = [str(label) for label in baseline.classes]
        self.chunk_rows = chunk_rows
        self.volume = Volume()
        self._reasons: Counter[str] = Counter()
        self._inputs: list[dict[str, Any]] = []
        self._probabilities: list[list[float]] = []
        self._features = baseline.features.profile_like(np.empty((0, len(self.feature_names))))
        self._predictions = baseline.predictions.profile_like(np.empty((0, len(PREDICTION_COLUMNS))))
        self._expected_correct = 0.0

    def add(self, record: dict[str, Any]) -> None:
        self.volume.records += 1
        try:
            kind = self._check_envelope(record)
            if kind == FEEDBACK:
                self.volume.feedback += 1
                return
            if (record["model_name"], record["model_version"]) != self.model:
                self.volume.other_model += 1
                return
            row = self._probability_row(record.get("output"))
            self._inputs.append(self._checked_inputs(record.get("inputs")))  # names: checked per chunk
            self._probabilities.append(row)
        except InvalidRecord as invalid:
            self._reasons[invalid.reason] += 1
            return
        if len(self._inputs) >= self.chunk_rows:
            self._flush()

    def _check_envelope(self, record: dict[str, Any]) -> str:
        if record.get("schema_version") != SCHEMA_VERSION:
            raise InvalidRecord("schema_version")
        kind = record.get("record_type")
        if kind not in (PREDICTION, FEEDBACK):
            raise InvalidRecord("record_type")
        if not isinstance(record.get("prediction_id"), str) or not all(
            isinstance(record.get(key), str) for key in ("model_name", "model_version")
        ):
            raise InvalidRecord("missing_field")
        if kind == FEEDBACK and not isinstance(record.get("label"), (int, str)):
            raise InvalidRecord("label")
        return kind

    def _probability_row(self, output: Any) -> list[float]:
        probabilities = output.get("probabilities") if isinstance(output, dict) else None
        if not isinstance(probabilities, dict) or set(probabilities) != set(self.class_keys):
            raise InvalidRecord("output")
        row = [probabilities[key] for key in self.class_keys]
        # A comparison, not math.isfinite: it also refuses NaN, and an integer too large for a
        # float (1 followed by 400 zeros parses as an int; math.isfinite raises OverflowError on it).
        if not all(isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 1 for p in row):
            raise InvalidRecord("output")
        return row

    @staticmethod
    def _checked_inputs(inputs: Any) -> dict[str, Any]:
        # Numbers or null only: numpy would silently turn "1.5" or True into a float. An integer
        # beyond float range would raise OverflowError when put in the matrix.
        if not isinstance(inputs, dict) or not all(
            value is None or (isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)
                                                           and abs(value) <= sys.float_info.max))
            for value in inputs.values()
        ):
            raise InvalidRecord("inputs")
        return inputs

    def _rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The chunk's feature matrix; records whose inputs fail the schema are dropped and counted."""
        try:
            return instances_to_matrix(self._inputs, self.feature_names), np.asarray(self._probabilities)
        except UnknownFeatures:
            pass  # some record in the chunk names a feature the model does not have: find which
        rows, kept = [], []
        for inputs, probabilities in zip(self._inputs, self._probabilities):
            try:
                rows.append(instances_to_matrix([inputs], self.feature_names)[0])
                kept.append(probabilities)
            except UnknownFeatures:
                self._reasons["unknown_feature"] += 1
        width = len(self.feature_names)
        return np.asarray(rows).reshape(-1, width), np.asarray(kept).reshape(-1, len(self.class_keys))

    def _flush(self) -> None:
        if not self._inputs:
            return
        features, probabilities = self._rows()
        self._inputs, self._probabilities = [], []
        if not len(features):
            return
        outputs = prediction_matrix(probabilities)
        self._features = self._features.merge(self.baseline.features.profile_like(features))
        self._predictions = self._predictions.merge(self.baseline.predictions.profile_like(outputs))
        self._expected_correct += float(self.baseline.calibration.expected_correct(outputs[:, 1]).sum())
        self.volume.predictions += len(features)

    def finish(self, malformed_lines: int = 0, unreadable_objects: int = 0) -> WindowProfile:
        self._flush()
        volume = self.volume.model_copy(update={
            "invalid": sum(self._reasons.values()), "invalid_reasons": dict(self._reasons),
            "malformed_lines": malformed_lines, "unreadable_objects": unreadable_objects,
        })
        return WindowProfile(
            model_name=self.model[0], model_version=self.model[1], start=self.window[0], end=self.window[1],
            volume=volume, features=self._features, predictions=self._predictions,
            expected_correct=self._expected_correct,
        )
