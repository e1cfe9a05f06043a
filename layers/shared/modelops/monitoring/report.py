"""From a window's profile, the baseline and the label join to one report: checks, violations,
the metrics CloudWatch gets, and a short Markdown summary for people.

Report format (schema_version 2) is the pydantic model `Report`; docs/monitoring.md "Reading the
report" walks through it.
"""
import math
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from modelops.artifacts.baseline import Baseline
from modelops.statistics.categories import CategoryProfile
from modelops.statistics.regression import REGRESSION_METRICS
from modelops.statistics.drift import ColumnDrift, DatasetDrift, compare_dataset, unseen_share
from modelops.monitoring.histograms import Histograms, histograms_of
from modelops.monitoring.labels import ModelQuality
from modelops.monitoring.metrics import MonitorMetric
from modelops.monitoring.settings import Thresholds
from modelops.monitoring.traffic import Traffic, traffic_of
from modelops.monitoring.window import Volume, WindowProfile

DATA_QUALITY_CHECKS = ("invalid_records", "unreadable_capture", "volume", "missing_values", "out_of_range",
                       "non_finite", "unseen_categories")
MODEL_QUALITY_CHECKS = ("accuracy", "estimated_accuracy", "error")
# The figures on labels a report shows beside training's, per task (the summary and the page).
LABELLED_METRICS = {"classification": ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"),
                    "regression": REGRESSION_METRICS}
INTERVAL_Z = 1.96  # the estimate's interval is a two-sided 95% one
# How a status is written for people: the summary's title, the alert, the report page.
STATUS_WORDS = {"ok": "OK", "alert": "ALERT", "insufficient_data": "INSUFFICIENT DATA"}


class Violation(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    check: str  # one of DATA_QUALITY_CHECKS, MODEL_QUALITY_CHECKS, feature_drift, dataset_drift, prediction_drift
    feature: str | None = None
    value: float | None = None
    threshold: float | None = None
    description: str


class FeatureQuality(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    count: int  # values (finite or missing) in the window
    missing_rate_baseline: float | None
    missing_rate: float | None
    share_out_of_range: float | None  # outside the training range [min, max], however large (numeric)
    non_finite_rate: float | None  # +/-inf: counted apart, never a value (numeric)
    # Categorical: share of present values in no training category (tracked ones: Baseline.categories).
    unseen_share_baseline: float | None = None
    unseen_share: float | None = None


class EstimatedQuality(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    method: str = "cbpe"  # "none" for a regressor: no label-free estimate of its error is sound
    status: Literal["ok", "insufficient_data", "not_applicable"]
    predictions: int  # what the estimate averages over; below min_count there is no estimate
    min_count: int
    estimated_accuracy: float | None
    # Approximate 95% interval: the window's own outcomes (a sum of Bernoullis with the calibrated
    # probabilities) plus the calibration's sampling error (its rows), clipped to [0, 1].
    interval_low: float | None = None
    interval_high: float | None = None
    reference_accuracy: float | None  # None for a regressor


class Report(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    schema_version: int = 2
    model_name: str
    model_version: str
    task: Literal["classification", "regression"] = "classification"  # the baseline's: which quality figures
    generated_at: datetime
    window_start: datetime
    window_end: datetime
    # alert: a check failed; insufficient_data: no check failed, but fewer than min_count
    # predictions of this version, too few to call the window healthy.
    status: Literal["ok", "alert", "insufficient_data"]
    notes: list[str]  # plain sentences a reader must see first (too few records, another version)
    violations: list[Violation]
    volume: Volume
    traffic: Traffic
    data_quality: dict[str, FeatureQuality]
    feature_drift: DatasetDrift
    prediction_drift: DatasetDrift
    estimated_quality: EstimatedQuality
    model_quality: ModelQuality
    thresholds: Thresholds
    # Empty in reports written before the report page existed (the field was added, not changed).
    histograms: Histograms = Field(default_factory=Histograms)

    def features_by_change(self) -> list[tuple[str, ColumnDrift]]:
        """Drifted first, then by how far values moved (Wasserstein sees location and spread), then
        PSI: the order of the summary's table and of the report page."""
        return sorted(self.feature_drift.columns.items(),
                      key=lambda item: (item[1].verdict != "drift", -(item[1].wasserstein or 0.0), -(item[1].psi or 0.0)))

    def metrics(self) -> dict[str, float]:
        """What CloudWatch gets (modelops.monitoring.metrics); a figure that does not
        exist this window (no labels, no values) is left out rather than sent as 0."""
        checks = [violation.check for violation in self.violations]
        psis = [column.psi for column in self.feature_drift.columns.values() if column.psi is not None]
        values: dict[MonitorMetric, float | None] = {
            MonitorMetric.RECORDS: self.volume.records,
            MonitorMetric.INVALID_RECORDS: self.volume.invalid + self.volume.malformed_lines,
            MonitorMetric.DATA_QUALITY_VIOLATIONS: sum(check in DATA_QUALITY_CHECKS for check in checks),
            MonitorMetric.DRIFTED_FEATURES: len(self.feature_drift.drifted_columns),
            MonitorMetric.WORST_PSI: max(psis) if psis else None,
            MonitorMetric.PREDICTION_DRIFT: 1 if self.prediction_drift.drifted_columns else 0,
            MonitorMetric.ACCURACY: (self.model_quality.metrics or {}).get("accuracy"),
            MonitorMetric.MEAN_ABSOLUTE_ERROR: (self.model_quality.metrics or {}).get("mae"),
            MonitorMetric.ESTIMATED_ACCURACY: self.estimated_quality.estimated_accuracy,
            MonitorMetric.LABELLED_FRACTION: self.model_quality.ledger.labelled_fraction,
            MonitorMetric.OTHER_VERSION_SHARE: None if self.traffic.monitored_share is None else 1 - self.traffic.monitored_share,
            MonitorMetric.MODEL_QUALITY_VIOLATIONS: sum(check in MODEL_QUALITY_CHECKS for check in checks),
            MonitorMetric.VIOLATIONS: len(checks),
        }
        return {name: float(value) for name, value in values.items() if value is not None}


def _drift(reference: Any, current: Any, thresholds: Thresholds, reference_categories: Any = None,
           current_categories: Any = None) -> DatasetDrift:
    return compare_dataset(reference, current, thresholds.drift_rule(), reference_categories=reference_categories,
                           current_categories=current_categories)


def _data_quality(window: WindowProfile, baseline: Baseline, thresholds: Thresholds) -> tuple[dict[str, FeatureQuality], list[Violation]]:
    volume, violations = window.volume, []
    if volume.records and volume.invalid / volume.records > thresholds.max_invalid_share:
        share = volume.invalid / volume.records
        violations.append(Violation(check="invalid_records", value=share, threshold=thresholds.max_invalid_share,
                                    description=f"{volume.invalid} of {volume.records} capture records fail the schema "
                                                f"({volume.invalid_reasons})."))
    if volume.unreadable_objects:
        violations.append(Violation(check="unreadable_capture", value=volume.unreadable_objects, threshold=0,
                                    description=f"{volume.unreadable_objects} capture object(s) could not be read."))
    if volume.predictions < thresholds.min_records:
        violations.append(Violation(check="volume", value=volume.predictions, threshold=thresholds.min_records,
                                    description=f"{volume.predictions} predictions in the window; at least "
                                                f"{thresholds.min_records} expected."))
    features = {}
    for name, current in window.features.columns.items():
        reference = baseline.features.columns[name]
        quality = FeatureQuality(
            count=current.count + current.missing,
            missing_rate_baseline=reference.missing / reference.total if reference.total else None,
            missing_rate=current.missing / current.total if current.total else None,
            share_out_of_range=(current.underflow + current.overflow) / current.count if current.count else None,
            non_finite_rate=current.non_finite / current.total if current.total else None,
        )
        features[name] = quality
        if current.total < thresholds.min_count:
            continue  # too few rows to call a rate a change
        if quality.non_finite_rate is not None and quality.non_finite_rate > thresholds.max_non_finite_share:
            # Before the count check below: a feature that is +/-inf in every row has no values at all.
            violations.append(Violation(check="non_finite", feature=name, value=quality.non_finite_rate,
                                        threshold=thresholds.max_non_finite_share,
                                        description=f"{name}: {quality.non_finite_rate:.1%} of values are +/-infinity."))
        if quality.count < thresholds.min_count:
            continue
        violations += _missing_violation(name, quality, thresholds)
        if quality.share_out_of_range is not None and quality.share_out_of_range > thresholds.max_out_of_range_share:
            violations.append(Violation(check="out_of_range", feature=name, value=quality.share_out_of_range,
                                        threshold=thresholds.max_out_of_range_share,
                                        description=f"{name}: {quality.share_out_of_range:.1%} of values outside "
                                                    f"the training range [{reference.min}, {reference.max}]."))
    for name, reference in baseline.categories.items():
        quality, violation = _category_quality(name, reference, window.categories.get(name), thresholds)
        features[name] = quality
        violations += violation
    return features, violations


def _missing_violation(name: str, quality: FeatureQuality, thresholds: Thresholds) -> list[Violation]:
    increase = (quality.missing_rate or 0.0) - (quality.missing_rate_baseline or 0.0)
    if increase <= thresholds.max_missing_increase:
        return []
    return [Violation(check="missing_values", feature=name, value=quality.missing_rate,
                      threshold=thresholds.max_missing_increase,
                      description=f"{name}: {quality.missing_rate:.1%} missing, baseline "
                                  f"{quality.missing_rate_baseline or 0.0:.1%}.")]


def _category_quality(name: str, reference: CategoryProfile, current: CategoryProfile | None,
                      thresholds: Thresholds) -> tuple[FeatureQuality, list[Violation]]:
    """A categorical feature's missing rate and the share of categories training never saw."""
    current = current or reference.profile_like([])
    quality = FeatureQuality(
        count=current.total, missing_rate_baseline=reference.missing / reference.total if reference.total else None,
        missing_rate=current.missing / current.total if current.total else None, share_out_of_range=None,
        non_finite_rate=None, unseen_share_baseline=reference.other / reference.present if reference.present else None,
        unseen_share=current.other / current.present if current.present else None)
    if current.total < thresholds.min_count:
        return quality, []
    violations = _missing_violation(name, quality, thresholds)
    unseen = unseen_share(reference, current)
    if unseen is not None and unseen > thresholds.max_unseen_category_share:
        violations.append(Violation(check="unseen_categories", feature=name, value=quality.unseen_share,
                                    threshold=thresholds.max_unseen_category_share,
                                    description=f"{name}: {quality.unseen_share:.1%} of values are categories "
                                                f"training never saw (training: {quality.unseen_share_baseline or 0.0:.1%}); "
                                                "the model scores them as unknown."))
    return quality, violations


def _effect(column: ColumnDrift, thresholds: Thresholds) -> tuple[str, float, float]:
    """The effect measure that made the change large: (name, value, threshold)."""
    if "distribution" not in column.changes:
        return "missing-rate PSI", column.missing_psi or 0.0, thresholds.psi
    measures = (("Wasserstein (sd)", column.wasserstein, thresholds.wasserstein), ("PSI", column.psi, thresholds.psi),
                ("JS distance", column.js_distance, thresholds.js_distance))
    if column.distribution_test == "chi_squared":  # categories: the JS distance alone decides the effect
        measures = measures[2:]
    return next((name, value, limit) for name, value, limit in measures if value is not None and value >= limit)


def _column_violation(check: str, name: str, column: ColumnDrift, thresholds: Thresholds, label: str = "") -> Violation:
    measure, value, limit = _effect(column, thresholds)
    parts = []
    if "distribution" in column.changes and column.distribution_test == "chi_squared":
        parts.append(f"category shares moved (JS {_figure(column.js_distance)}, PSI {_figure(column.psi)}, "
                     f"chi-squared p {column.distribution_p_value:.2g})")
    elif "distribution" in column.changes:
        parts.append(f"values moved (Wasserstein {_figure(column.wasserstein)} sd, PSI {_figure(column.psi)}, "
                     f"JS {_figure(column.js_distance)}, KS p {column.distribution_p_value:.2g})")
    if "missing_rate" in column.changes:
        parts.append(f"missing {column.missing_rate_reference or 0.0:.1%} -> {column.missing_rate_current or 0.0:.1%} "
                     f"(p {column.missing_p_value:.2g})")
    return Violation(check=check, feature=name, value=value, threshold=limit,
                     description=f"{label}{name} drifted: {'; '.join(parts)}; {measure} {value:.3f} >= {limit}.")


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _drift_violations(feature_drift: DatasetDrift, prediction_drift: DatasetDrift, thresholds: Thresholds) -> list[Violation]:
    violations = [_column_violation("feature_drift", name, feature_drift.columns[name], thresholds)
                  for name in feature_drift.drifted_columns]
    if feature_drift.verdict == "drift":
        violations.append(Violation(check="dataset_drift", value=feature_drift.drifted_share,
                                    threshold=thresholds.dataset_drift_share,
                                    description=f"{len(feature_drift.drifted_columns)} features drifted "
                                                f"({feature_drift.drifted_share:.0%} of those with enough data)."))
    violations += [_column_violation("prediction_drift", name, prediction_drift.columns[name], thresholds, "Predicted ")
                   for name in prediction_drift.drifted_columns]
    return violations


def _error_violations(quality: ModelQuality, thresholds: Thresholds) -> list[Violation]:
    """A regressor's labelled MAE against training's held-out MAE (relative: the units are the target's)."""
    trained = quality.training_metrics.get("mae")
    if not quality.metrics or trained is None:
        return []
    limit = trained * (1.0 + thresholds.max_error_increase)
    if quality.metrics["mae"] <= limit:
        return []
    return [Violation(check="error", value=quality.metrics["mae"], threshold=limit,
                      description=f"Mean absolute error {quality.metrics['mae']:.4g} on {quality.ledger.labelled} labels "
                                  f"(bias {quality.metrics['bias']:+.4g}); training {trained:.4g}.")]


def _quality_violations(estimated: EstimatedQuality, quality: ModelQuality, thresholds: Thresholds) -> list[Violation]:
    if estimated.status == "not_applicable":  # a regressor
        return _error_violations(quality, thresholds)
    violations = []
    trained = quality.training_metrics.get("accuracy")
    if quality.metrics and trained is not None and quality.metrics["accuracy"] < trained - thresholds.max_accuracy_drop:
        violations.append(Violation(check="accuracy", value=quality.metrics["accuracy"], threshold=trained - thresholds.max_accuracy_drop,
                                    description=f"Accuracy {quality.metrics['accuracy']:.3f} on {quality.ledger.labelled} labels; "
                                                f"training {trained:.3f}."))
    floor = (estimated.reference_accuracy or 0.0) - thresholds.max_estimated_accuracy_drop
    if estimated.status == "ok" and estimated.estimated_accuracy is not None and estimated.estimated_accuracy < floor:
        violations.append(Violation(check="estimated_accuracy", value=estimated.estimated_accuracy, threshold=floor,
                                    description=f"Estimated accuracy {estimated.estimated_accuracy:.3f} (no labels needed); "
                                                f"training {estimated.reference_accuracy:.3f}."))
    return violations


def _estimate(window: WindowProfile, baseline: Baseline, thresholds: Thresholds) -> EstimatedQuality:
    count = window.predictions.rows
    fields: dict[str, Any] = {"predictions": count, "min_count": thresholds.min_count,
                              "reference_accuracy": baseline.reference_accuracy}
    if baseline.calibration is None:  # a regressor: nothing to calibrate a probability of being right on
        return EstimatedQuality(method="none", status="not_applicable", estimated_accuracy=None, **fields)
    if count < thresholds.min_count or window.estimated_accuracy is None:
        return EstimatedQuality(status="insufficient_data", estimated_accuracy=None, **fields)
    estimate = window.estimated_accuracy
    variance = window.expected_correct_variance / count**2
    if baseline.calibration.rows:  # the curve itself was fitted on a sample
        variance += estimate * (1.0 - estimate) / baseline.calibration.rows
    half = INTERVAL_Z * math.sqrt(variance)
    return EstimatedQuality(status="ok", estimated_accuracy=estimate, interval_low=max(0.0, estimate - half),
                            interval_high=min(1.0, estimate + half), **fields)


def _notes(window: WindowProfile, traffic: Traffic, thresholds: Thresholds, regression: bool) -> list[str]:
    notes = []
    if regression:
        notes.append("A regressor: its error is measured from labels only (no label-free estimate of it is sound); "
                     "without labels this report covers data quality and drift of inputs and predicted values.")
    if traffic.mostly_other_versions:
        others = ", ".join(f"{v.model_name} {v.model_version} ({v.share:.0%})" for v in traffic.versions if not v.monitored)
        notes.append(f"This window is mostly another model version: {others}. This report covers "
                     f"{window.model_name} {window.model_version} only ({traffic.monitored_share or 0.0:.0%} of "
                     "predictions); is the monitor watching the version that serves?")
    if window.volume.predictions < thresholds.min_count:
        notes.append(f"Insufficient data: {window.volume.predictions} predictions of this version in the window, "
                     f"{thresholds.min_count} needed (min_count) for drift verdicts and the accuracy estimate.")
    return notes


def build_report(window: WindowProfile, baseline: Baseline, quality: ModelQuality, thresholds: Thresholds,
                 generated_at: datetime) -> Report:
    data_quality, violations = _data_quality(window, baseline, thresholds)
    feature_drift = _drift(baseline.features, window.features, thresholds, baseline.categories, window.categories)
    prediction_drift = _drift(baseline.predictions, window.predictions, thresholds)
    estimated = _estimate(window, baseline, thresholds)
    traffic = traffic_of(window.volume, window.model_name, window.model_version, thresholds.max_other_version_share)
    violations += _drift_violations(feature_drift, prediction_drift, thresholds)
    violations += _quality_violations(estimated, quality, thresholds)
    status: Literal["ok", "alert", "insufficient_data"] = (
        "alert" if violations else "insufficient_data" if window.volume.predictions < thresholds.min_count else "ok")
    return Report(
        model_name=window.model_name, model_version=window.model_version, task=baseline.task,
        generated_at=generated_at,
        window_start=window.start, window_end=window.end, status=status,
        notes=_notes(window, traffic, thresholds, baseline.task == "regression"),
        violations=violations, volume=window.volume, traffic=traffic, data_quality=data_quality,
        feature_drift=feature_drift, prediction_drift=prediction_drift, estimated_quality=estimated,
        model_quality=quality, thresholds=thresholds, histograms=histograms_of(window, baseline),
    )
