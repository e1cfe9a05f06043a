"""The report page's data: the bins charted are the profile's, drifted features come first, the
trend is bounded, every violation links to its section."""
from datetime import timedelta

import numpy as np
import pytest

from modelops.monitoring.page.data import (TREND_WINDOWS, PageLinks, category_bins, numeric_bins, page_data)
from modelops.monitoring.histograms import CategoryHistogram, Histogram
from tests.support.report_pages import MISSING, SCALED, SHIFTED, wide_report

LINKS = PageLinks("r.json", "reports/r.json", "models/wide/v/")


@pytest.fixture(scope="module")
def report():
    return wide_report(12)


def test_every_bin_of_the_profile_is_charted_with_its_counts(report):
    data = page_data(report, [], LINKS)
    assert len(data.features) == 12
    for view in data.features:
        histogram = report.histograms.features[view.name]
        # The report's histograms are the window profile's and the baseline's counts (test_report);
        # here every one of them reaches the chart, underflow, overflow and missing included.
        assert [b.reference for b in view.bins] == histogram.reference
        assert [b.current for b in view.bins] == histogram.current
        assert [b.kind for b in view.bins][:1] + [b.kind for b in view.bins][-3:] == [
            "below range", "training max", "above range", "missing"]
        assert len({b.label for b in view.bins}) == len(view.bins)  # the chart's categories are distinct
        assert sum(b.current_share for b in view.bins) == pytest.approx(1.0)
    by_name = {view.name: view for view in data.features}
    missing = by_name[f"feature_{MISSING:03d}"].bins[-1]
    assert (missing.label, missing.reference, missing.current) == ("missing", 0, report.volume.predictions * 15 // 100)
    doubled = by_name[f"feature_{SCALED:03d}"].bins
    assert doubled[0].current > 0 and doubled[-2].current > 0 and doubled[0].reference == doubled[-2].reference == 0


def test_labels_follow_the_profile_layout_value_atoms_included():
    atom = float(np.nextafter(0.0, np.inf))
    histogram = Histogram(edges=[0.0, atom, 1.0, 2.5], reference=[0, 50, 10, 30, 5, 0, 5], current=[1, 40, 20, 20, 0, 2, 3])
    bins = numeric_bins(histogram)
    assert [b.label for b in bins] == ["< 0", "= 0", "(0, 1)", "[1, 2.5)", "= 2.5", "> 2.5", "missing"]
    assert [b.reference_share for b in bins][:2] == [0.0, 0.5]
    assert [b.label for b in numeric_bins(Histogram(edges=[1.00001, 1.00002], reference=[0] * 5, current=[0] * 5))] == [
        "< 1.00001", "[1.00001, 1.00002)", "= 1.00002", "> 1.00002", "missing"]  # digits enough to tell edges apart
    assert all(b.reference_share is None for b in numeric_bins(Histogram(edges=[], reference=[0] * 3, current=[1, 0, 0])))
    categories = category_bins(CategoryHistogram(categories=["red", "blue"], reference=[6, 2, 1, 1], current=[1, 1, 8, 0]))
    assert [(b.label, b.current) for b in categories] == [("red", 1), ("blue", 1), ("(other)", 8), ("(missing)", 0)]


def test_drifted_features_come_first_and_violations_link_to_them(report):
    data = page_data(report, [], LINKS)
    drifted = set(report.feature_drift.drifted_columns)
    assert drifted == {f"feature_{i:03d}" for i in (SHIFTED, MISSING, SCALED)}
    assert {view.name for view in data.features[:3]} == drifted
    assert all(view.verdict == "drift" for view in data.features[:3])
    assert all(view.verdict != "drift" for view in data.features[3:])
    rest = [view.name for view in data.features[3:]]
    assert rest == [name for name, _ in report.features_by_change()[3:]]
    anchors = {view.name: view.anchor for view in data.features + data.predictions}
    assert len(set(anchors.values())) == len(anchors)
    for (check, _, anchor), violation in zip(data.violations, report.violations, strict=True):
        assert anchor == anchors[violation.feature] if violation.feature else anchor in ("features", "quality", "overview")
    classes = next(view for view in data.predictions if view.name == "predicted_class").bins
    assert [b.label for b in classes] == ["class 0", "class 1"]
    assert sum(b.current for b in classes) == report.volume.predictions


def test_the_trend_is_bounded_oldest_first_and_ends_with_this_window(report):
    hour = timedelta(hours=1)
    earlier = [report.model_copy(update={"window_start": report.window_start - (k + 1) * hour,
                                         "window_end": report.window_end - (k + 1) * hour}) for k in range(40)]
    later = report.model_copy(update={"window_start": report.window_end, "window_end": report.window_end + hour})
    data = page_data(report, earlier[::-1] + [later], LINKS)
    assert len(data.trend) == TREND_WINDOWS + 1
    ends = [point.window_end for point in data.trend]
    assert ends == sorted(ends) and ends[-1] == report.window_end.isoformat()
    assert ends[0] == earlier[TREND_WINDOWS - 1].window_end.isoformat()  # the newest 24 before this one
    assert data.trend[-1].estimated_accuracy == report.estimated_quality.estimated_accuracy


def test_feature_names_cannot_break_anchors():
    from modelops.monitoring.page.data import anchor_for

    assert anchor_for("feature", 3, '"><script>x</script> Größe') == "feature-3-script-x-script-gr-e"
