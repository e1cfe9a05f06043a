"""Join ground-truth labels to the window's predictions by prediction id, and say how it went.

The run reads labels first (from the window's start to now: labels arrive after their
prediction), then streams the window's predictions, keeping only those that have a label. Memory
grows with the number of labels, never with the number of predictions. The ledger says what
matched and what did not, so "no model-quality figures" always comes with a reason.

Both passes are mergeable, for the backfill that runs them per hour partition in parallel
(monitoring/backfill): `CollectedLabels` merge in stream order to what one feedback pass collects,
and `JoinedPredictions` added in stream order (`add_matches`) give what one prediction pass joins.
"""
from datetime import datetime
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from modelops.capture.records import FEEDBACK, PREDICTION, finite_number
from modelops.capture.reader import parse_time
from modelops.monitoring.typed import as_record
from modelops.statistics.classification import classification_report
from modelops.statistics.regression import regression_report
from modelops.platform.ids import prediction_time


class LabelDelay(BaseModel):
    median_seconds: float
    p90_seconds: float
    max_seconds: float


class Ledger(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    predictions: int  # valid predictions of this model version in the window
    labelled: int  # of those, how many have a label
    labelled_fraction: float | None
    labels_for_window: int  # labels whose prediction id dates inside the window
    labels_unmatched: int  # of those, no captured prediction has the id (sampled out, or a wrong id)
    labels_other_windows: int  # labels read for predictions of other windows (or ids not made by us)
    duplicate_labels: int  # an id labelled again: the latest label counts
    unknown_class_labels: int  # a label that is not one of the classifier's classes (a regressor's: not a finite number)
    label_delay: LabelDelay | None  # label time minus prediction time, over matched labels


class ModelQuality(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    status: Literal["ok", "insufficient_labels"]
    min_labels: int
    ledger: Ledger
    metrics: dict[str, Any] | None  # classification_report (a regressor: regression_report) of the matched labels
    training_metrics: dict[str, Any]  # the same report on training's held-out rows


class CollectedLabels(BaseModel):
    """What the feedback pass keeps: the latest label per prediction id, and what it set aside."""

    labels: dict[str, tuple[int | float, datetime]] = {}  # prediction id -> (class index or value, label time)
    other_windows: int = 0
    duplicates: int = 0
    unknown_class: int = 0

    def merge(self, later: "CollectedLabels") -> "CollectedLabels":
        """Both passes as one, `later` read after `self`: the label with the latest time wins and,
        on a tie, the one read last (as in `LabelJoin.add_feedback`); an id labelled in both is
        one more duplicate."""
        labels = dict(self.labels)
        for identifier, label in later.labels.items():
            if identifier not in labels or label[1] >= labels[identifier][1]:
                labels[identifier] = label
        return CollectedLabels(labels=labels, other_windows=self.other_windows + later.other_windows,
                               duplicates=self.duplicates + later.duplicates + len(self.labels.keys() & later.labels),
                               unknown_class=self.unknown_class + later.unknown_class)


class JoinedPredictions(BaseModel):
    """The labelled predictions one prediction pass matched, in the order it read them."""
    model_config = ConfigDict(allow_inf_nan=False)

    ids: list[str] = []
    truth: list[int | float] = []  # class indexes (a regressor: the true values)
    probabilities: list[list[float]] = []  # a regressor: [predicted value]
    delays: list[float] = []  # label time minus prediction time, seconds


class LabelJoin:
    def __init__(self, classes: list[Any], model_name: str, model_version: str, start: datetime, end: datetime,
                 regression: bool = False):
        self.classes = classes
        self.regression = regression  # labels are numbers, predictions {"value": number}
        self.class_index = {str(label): position for position, label in enumerate(classes)}
        self.model = (model_name, model_version)
        self.window = (start, end)
        self._labels: dict[str, tuple[int | float, datetime]] = {}  # prediction id -> (class index or value, label time)
        self._other_windows = 0
        self._duplicates = 0
        self._unknown_class = 0
        self._truth: list[int | float] = []
        self._probabilities: list[list[float]] = []
        self._delays: list[float] = []
        self._matched_ids: list[str] = []

    @classmethod
    def with_labels(cls, classes: list[Any], model_name: str, model_version: str, start: datetime, end: datetime,
                    collected: CollectedLabels, regression: bool = False) -> "LabelJoin":
        """A join whose feedback pass was run elsewhere (a backfill's merged partitions)."""
        join = cls(classes, model_name, model_version, start, end, regression)
        join._labels = dict(collected.labels)
        join._other_windows, join._duplicates = collected.other_windows, collected.duplicates
        join._unknown_class = collected.unknown_class
        return join

    def collected(self) -> CollectedLabels:
        return CollectedLabels(labels=self._labels, other_windows=self._other_windows, duplicates=self._duplicates,
                               unknown_class=self._unknown_class)

    def matches(self) -> JoinedPredictions:
        return JoinedPredictions(ids=self._matched_ids, truth=self._truth, probabilities=self._probabilities,
                                 delays=self._delays)

    def add_matches(self, joined: JoinedPredictions) -> None:
        """Another pass's matches, read after everything this join has seen: an id matches once,
        so a prediction captured twice (in two partitions) is not a second label."""
        for identifier, truth, probabilities, delay in zip(joined.ids, joined.truth, joined.probabilities,
                                                           joined.delays):
            if self._labels.pop(identifier, None) is not None:
                self._matched_ids.append(identifier)
                self._truth.append(truth)
                self._probabilities.append(probabilities)
                self._delays.append(delay)

    def add_feedback(self, record: dict[str, Any]) -> None:
        if record.get("record_type") != FEEDBACK or (record.get("model_name"), record.get("model_version")) != self.model:
            return
        identifier, moment = record.get("prediction_id"), parse_time(record.get("time"))
        if not isinstance(identifier, str) or moment is None:
            return
        predicted_at = prediction_time(identifier)
        if predicted_at is None or not self.window[0] <= predicted_at < self.window[1]:
            self._other_windows += 1
            return
        position = finite_number(record.get("label")) if self.regression else self.class_index.get(str(record.get("label")))
        if position is None:
            self._unknown_class += 1
            return
        if identifier in self._labels:
            self._duplicates += 1
            if moment < self._labels[identifier][1]:
                return
        self._labels[identifier] = (position, moment)

    def add_predictions(self, records: list[Any]) -> None:
        """`add_prediction` for each record, in order; the many without a label cost one lookup.
        A record is a dict or a typed prediction (monitoring/typed.py), read as the dict it stands for."""
        labels = self._labels
        if not labels:
            return
        for record in records:
            identifier = record.get("prediction_id") if type(record) is dict else record.prediction_id
            if type(identifier) is str and identifier in labels:  # (a list is not even hashable)
                self.add_prediction(as_record(record))

    def add_prediction(self, record: dict[str, Any]) -> None:
        identifier = record.get("prediction_id")
        if record.get("record_type") != PREDICTION or not isinstance(identifier, str):  # a list is not even hashable
            return
        label = self._labels.get(identifier)
        if label is None:
            return
        try:
            if self.regression:
                probabilities = [finite_number(record["output"]["value"])]
            else:
                probabilities = [float(record["output"]["probabilities"][str(c)]) for c in self.classes]
            predicted_at = parse_time(record["time"])
        except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: an int beyond float range
            return  # the window profile counts the record as invalid
        if predicted_at is None or None in probabilities:
            return
        if not self.regression and not all(0 <= p <= 1 for p in probabilities):  # also refuses NaN
            return
        del self._labels[record["prediction_id"]]  # matched once; a duplicate prediction line is not a second label
        self._matched_ids.append(identifier)
        self._truth.append(label[0])
        self._probabilities.append(probabilities)
        self._delays.append(max(0.0, (label[1] - predicted_at).total_seconds()))

    def finish(self, predictions: int, min_labels: int, training_metrics: dict[str, Any]) -> ModelQuality:
        matched = len(self._truth)
        delays = np.asarray(self._delays)
        ledger = Ledger(
            predictions=predictions,
            labelled=matched,
            labelled_fraction=matched / predictions if predictions else None,
            labels_for_window=matched + len(self._labels),
            labels_unmatched=len(self._labels),
            labels_other_windows=self._other_windows,
            duplicate_labels=self._duplicates,
            unknown_class_labels=self._unknown_class,
            label_delay=LabelDelay(median_seconds=float(np.median(delays)), p90_seconds=float(np.quantile(delays, 0.9)),
                                   max_seconds=float(delays.max())) if matched else None,
        )
        metrics = None
        if matched >= min_labels and self.regression:
            metrics = regression_report(self._truth, np.asarray(self._probabilities)[:, 0])
        elif matched >= min_labels:
            truth = np.array(self.classes, dtype=object)[np.asarray(self._truth)]
            metrics = classification_report(truth, np.asarray(self._probabilities), self.classes)
        return ModelQuality(status="ok" if metrics else "insufficient_labels", min_labels=min_labels, ledger=ledger,
                            metrics=metrics, training_metrics=training_metrics)
