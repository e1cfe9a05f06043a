"""Checks, verdicts and metrics of a report, on synthetic windows with known shifts."""
import json
import math

import numpy as np
import pytest

from modelops.artifacts.baseline import PREDICTION_COLUMNS, prediction_matrix
from modelops.statistics.profile import profile_matrix
from modelops.monitoring.labels import LabelJoin
from modelops.monitoring.metrics import MonitorMetric
from modelops.monitoring.settings import Thresholds
from modelops.monitoring.report import build_report
from modelops.monitoring.window import Volume, WindowProfile
from tests.unit.modelops.conftest import MODEL, WINDOW_END, WINDOW_START

THRESHOLDS = Thresholds()


def window_of(synthetic, matrix, invalid=0, other_versions=None):
    """A window's profile straight from a feature matrix (what WindowAccumulator computes)."""
    baseline, matrix = synthetic.baseline, np.asarray(matrix, dtype=float)
    edges = {name: column.edges for name, column in baseline.features.columns.items()}
    # Serving refuses +/-inf, so the model only ever saw such a row with the value missing.
    served = np.where(np.isinf(matrix), np.nan, matrix)
    outputs = prediction_matrix(synthetic.pipeline.predict_proba(served)) if len(matrix) else np.empty((0, 2))
    output_edges = {name: column.edges for name, column in baseline.predictions.columns.items()}
    correct = baseline.calibration.expected_correct(outputs[:, 1])
    return WindowProfile(
        model_name=MODEL[0], model_version=MODEL[1], start=WINDOW_START, end=WINDOW_END,
        volume=Volume(records=len(matrix) + invalid + sum((other_versions or {}).values()), predictions=len(matrix),
                      invalid=invalid, invalid_reasons={"inputs": invalid} if invalid else {},
                      other_model=sum((other_versions or {}).values()),
                      other_versions={MODEL[0]: other_versions} if other_versions else {}),
        features=profile_matrix(matrix, synthetic.names, edges),
        predictions=profile_matrix(outputs, list(PREDICTION_COLUMNS), output_edges),
        expected_correct=float(correct.sum()), expected_correct_variance=float((correct * (1 - correct)).sum()),
    )


def report_for(synthetic, matrix, quality=None, thresholds=THRESHOLDS, invalid=0, other_versions=None):
    window = window_of(synthetic, matrix, invalid, other_versions)
    quality = quality or LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_END).finish(len(matrix), thresholds.min_labels, {"accuracy": 0.8})
    return build_report(window, synthetic.baseline, quality, thresholds, WINDOW_END)


def checks(report):
    return sorted((v.check, v.feature) for v in report.violations)


def test_in_distribution_data_raises_nothing(synthetic):
    report = report_for(synthetic, synthetic.fresh[:2000])
    assert report.status == "ok" and report.violations == []
    assert report.feature_drift.verdict == "ok" and report.prediction_drift.verdict == "ok"
    assert report.estimated_quality.status == "ok"
    assert abs(report.estimated_quality.estimated_accuracy - report.estimated_quality.reference_accuracy) < 0.03


def test_a_shifted_feature_is_flagged_and_the_others_are_not(synthetic):
    rows = synthetic.fresh[:2000].copy()
    rows[:, 3] += 0.5 * rows[:, 3].std()
    report = report_for(synthetic, rows)
    assert report.feature_drift.drifted_columns == ["f3"]
    assert ("feature_drift", "f3") in checks(report) and report.status == "alert"
    assert report.feature_drift.verdict == "ok"  # one feature of five is below the dataset share


def test_no_false_alarm_at_large_n(synthetic):
    # 60,000 rows resampled from the training distribution: every p-value shrinks with n, the
    # effect-size gate keeps this a non-event.
    rng = np.random.default_rng(5)
    rows = synthetic.fresh[rng.integers(0, len(synthetic.fresh), 60000)]
    report = report_for(synthetic, rows)
    assert report.feature_drift.drifted_columns == [] and report.prediction_drift.drifted_columns == []
    assert report.violations == []


def test_a_shift_that_moves_predictions_is_prediction_drift_and_lowers_the_estimate(synthetic):
    confidence = synthetic.pipeline.predict_proba(synthetic.fresh).max(axis=1)
    near_boundary = synthetic.fresh[confidence < 0.7][:1500]
    report = report_for(synthetic, near_boundary)
    assert "confidence" in report.prediction_drift.drifted_columns
    assert ("estimated_accuracy", None) in checks(report)
    assert report.estimated_quality.estimated_accuracy < report.estimated_quality.reference_accuracy - 0.1


def test_an_empty_window_has_verdicts_not_crashes(synthetic):
    report = report_for(synthetic, np.empty((0, 5)))
    assert report.status == "insufficient_data" and report.feature_drift.verdict == "insufficient_data"
    assert report.estimated_quality.status == "insufficient_data" and report.estimated_quality.estimated_accuracy is None
    assert report.model_quality.status == "insufficient_labels"
    assert {"Records", "DriftedFeatures", "Violations"} <= set(report.metrics())
    assert "EstimatedAccuracy" not in report.metrics() and "Accuracy" not in report.metrics()
    volume = report_for(synthetic, np.empty((0, 5)), thresholds=Thresholds(min_records=10))
    assert checks(volume) == [("volume", None)]


def test_few_values_give_insufficient_data_not_drift(synthetic):
    rows = synthetic.fresh[:50].copy()
    rows[:, 0] += 10  # an enormous shift, but 50 values are below min_count
    report = report_for(synthetic, rows)
    assert report.feature_drift.columns["f0"].verdict == "insufficient_data" and report.violations == []


def test_missing_values_out_of_range_and_infinities_are_data_quality(synthetic):
    rows = synthetic.fresh[:1000].copy()
    rows[:300, 1] = np.nan
    rows[:200, 2] = rows[:, 2].max() + 100
    rows[:10, 4] = np.inf
    report = report_for(synthetic, rows)
    assert ("missing_values", "f1") in checks(report) and ("out_of_range", "f2") in checks(report)
    assert report.data_quality["f1"].missing_rate == pytest.approx(0.3)
    assert report.data_quality["f2"].share_out_of_range == pytest.approx(0.2)
    assert report.data_quality["f4"].non_finite_rate == pytest.approx(0.01)
    assert report.metrics()["DataQualityViolations"] >= 2


def test_invalid_records_above_the_share_are_a_violation(synthetic):
    report = report_for(synthetic, synthetic.fresh[:500], invalid=20)
    assert ("invalid_records", None) in checks(report)
    assert report.metrics()["InvalidRecords"] == 20


def test_a_constant_training_column_has_a_defined_outcome(synthetic):
    reference = synthetic.baseline
    constant = profile_matrix(np.full((reference.features.rows, 1), 3.0), ["f0"], {"f0": [3.0]}).columns["f0"]
    features = reference.features.model_copy(update={"columns": {**reference.features.columns, "f0": constant}})
    baseline = reference.model_copy(update={"features": features})
    rows = synthetic.fresh[:1000]
    edges = {name: column.edges for name, column in features.columns.items()}
    window = window_of(synthetic, rows).model_copy(update={"features": profile_matrix(rows, synthetic.names, edges)})
    quality = LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_END).finish(1000, 30, {})
    report = build_report(window, baseline, quality, THRESHOLDS, WINDOW_END)
    column = report.feature_drift.columns["f0"]
    assert column.verdict == "drift" and all(math.isfinite(v) for v in (column.psi, column.js_distance))
    assert ("out_of_range", "f0") in checks(report) and report.data_quality["f0"].share_out_of_range == 1.0


def test_accuracy_below_training_is_a_model_quality_violation(synthetic):
    rows, truth = synthetic.fresh[:400], synthetic.fresh_labels[:400]
    records = synthetic.records(rows, spacing_ms=1000)
    join = LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_END)
    for record, label in zip(records, 1 - truth):  # labels flipped: the world changed its mind
        join.add_feedback({**record, "record_type": "feedback", "label": int(label)})
    for record in records:
        join.add_prediction(record)
    quality = join.finish(400, 30, {"accuracy": 0.8})
    report = report_for(synthetic, rows, quality=quality)
    assert ("accuracy", None) in checks(report) and report.metrics()["ModelQualityViolations"] == 1
    assert report.metrics()["Accuracy"] == pytest.approx(quality.metrics["accuracy"])
    assert quality.metrics["accuracy"] < 0.5
    assert report.metrics()["LabelledFraction"] == 1.0


def test_metrics_are_finite_and_named_as_the_template_expects(synthetic):
    rows = synthetic.fresh[:2000].copy()
    rows[:, 0] *= 3
    metrics = report_for(synthetic, rows).metrics()
    assert set(metrics) <= set(MonitorMetric) and all(math.isfinite(v) for v in metrics.values())
    assert metrics["DriftedFeatures"] >= 1 and metrics["WorstPsi"] > THRESHOLDS.psi


def test_the_report_is_json_with_every_section(synthetic):
    report = report_for(synthetic, synthetic.fresh[:300])
    data = report.model_dump(mode="json")
    assert {"violations", "volume", "data_quality", "feature_drift", "prediction_drift", "estimated_quality",
            "model_quality", "thresholds", "window_start", "window_end", "status"} <= set(data)
    assert type(report).model_validate_json(report.model_dump_json()) == report


# --- issue 15, items 11-14 -------------------------------------------------------------------------

def test_infinity_in_a_third_of_records_is_a_data_quality_violation(synthetic):
    rows = synthetic.fresh[:900].copy()
    rows[:300, 1] = np.inf
    report = report_for(synthetic, rows)
    assert ("non_finite", "f1") in checks(report) and report.status == "alert"
    assert report.data_quality["f1"].non_finite_rate == pytest.approx(1 / 3)
    everywhere = synthetic.fresh[:200].copy()
    everywhere[:, 2] = -np.inf  # no value at all is left: still counted, still a violation
    assert ("non_finite", "f2") in checks(report_for(synthetic, everywhere))
    few = synthetic.fresh[:1000].copy()
    few[:5, 1] = np.inf  # 0.5%: below max_non_finite_share
    assert not [check for check in checks(report_for(synthetic, few)) if check[0] == "non_finite"]


def test_huge_finite_values_are_out_of_range_not_non_finite(synthetic):
    rows = synthetic.fresh[:1000].copy()
    rows[:200, 3] = 1e150
    report = report_for(synthetic, rows)
    assert ("out_of_range", "f3") in checks(report)
    assert report.data_quality["f3"].share_out_of_range == pytest.approx(0.2)
    assert report.data_quality["f3"].non_finite_rate == 0.0
    assert type(report).model_validate_json(report.model_dump_json()) == report  # moments stayed finite


def test_a_window_of_mostly_another_version_says_so(synthetic):
    report = report_for(synthetic, synthetic.fresh[:60], other_versions={"20261201T000000Z-fedcba98": 540})
    assert report.traffic.mostly_other_versions and report.traffic.monitored_share == pytest.approx(0.1)
    assert [(v.model_version, v.share, v.monitored) for v in report.traffic.versions] == [
        ("20261201T000000Z-fedcba98", pytest.approx(0.9), False), (MODEL[1], pytest.approx(0.1), True)]
    assert report.status == "insufficient_data" and "mostly another model version" in report.notes[0]
    assert report.metrics()["OtherVersionShare"] == pytest.approx(0.9)
    # enough of our own predictions for verdicts, yet still mostly another version: still said
    busy = report_for(synthetic, synthetic.fresh[:500], other_versions={"20261201T000000Z-fedcba98": 1500})
    assert busy.traffic.mostly_other_versions and busy.status == "ok" and len(busy.notes) == 1
    alone = report_for(synthetic, synthetic.fresh[:500])
    assert not alone.traffic.mostly_other_versions and alone.notes == []


def test_a_window_below_min_count_is_insufficient_data_not_ok(synthetic):
    report = report_for(synthetic, synthetic.fresh[:40])
    assert report.violations == [] and report.status == "insufficient_data"
    assert "Insufficient data: 40 predictions" in report.notes[0]
    enough = report_for(synthetic, synthetic.fresh[:THRESHOLDS.min_count])
    assert enough.status == "ok" and enough.notes == []


def test_no_accuracy_estimate_from_a_handful_and_an_interval_with_it(synthetic):
    one = report_for(synthetic, synthetic.fresh[:1])
    assert one.estimated_quality.estimated_accuracy is None and one.estimated_quality.status == "insufficient_data"
    assert "EstimatedAccuracy" not in one.metrics()
    small, large = (report_for(synthetic, synthetic.fresh[:rows]).estimated_quality for rows in (200, 6000))
    for estimate, rows in ((small, 200), (large, 6000)):
        truth = float(np.mean(synthetic.pipeline.predict(synthetic.fresh[:rows]) == synthetic.fresh_labels[:rows]))
        assert estimate.interval_low <= estimate.estimated_accuracy <= estimate.interval_high
        assert estimate.interval_low <= truth <= estimate.interval_high
    assert (large.interval_high - large.interval_low) < (small.interval_high - small.interval_low) / 2


def _with_categories(synthetic, window_values, training_values):
    """The synthetic baseline and window with one categorical feature, `colour`, added."""
    from modelops.statistics.categories import fit_categories, profile_categories

    categories = fit_categories(training_values)
    baseline = synthetic.baseline.model_copy(update={"categories": {"colour": profile_categories(training_values,
                                                                                                 categories)}})
    window = window_of(synthetic, synthetic.fresh[:2000]).model_copy(
        update={"categories": {"colour": profile_categories(window_values, categories)}})
    quality = LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_END).finish(2000, THRESHOLDS.min_labels, {"accuracy": 0.8})
    return build_report(window, baseline, quality, THRESHOLDS, WINDOW_END)


@pytest.mark.parametrize("case", ["same", "shifted", "unseen", "missing"])
def test_categorical_features_are_monitored_for_drift_unseen_categories_and_missing_values(synthetic, case):
    rng = np.random.default_rng(3)
    training = rng.choice(["red", "green", "blue"], 6000, p=[0.5, 0.3, 0.2]).tolist()
    window = {
        "same": rng.choice(["red", "green", "blue"], 2000, p=[0.5, 0.3, 0.2]).tolist(),
        "shifted": rng.choice(["red", "green", "blue"], 2000, p=[0.2, 0.3, 0.5]).tolist(),
        "unseen": rng.choice(["red", "green", "blue", "purple"], 2000, p=[0.4, 0.25, 0.15, 0.2]).tolist(),
        "missing": rng.choice(["red", "green", "blue", ""], 2000, p=[0.4, 0.2, 0.1, 0.3]).tolist(),
    }[case]
    report = _with_categories(synthetic, window, training)
    colour = [(v.check, v.feature) for v in report.violations if v.feature == "colour"]
    drift = report.feature_drift.columns["colour"]
    assert drift.distribution_test == "chi_squared" and report.data_quality["colour"].count == 2000
    if case == "same":
        assert colour == [] and drift.verdict == "ok"
    elif case == "shifted":
        assert colour == [("feature_drift", "colour")] and drift.changes == ["distribution"]
        described = next(v.description for v in report.violations if v.feature == "colour")
        assert "category shares moved" in described and "chi-squared p" in described and "JS distance" in described
    elif case == "unseen":
        assert ("unseen_categories", "colour") in colour
        assert report.data_quality["colour"].unseen_share == pytest.approx(window.count("purple") / 2000)
        assert report.data_quality["colour"].unseen_share_baseline == 0.0
    else:
        assert ("missing_values", "colour") in colour and "missing_rate" in drift.changes
    assert report.metrics()["DataQualityViolations"] == sum(
        check in ("unseen_categories", "missing_values") for check, _ in colour)


def test_the_report_carries_the_bins_it_judged_for_the_report_page(synthetic):
    rows = synthetic.fresh[:500].copy()
    rows[:50, 1] = np.nan
    window = window_of(synthetic, rows)
    report = build_report(window, synthetic.baseline, LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_END).finish(
        500, 30, {"accuracy": 0.8}), THRESHOLDS, WINDOW_END)
    histograms = report.histograms
    assert histograms.classes == synthetic.baseline.classes
    for name, column in synthetic.baseline.features.columns.items():
        assert histograms.features[name].edges == column.edges
        assert histograms.features[name].reference == column.counts
        assert histograms.features[name].current == window.features.columns[name].counts
    assert histograms.features["f1"].current[-1] == 50  # the missing bin
    assert {name: h.current for name, h in histograms.predictions.items()} == {
        name: column.counts for name, column in window.predictions.columns.items()}
    # A report from before the field existed still reads (the page then has no bins to chart).
    old = json.loads(report.model_dump_json())
    del old["histograms"]
    assert type(report).model_validate(old).histograms.features == {}
