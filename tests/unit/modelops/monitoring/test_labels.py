from datetime import timedelta

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from modelops.statistics.classification import classification_report
from modelops.monitoring.labels import CollectedLabels, LabelJoin
from modelops.platform.ids import new_prediction_id
from tests.unit.modelops.conftest import MODEL, WINDOW_END, WINDOW_START


def feedback(prediction_id, label, minutes_after_start=30.0):
    moment = WINDOW_START + timedelta(minutes=minutes_after_start)
    return {"record_type": "feedback", "schema_version": 1, "prediction_id": prediction_id, "label": label,
            "time": moment.isoformat().replace("+00:00", "Z"), "model_name": MODEL[0], "model_version": MODEL[1]}


def join_with(records, labels):
    join = LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_END)
    for label in labels:
        join.add_feedback(label)
    for record in records:
        join.add_prediction(record)
    return join


def test_labels_join_predictions_by_id_and_the_metrics_are_the_shared_ones(synthetic):
    rows, truth = synthetic.fresh[:200], synthetic.fresh_labels[:200]
    records = synthetic.records(rows, spacing_ms=1000)  # one a second from the window start
    labels = [feedback(r["prediction_id"], int(y), minutes_after_start=50) for r, y in zip(records[:120], truth[:120])]
    quality = join_with(records, labels).finish(predictions=200, min_labels=100, training_metrics={"accuracy": 0.9})
    expected = classification_report(truth[:120], synthetic.pipeline.predict_proba(rows[:120]), [0, 1])
    assert quality.status == "ok"
    assert quality.metrics.pop("confusion_matrix") == expected.pop("confusion_matrix")
    assert quality.metrics == pytest.approx(expected)
    ledger = quality.ledger
    assert (ledger.predictions, ledger.labelled, ledger.labels_for_window, ledger.labels_unmatched) == (200, 120, 120, 0)
    assert ledger.labelled_fraction == pytest.approx(0.6)
    # Prediction i was made i seconds after the start; every label came at minute 50.
    delays = 3000 - np.arange(120)
    assert ledger.label_delay.median_seconds == pytest.approx(np.median(delays))
    assert ledger.label_delay.max_seconds == pytest.approx(3000)


def test_the_ledger_says_why_labels_did_not_count(synthetic):
    records = synthetic.records(synthetic.fresh[:10])
    before_window = new_prediction_id(int((WINDOW_START - timedelta(hours=2)).timestamp() * 1000))
    in_window_unknown = new_prediction_id(int((WINDOW_START + timedelta(minutes=5)).timestamp() * 1000))
    labels = [
        feedback(records[0]["prediction_id"], 1, 10), feedback(records[0]["prediction_id"], 0, 20),  # relabelled
        feedback(records[1]["prediction_id"], "maybe"),  # not a class
        feedback(before_window, 1), feedback("0" * 32, 1),  # another window; not an id we made
        feedback(in_window_unknown, 0),  # sampled out, or a typo: matches nothing
        {**feedback(records[2]["prediction_id"], 1), "model_version": "other"},  # another version: ignored
    ]
    quality = join_with(records, labels).finish(predictions=10, min_labels=5, training_metrics={})
    ledger = quality.ledger
    assert quality.status == "insufficient_labels" and quality.metrics is None
    assert (ledger.labelled, ledger.duplicate_labels, ledger.unknown_class_labels) == (1, 1, 1)
    assert (ledger.labels_other_windows, ledger.labels_unmatched, ledger.labels_for_window) == (2, 1, 2)


def test_the_latest_label_wins_and_a_repeated_prediction_line_counts_once(synthetic):
    records = synthetic.records(synthetic.fresh[:1])
    labels = [feedback(records[0]["prediction_id"], 0, 20), feedback(records[0]["prediction_id"], 1, 10)]
    join = join_with(records + records, labels)
    quality = join.finish(predictions=1, min_labels=1, training_metrics={})
    assert quality.ledger.labelled == 1 and quality.metrics["count"] == 1
    assert sum(quality.metrics["confusion_matrix"][0]) == 1  # the true label is 0, sent at minute 20


def test_no_predictions_and_no_labels_is_a_ledger_of_zeros():
    quality = LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_END).finish(0, 30, {})
    assert quality.ledger.labelled_fraction is None and quality.ledger.label_delay is None
    assert quality.status == "insufficient_labels"


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_passes_split_anywhere_and_merged_in_order_equal_one_pass(synthetic, data):
    """The backfill's merge (monitoring/backfill): feedback and predictions cut into consecutive
    pieces, each piece joined on its own, merged in order, give one pass's ledger and matches:
    repeated labels (ties on time included), repeated predictions, unknown classes."""
    records = synthetic.records(synthetic.fresh[:12], spacing_ms=1000)
    ids = [record["prediction_id"] for record in records]
    pick = st.sampled_from(ids[:8] + ["not-an-id"])
    labels = data.draw(st.lists(st.builds(feedback, pick, st.sampled_from([0, 1, "maybe"]),
                                          st.sampled_from([30.0, 31.0, 45.0])), max_size=30))
    predictions = data.draw(st.lists(st.sampled_from(records), max_size=20))
    label_cuts = sorted(data.draw(st.lists(st.integers(0, len(labels)), max_size=3)))
    prediction_cuts = sorted(data.draw(st.lists(st.integers(0, len(predictions)), max_size=3)))

    def pieces(items, cuts):
        bounds = [0, *cuts, len(items)]
        return [items[a:b] for a, b in zip(bounds, bounds[1:])]

    one = join_with(predictions, labels)
    collected = CollectedLabels()
    for piece in pieces(labels, label_cuts):
        collected = collected.merge(join_with([], piece).collected())
    assert collected == join_with([], labels).collected()
    merged = LabelJoin.with_labels([0, 1], *MODEL, WINDOW_START, WINDOW_END, collected)
    for piece in pieces(predictions, prediction_cuts):
        part = LabelJoin.with_labels([0, 1], *MODEL, WINDOW_START, WINDOW_END, collected)
        for record in piece:
            part.add_prediction(record)
        merged.add_matches(part.matches())
    assert merged.matches() == one.matches()
    assert merged.finish(len(predictions), 1, {}) == one.finish(len(predictions), 1, {})
