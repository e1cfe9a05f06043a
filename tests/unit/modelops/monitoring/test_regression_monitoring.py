"""A regressor's window and label join: {"value": number} outputs profiled as the one prediction
column, anything else an invalid output; numeric labels joined into the numpy regression report."""
from datetime import timedelta

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from modelops.artifacts.features import matrix_to_instances
from modelops.capture.records import feedback_records, prediction_records
from modelops.monitoring.labels import LabelJoin
from modelops.monitoring.window import WindowAccumulator
from modelops.platform.ids import new_prediction_ids
from modelops.statistics.profile import profile_matrix
from modelops.statistics.regression import regression_report
from tests.unit.modelops.conftest import MODEL, WINDOW_END, WINDOW_START
from training.baseline import build_regression_baseline

NAMES = ["a", "b", "c"]


@pytest.fixture(scope="module")
def regressor():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(1500, 3))
    target = features @ np.array([3.0, -2.0, 0.5]) + rng.normal(0, 0.3, 1500)
    model = Ridge().fit(features[:1000], target[:1000])
    baseline = build_regression_baseline(model, NAMES, features[:1000], features[1000:1200])
    return model, baseline, features[1200:], target[1200:]


def _records(model, rows):
    moment = WINDOW_START + timedelta(minutes=1)
    ids = new_prediction_ids(len(rows), int(moment.timestamp() * 1000))
    values = model.predict(rows)
    return prediction_records(*MODEL, matrix_to_instances(rows, NAMES), ids, [{"value": float(v)} for v in values],
                              moment.isoformat().replace("+00:00", "Z")), values


def test_predicted_values_are_profiled_and_other_outputs_are_invalid(regressor):
    model, baseline, rows, _ = regressor
    records, values = _records(model, rows[:200])
    for record, bad in zip(records[:5], [{"value": "1.5"}, {"value": True}, {"value": 10**400}, {},
                                         {"label": 1, "probabilities": {"0": 1.0}}]):
        record["output"] = bad
    window = WindowAccumulator(baseline, *MODEL, WINDOW_START, WINDOW_END)
    for record in records:
        window.add(record)
    profile = window.finish()
    assert profile.volume.predictions == 195 and profile.volume.invalid_reasons == {"output": 5}
    edges = {"value": baseline.predictions.columns["value"].edges}
    assert profile.predictions == profile_matrix(values[5:].reshape(-1, 1), ["value"], edges)
    assert profile.expected_correct == 0.0  # no calibration: nothing estimated


def test_numeric_labels_join_into_the_regression_report(regressor):
    model, baseline, rows, target = regressor
    records, values = _records(model, rows[:100])
    labels = feedback_records(*MODEL, [(r["prediction_id"], float(t)) for r, t in zip(records[:60], target[:60])])
    labels += feedback_records(*MODEL, [(records[60]["prediction_id"], "high"), (records[61]["prediction_id"], True)])
    join = LabelJoin([], *MODEL, WINDOW_START, WINDOW_END, regression=True)
    for label in labels:
        label["time"] = (WINDOW_START + timedelta(minutes=2)).isoformat().replace("+00:00", "Z")
        join.add_feedback(label)
    for record in records:
        join.add_prediction(record)
    quality = join.finish(100, 30, {"mae": 0.25})
    assert quality.ledger.labelled == 60 and quality.ledger.unknown_class_labels == 2
    assert quality.metrics == pytest.approx(regression_report(target[:60], values[:60]))
