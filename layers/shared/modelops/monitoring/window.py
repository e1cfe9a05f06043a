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
from itertools import compress, repeat
from operator import is_, not_
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from modelops.artifacts.baseline import Baseline, prediction_matrix
from modelops.statistics.categories import CategoryProfile
from modelops.statistics.profile import DatasetProfile
from modelops.capture.records import BATCH, FEEDBACK, LIVE, PREDICTION, SCHEMA_VERSION, finite_number
from modelops.artifacts.features import UnknownFeatures, instances_to_matrix
from modelops.monitoring.columns import numeric_columns
from modelops.monitoring.typed import TypedPredictions, as_record, typed_predictions

CHUNK_ROWS = 4096
# Distinct other versions named in a window's volume; more are still counted in other_model.
# Bounded because a window's profile must not grow with what its records claim.
MAX_OTHER_VERSIONS = 10


class Volume(BaseModel):
    records: int = 0  # capture records in the window, valid or not
    predictions: int = 0  # valid predictions of the monitored model version: what is profiled
    batch_predictions: int = 0  # of those, made by batch scoring jobs ("origin": "batch"); the rest are live
    feedback: int = 0  # valid ground-truth records
    other_model: int = 0  # valid predictions of another model name or version: skipped
    other_versions: dict[str, dict[str, int]] = {}  # of those, model name -> version -> predictions
    invalid: int = 0  # records failing the capture schema, by reason in invalid_reasons
    invalid_reasons: dict[str, int] = {}
    malformed_lines: int = 0  # lines that were not a JSON record with a time
    unreadable_objects: int = 0  # capture objects that could not be decompressed

    def merge(self, other: "Volume") -> "Volume":
        reasons = Counter(self.invalid_reasons) + Counter(other.invalid_reasons)
        versions = {name: dict(Counter(self.other_versions.get(name, {})) + Counter(other.other_versions.get(name, {})))
                    for name in {**self.other_versions, **other.other_versions}}
        fields = {name: getattr(self, name) + getattr(other, name)
                  for name in type(self).model_fields if name not in ("invalid_reasons", "other_versions")}
        return Volume(**fields, invalid_reasons=dict(reasons), other_versions=versions)


class WindowProfile(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    model_name: str
    model_version: str
    start: datetime
    end: datetime
    volume: Volume
    features: DatasetProfile
    # Categorical features, with the baseline's tracked categories (Baseline.categories); not in `features`.
    categories: dict[str, CategoryProfile] = {}
    predictions: DatasetProfile
    expected_correct: float = 0.0  # sum over predictions of calibrated P(correct) (CBPE)
    # Sum of P(correct) * (1 - P(correct)): the variance of the number of correct predictions if
    # the calibration is right (a sum of independent Bernoullis), for the estimate's interval.
    expected_correct_variance: float = 0.0

    @property
    def estimated_accuracy(self) -> float | None:
        """The raw CBPE mean; the report gives it only from min_count predictions, with an interval."""
        return self.expected_correct / self.predictions.rows if self.predictions.rows else None

    def merge(self, other: "WindowProfile") -> "WindowProfile":
        if (self.model_name, self.model_version) != (other.model_name, other.model_version):
            raise ValueError("profiles of different model versions cannot be merged")
        if self.categories.keys() != other.categories.keys():
            raise ValueError("profiles with different categorical features cannot be merged")
        return WindowProfile(
            model_name=self.model_name, model_version=self.model_version,
            start=min(self.start, other.start), end=max(self.end, other.end),
            volume=self.volume.merge(other.volume),
            features=self.features.merge(other.features),
            categories={name: profile.merge(other.categories[name]) for name, profile in self.categories.items()},
            predictions=self.predictions.merge(other.predictions),
            expected_correct=self.expected_correct + other.expected_correct,
            expected_correct_variance=self.expected_correct_variance + other.expected_correct_variance,
        )


class InvalidRecord(ValueError):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class WindowAccumulator:
    """Feed it capture records one by one (`add`) or in bulk (`add_many`), then `finish()` for the
    window's profile.

    Records wait in `_pending` until a chunk's worth has come, then are checked together. A
    classifier whose features are all numeric takes the column path (monitoring/columns.py: the
    same verdicts, checked chunk-wide in C instead of value by value); other models take the
    record-by-record path (`_add_one`). Both profile the same chunks of `chunk_rows` accepted
    records in the same order, so the profile does not depend on the path.
    """

    def __init__(self, baseline: Baseline, model_name: str, model_version: str, start: datetime, end: datetime,
                 chunk_rows: int = CHUNK_ROWS):
        self.baseline = baseline
        self.model = (model_name, model_version)
        self.window = (start, end)
        self.feature_names = list(baseline.features.columns)
        self.category_names = list(baseline.categories)  # categorical features: counted, not in the matrix
        self._categorical = frozenset(self.category_names)
        self.class_keys = [str(label) for label in baseline.classes]
        # A regressor's output is {"value": number}: one prediction column, no calibration.
        self.regression = baseline.task == "regression"
        self._output_width = len(baseline.predictions.columns)
        self.chunk_rows = chunk_rows
        self.volume = Volume()
        self._reasons: Counter[str] = Counter()
        self._inputs: list[dict[str, Any]] = []
        self._probabilities: list[list[float]] = []
        self._from_batch: list[bool] = []
        self._features = baseline.features.profile_like(np.empty((0, len(self.feature_names))))
        self._categories = {name: profile.profile_like([]) for name, profile in baseline.categories.items()}
        self._predictions = baseline.predictions.profile_like(np.empty((0, self._output_width)))
        self._expected_correct = 0.0
        self._expected_correct_variance = 0.0
        self._other_versions: Counter[tuple[str, str]] = Counter()
        self._pending: list[Any] = []  # dicts, and typed predictions (self.typed)
        self._columnwise = not self._categorical and not self.regression
        # The column path's accepted records not yet profiled: (features, probabilities, from
        # batch, unknown feature name) blocks, in record order.
        self._accepted: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
        self._accepted_rows = 0
        # The column path's typed decoder (monitoring/typed.py), for the reader: records it
        # decodes are valid predictions of this version, taken without the envelope check.
        self.typed: TypedPredictions | None = typed_predictions(
            self.feature_names, self.class_keys, model_name, model_version) if self._columnwise else None

    def add(self, record: Any) -> None:
        self._pending.append(record)
        if len(self._pending) >= self.chunk_rows:
            self._take_pending()

    def add_many(self, records: list[Any]) -> None:
        """`add` for each record, in order (CaptureReader.batches hands them over like this).
        A record is a dict, or a typed prediction decoded by `self.typed`."""
        self._pending.extend(records)
        if len(self._pending) >= self.chunk_rows:
            self._take_pending()

    def _take_pending(self) -> None:
        records, self._pending = self._pending, []
        self.volume.records += len(records)  # once per chunk: a pydantic field set costs ~0.5 µs
        if not self._columnwise:
            for record in records:
                self._add_one(record)
            return
        # Typed records (self.typed) are valid predictions of this version: only the dicts need the
        # envelope check. Found at C speed, as the chunk is mostly typed.
        dicts = list(map(is_, map(type, records), repeat(dict)))
        kept = set()
        for index in compress(range(len(records)), dicts):
            try:
                if self._is_monitored_prediction(records[index]):
                    kept.add(index)
            except InvalidRecord as invalid:
                self._reasons[invalid.reason] += 1
        if kept:
            self._add_columns([record for index, record in enumerate(records) if not dicts[index] or index in kept])
        else:
            self._add_columns(list(compress(records, map(not_, dicts))))

    def _add_one(self, record: dict[str, Any]) -> None:
        try:
            if not self._is_monitored_prediction(record):
                return
            row, inputs, from_batch = self._prediction_parts(record)
        except InvalidRecord as invalid:
            self._reasons[invalid.reason] += 1
            return
        self._inputs.append(inputs)  # names: checked per chunk
        self._probabilities.append(row)
        self._from_batch.append(from_batch)
        if len(self._inputs) >= self.chunk_rows:
            self._flush()

    def _is_monitored_prediction(self, record: dict[str, Any]) -> bool:
        """True for a prediction of the monitored version (InvalidRecord if its envelope is
        invalid); feedback and other versions are counted here."""
        kind = self._check_envelope(record)
        if kind == FEEDBACK:
            self.volume.feedback += 1
            return False
        model = (record["model_name"], record["model_version"])
        if model != self.model:
            self.volume.other_model += 1
            if model in self._other_versions or len(self._other_versions) < MAX_OTHER_VERSIONS:
                self._other_versions[model] += 1
            return False
        return True

    def _prediction_parts(self, record: dict[str, Any]) -> tuple[list[float], dict[str, Any], bool]:
        """The exact check of a monitored prediction: its output row, inputs and whether a batch
        job made it; InvalidRecord with the first reason that applies."""
        row = self._value_row(record.get("output")) if self.regression else self._probability_row(record.get("output"))
        origin = record.get("origin", LIVE)
        if origin not in (LIVE, BATCH):
            raise InvalidRecord("origin")
        return row, self._checked_inputs(record.get("inputs")), origin == BATCH

    def _add_columns(self, records: list[dict[str, Any]]) -> None:
        """Monitored predictions of an all-numeric classifier, checked chunk-wide
        (monitoring/columns.py); whatever that cannot vouch for gets the exact check, one by one.
        Typed records (`self.typed`) are columns already; in a chunk with dicts (rare: a line the
        typed decoder left to the exact path) they are read as the dicts they stand for."""
        if self.typed is not None and records and dict not in set(map(type, records)):
            columns = self.typed.columns(records)
        else:
            records = [as_record(record) for record in records] if self.typed is not None else records
            columns = numeric_columns(records, self.class_keys, self.feature_names)
        accepted, unknown = columns.clean.copy(), np.zeros(len(records), dtype=bool)
        for index in np.flatnonzero(~columns.clean):
            try:
                row, inputs, from_batch = self._prediction_parts(records[index])
            except InvalidRecord as invalid:
                self._reasons[invalid.reason] += 1
                continue
            accepted[index] = True
            columns.probabilities[index] = row
            columns.from_batch[index] = from_batch
            try:
                columns.features[index] = instances_to_matrix([inputs], self.feature_names)[0]
            except UnknownFeatures:
                unknown[index] = True  # holds its place in the chunk, as on the other path
        if accepted.any():
            self._accepted.append((columns.features[accepted], columns.probabilities[accepted],
                                   columns.from_batch[accepted], unknown[accepted]))
            self._accepted_rows += int(accepted.sum())
        while self._accepted_rows >= self.chunk_rows:
            self._profile_accepted(self.chunk_rows)

    def _profile_accepted(self, rows: int) -> None:
        """Profile the first `rows` accepted records of the column path; keep the rest."""
        features, probabilities, from_batch, unknown = (np.concatenate(parts) for parts in zip(*self._accepted))
        self._accepted = [(features[rows:], probabilities[rows:], from_batch[rows:], unknown[rows:])]
        self._accepted_rows -= rows
        keep = ~unknown[:rows]
        if not keep.all():  # (a Counter key added with 0 would show up in invalid_reasons)
            self._reasons["unknown_feature"] += int(rows - keep.sum())
        if keep.any():
            self._profile(features[:rows][keep], probabilities[:rows][keep], int(from_batch[:rows][keep].sum()))

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
        label = record.get("label")
        if kind == FEEDBACK and not (finite_number(label) is not None if self.regression else isinstance(label, (int, str))):
            raise InvalidRecord("label")  # a regressor's label is a number; a classifier's a class (int or str)
        return kind

    @staticmethod
    def _value_row(output: Any) -> list[float]:
        value = finite_number(output.get("value")) if isinstance(output, dict) else None
        if value is None:
            raise InvalidRecord("output")
        return [value]

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

    def _checked_inputs(self, inputs: Any) -> dict[str, Any]:
        # Numbers or null only: numpy would silently turn "1.5" or True into a float. An integer
        # beyond float range would raise OverflowError when put in the matrix. A categorical
        # feature's value is a string, or an integer code (counted as its str(), as training reads it).
        if not isinstance(inputs, dict) or not all(
            value is None or (isinstance(value, str) or _is_integer(value) if name in self._categorical else
                              isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)
                                                           and abs(value) <= sys.float_info.max))
            for name, value in inputs.items()
        ):
            raise InvalidRecord("inputs")
        return inputs

    def _numeric_part(self, inputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The instances without their categorical features: what the feature matrix is made of."""
        if not self._categorical:
            return inputs
        return [{name: value for name, value in instance.items() if name not in self._categorical} for instance in inputs]

    def _rows(self) -> tuple[np.ndarray, np.ndarray, int, list[dict[str, Any]]]:
        """The chunk's feature matrix, probabilities, how many of its rows came from batch jobs,
        and the inputs kept; records whose inputs fail the schema are dropped and counted."""
        try:
            return (instances_to_matrix(self._numeric_part(self._inputs), self.feature_names),
                    np.asarray(self._probabilities), sum(self._from_batch), self._inputs)
        except UnknownFeatures:
            pass  # some record in the chunk names a feature the model does not have: find which
        rows, kept, batch, inputs_kept = [], [], 0, []
        for inputs, probabilities, from_batch in zip(self._inputs, self._probabilities, self._from_batch):
            try:
                rows.append(instances_to_matrix(self._numeric_part([inputs]), self.feature_names)[0])
                kept.append(probabilities)
                batch += from_batch
                inputs_kept.append(inputs)
            except UnknownFeatures:
                self._reasons["unknown_feature"] += 1
        width = len(self.feature_names)
        return (np.asarray(rows).reshape(-1, width), np.asarray(kept).reshape(-1, self._output_width), batch,
                inputs_kept)

    def _flush(self) -> None:
        if not self._inputs:
            return
        features, probabilities, batch, inputs = self._rows()
        self._inputs, self._probabilities, self._from_batch = [], [], []
        if not len(features):
            return
        for name, profile in self._categories.items():
            self._categories[name] = profile.merge(profile.profile_like([instance.get(name) for instance in inputs]))
        self._profile(features, probabilities, batch)

    def _profile(self, features: np.ndarray, probabilities: np.ndarray, batch: int) -> None:
        """Merge one chunk's feature matrix and outputs into the window (either path)."""
        outputs = probabilities if self.regression else prediction_matrix(probabilities)
        self._features = self._features.merge(self.baseline.features.profile_like(features))
        self._predictions = self._predictions.merge(self.baseline.predictions.profile_like(outputs))
        if self.baseline.calibration is not None:  # a classifier: the label-free accuracy estimate
            correct = self.baseline.calibration.expected_correct(outputs[:, 1])
            self._expected_correct += float(correct.sum())
            self._expected_correct_variance += float((correct * (1.0 - correct)).sum())
        self.volume.predictions += len(features)
        self.volume.batch_predictions += batch

    def finish(self, malformed_lines: int = 0, unreadable_objects: int = 0) -> WindowProfile:
        self._take_pending()
        if self._accepted_rows:
            self._profile_accepted(self._accepted_rows)
        self._flush()
        versions: dict[str, dict[str, int]] = {}
        for (name, version), count in self._other_versions.items():
            versions.setdefault(name, {})[version] = count
        volume = self.volume.model_copy(update={
            "invalid": sum(self._reasons.values()), "invalid_reasons": dict(self._reasons), "other_versions": versions,
            "malformed_lines": malformed_lines, "unreadable_objects": unreadable_objects,
        })
        return WindowProfile(
            model_name=self.model[0], model_version=self.model[1], start=self.window[0], end=self.window[1],
            volume=volume, features=self._features, categories=self._categories, predictions=self._predictions,
            expected_correct=self._expected_correct, expected_correct_variance=self._expected_correct_variance,
        )
