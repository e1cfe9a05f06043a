"""What the report page shows, computed from a Report and the earlier reports of its version.

Plain data and no HTML, so the tests check the numbers here and `render` only lays them out. The
bins are the report's histograms, which are the profile's bins (statistics.profile), every one of
them: underflow, the in-range bins, the point bin at the training maximum, overflow and missing.
"""
import math
import re
from dataclasses import dataclass

import numpy as np

from modelops.monitoring.histograms import CategoryHistogram, Histogram
from modelops.monitoring.report import LABELLED_METRICS, STATUS_WORDS, Report
from modelops.statistics.drift import ColumnDrift

# Earlier windows on the quality trend: a day of hourly runs. Bounds what a run reads
# (MonitoringStore.earlier_reports) and what the page draws.
TREND_WINDOWS = 24
# The figure the trend follows on labels: a classifier's accuracy, a regressor's mean absolute error.
HEADLINE = {"classification": "accuracy", "regression": "mae"}


@dataclass(frozen=True)
class Bin:
    label: str  # unique within its chart: the chart's categories
    kind: str  # below range, in range, training max, above range, missing; category, other
    reference: int
    current: int
    reference_share: float | None  # of every row the side counted (missing ones too); None: no rows
    current_share: float | None


@dataclass(frozen=True)
class Measure:
    name: str
    value: float | None
    threshold: float | None
    # "at or above" for effect sizes, "at or below" for p-values; None: nothing to compare
    crossed: bool | None


@dataclass(frozen=True)
class FeatureView:
    name: str
    anchor: str  # the HTML id violations link to
    verdict: str
    changes: list[str]
    measures: list[Measure]
    rates: list[tuple[str, float | None, float | None]]  # (what, training, window)
    bins: list[Bin]


@dataclass(frozen=True)
class TrendPoint:
    window_end: str  # ISO time
    model_version: str
    status: str
    estimated_accuracy: float | None
    interval_low: float | None
    interval_high: float | None
    accuracy: float | None  # on labels, when enough matched
    labelled: int
    drifted_features: int


@dataclass(frozen=True)
class PageLinks:
    report_json: str  # href of report.json, relative to the page
    report_key: str  # its S3 key in the monitoring bucket
    model_prefix: str  # the version's folder in the model bucket: manifest and model card


@dataclass(frozen=True)
class PageData:
    report: Report
    status_word: str
    links: PageLinks
    violations: list[tuple[str, str, str | None]]  # (check, description, anchor of its section)
    features: list[FeatureView]  # drifted first (Report.features_by_change)
    predictions: list[FeatureView]
    metrics: list[tuple[str, float | None, float | None]]  # (metric, window, training), on labels
    trend: list[TrendPoint]  # oldest first, this window last
    unreadable_history: int  # earlier reports that could not be read, left off the trend


def _fmt(value: float, digits: int) -> str:
    return f"{value:.{digits}g}"


def _edge_texts(edges: list[float]) -> list[str]:
    """Each edge as text, with the fewest significant digits that keep the edges apart. An edge
    just above a value atom (np.nextafter) is not written: its bin is labelled by the atom."""
    atoms_next = {i for i in range(1, len(edges)) if edges[i] == np.nextafter(edges[i - 1], np.inf)}
    shown = [edge for i, edge in enumerate(edges) if i not in atoms_next]
    digits = next(d for d in (3, 4, 6, 8, 12, 17) if len({_fmt(e, d) for e in shown}) == len(shown))
    return [_fmt(edge, digits) for edge in edges]


def _share(count: int, total: int) -> float | None:
    return count / total if total else None


def _bins(labels: list[tuple[str, str]], reference: list[int], current: list[int]) -> list[Bin]:
    ref_total, cur_total = sum(reference), sum(current)
    return [Bin(label, kind, ref, cur, _share(ref, ref_total), _share(cur, cur_total))
            for (label, kind), ref, cur in zip(labels, reference, current, strict=True)]


def numeric_bins(histogram: Histogram) -> list[Bin]:
    """Every bin of the profile layout, labelled: "< a", "[a, b)", "(a, b)" after a value atom,
    "= a" for an atom's point bin and for the training maximum, "> max", "missing"."""
    edges = histogram.edges
    if not edges:  # no training value: every finite value is underflow, there is no range
        labels = [("values", "no training range"), ("(none)", "above range"), ("missing", "missing")]
        return _bins(labels, histogram.reference, histogram.current)
    text = _edge_texts(edges)
    labels = [(f"< {text[0]}", "below range")]
    for i in range(1, len(edges)):
        if edges[i] == np.nextafter(edges[i - 1], np.inf):
            labels.append((f"= {text[i - 1]}", "in range (one value)"))
        elif i >= 2 and edges[i - 1] == np.nextafter(edges[i - 2], np.inf):
            labels.append((f"({text[i - 2]}, {text[i]})", "in range"))
        else:
            labels.append((f"[{text[i - 1]}, {text[i]})", "in range"))
    labels += [(f"= {text[-1]}", "training max"), (f"> {text[-1]}", "above range"), ("missing", "missing")]
    return _bins(labels, histogram.reference, histogram.current)


def category_bins(histogram: CategoryHistogram) -> list[Bin]:
    labels = [(name, "category") for name in histogram.categories] + [("(other)", "other"), ("(missing)", "missing")]
    return _bins(labels, histogram.reference, histogram.current)


def class_bins(histogram: Histogram, classes: list[int | str]) -> list[Bin]:
    """The predicted class: in-range bin i is classes[i] (artifacts.baseline.prediction_class_edges);
    the profile's other bins cannot hold a prediction and are left out unless one does."""
    bins = numeric_bins(histogram)
    named = [Bin(f"class {classes[i]}", "class", b.reference, b.current, b.reference_share, b.current_share)
             for i, b in enumerate(bins[1:1 + len(classes)])]
    rest = [b for b in bins[:1] + bins[1 + len(classes):] if b.reference or b.current]
    return named + rest


def anchor_for(section: str, index: int, name: str) -> str:
    """A readable HTML id that no feature name can break: only [a-z0-9-], made unique by index."""
    return f"{section}-{index}-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}"


def _measures(column: ColumnDrift, report: Report) -> list[Measure]:
    limits = report.thresholds

    def effect(name: str, value: float | None, threshold: float) -> Measure:
        return Measure(name, value, threshold, None if value is None else value >= threshold)

    def p_value(name: str, value: float | None) -> Measure:
        # The raw p against alpha: the verdict applies Benjamini-Hochberg across features, so a p
        # at or below alpha is needed for a significant change, not enough (the page says so).
        return Measure(name, value, limits.alpha, None if value is None else value <= limits.alpha)

    chi = column.distribution_test == "chi_squared"
    return [
        *([] if chi else [effect("Wasserstein (training sd)", column.wasserstein, limits.wasserstein)]),
        effect("PSI", column.psi, limits.psi),
        effect("Jensen-Shannon distance", column.js_distance, limits.js_distance),
        p_value("chi-squared p-value" if chi else "KS p-value", column.chi_squared_p_value if chi else column.ks_p_value),
        effect("missing-rate PSI", column.missing_psi, limits.psi),
        p_value("missing-rate p-value", column.missing_p_value),
    ]


def _feature(index: int, name: str, column: ColumnDrift, report: Report, section: str) -> FeatureView:
    histograms = report.histograms
    if name in histograms.categories:
        bins = category_bins(histograms.categories[name])
    elif section == "prediction" and name == "predicted_class" and name in histograms.predictions:
        bins = class_bins(histograms.predictions[name], histograms.classes)
    else:
        histogram = (histograms.predictions if section == "prediction" else histograms.features).get(name)
        bins = numeric_bins(histogram) if histogram else []  # reports from before the page have none
    quality = report.data_quality.get(name)
    rates = [("missing", column.missing_rate_reference, column.missing_rate_current),
             ("outside the training range", None, column.share_out_of_range),
             ("±infinity", None, column.non_finite_rate_current)]
    if quality is not None and quality.unseen_share is not None:
        rates.append(("categories training never saw", quality.unseen_share_baseline, quality.unseen_share))
    return FeatureView(name, anchor_for(section, index, name), column.verdict, list(column.changes),
                       _measures(column, report), rates, bins)


def _violation_anchor(check: str, feature: str | None, anchors: dict[str, str], predictions: dict[str, str]) -> str | None:
    if check == "prediction_drift" and feature in predictions:
        return predictions[feature]
    if feature in anchors:
        return anchors[feature]
    return {"accuracy": "quality", "estimated_accuracy": "quality", "error": "quality", "prediction_drift": "predictions",
            "dataset_drift": "features"}.get(check, "overview")


def _trend_point(report: Report) -> TrendPoint:
    estimate, quality = report.estimated_quality, report.model_quality
    accuracy = quality.metrics.get(HEADLINE[report.task]) if quality.metrics else None
    return TrendPoint(report.window_end.isoformat(), report.model_version, report.status,
                      estimate.estimated_accuracy, estimate.interval_low, estimate.interval_high,
                      accuracy, quality.ledger.labelled, len(report.feature_drift.drifted_columns))


def _scalar(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and math.isfinite(value) else None


def page_data(report: Report, history: list[Report], links: PageLinks, unreadable_history: int = 0) -> PageData:
    """`history`: earlier reports of the same version, any order; the newest TREND_WINDOWS that
    ended by this window's start are drawn."""
    features = [_feature(i, name, column, report, "feature") for i, (name, column) in enumerate(report.features_by_change())]
    predictions = [_feature(i, name, column, report, "prediction")
                   for i, (name, column) in enumerate(report.prediction_drift.columns.items())]
    anchors = {view.name: view.anchor for view in features}
    prediction_anchors = {view.name: view.anchor for view in predictions}
    violations = [(v.check, v.description, _violation_anchor(v.check, v.feature, anchors, prediction_anchors))
                  for v in report.violations]
    earlier = sorted((r for r in history if r.window_end <= report.window_start), key=lambda r: r.window_end)
    trend = [_trend_point(r) for r in earlier[-TREND_WINDOWS:]] + [_trend_point(report)]
    quality = report.model_quality
    metrics = [(name, _scalar(quality.metrics.get(name)), _scalar(quality.training_metrics.get(name)))
               for name in LABELLED_METRICS[report.task]] if quality.metrics else []
    return PageData(report, STATUS_WORDS[report.status], links, violations, features, predictions, metrics, trend,
                    unreadable_history)
