import json
import math

import numpy as np
import pytest
from scipy import stats
from scipy.spatial.distance import jensenshannon

from modelops.statistics.profile import (
    ColumnProfile,
    DatasetProfile,
    fit_bin_edges,
    merge,
    profile_column,
    profile_matrix,
)
from modelops.statistics.categories import CategoryProfile, fit_categories, profile_categories
from modelops.statistics.drift import (
    ColumnDrift,
    DatasetDrift,
    DriftThresholds,
    benjamini_hochberg,
    binned_ks,
    chi_squared_homogeneity,
    compare_categories,
    compare_column,
    compare_dataset,
    jensen_shannon_distance,
    normalised_wasserstein,
    psi,
    unseen_share,
)

THRESHOLDS = DriftThresholds(min_count=500, wasserstein=0.1, psi=0.1, js_distance=0.1, alpha=0.05)
CHUNK = 100_000


def assert_json_safe(result: ColumnDrift | DatasetDrift) -> None:
    text = result.model_dump_json()
    assert "NaN" not in text and "Infinity" not in text
    def walk(value: object) -> None:  # pydantic writes NaN as null: check the numbers too
        if isinstance(value, float):
            assert math.isfinite(value)
        elif isinstance(value, (dict, list)):
            for item in value.values() if isinstance(value, dict) else value:
                walk(item)
    walk(json.loads(text))


def compare(reference: ColumnProfile, current: ColumnProfile, **overrides: float) -> ColumnDrift:
    result = compare_column(reference, current, THRESHOLDS.model_copy(update=overrides))
    assert_json_safe(result)
    return result


def profile_in_chunks(
    seed: int, rows: int, shifts: list[float], edges_by_name: dict[str, list[float]]
) -> DatasetProfile:
    """Standard-normal features shifted by `shifts`, generated and profiled 100k rows at a time."""
    rng, names, total = np.random.default_rng(seed), list(edges_by_name), None
    for _ in range(rows // CHUNK):
        chunk = profile_matrix(rng.normal(size=(CHUNK, len(shifts))) + shifts, names, edges_by_name)
        total = chunk if total is None else total.merge(chunk)
    assert total is not None
    return total


# --- PSI, Jensen-Shannon, KS, BH on count vectors ----------------------------------------------

def test_identical_histograms_show_no_difference():
    counts = [3, 0, 10, 25, 7, 0, 2]
    assert psi(counts, counts) == 0.0
    assert jensen_shannon_distance(counts, counts) == 0.0
    assert binned_ks(counts[:-1], counts[:-1]) == (0.0, 1.0)


def test_psi_by_hand_and_finite_with_empty_bins():
    # (0.25 - 0.5) ln(0.5) + (0.75 - 0.5) ln(1.5)
    assert psi([50, 50], [25, 75]) == pytest.approx(0.25 * math.log(2) + 0.25 * math.log(1.5))
    disjoint = psi([10, 0, 5, 0], [0, 7, 0, 3])
    assert math.isfinite(disjoint) and disjoint > 1.0
    rng = np.random.default_rng(10)
    for _ in range(200):  # sparse random histograms: renormalising keeps PSI finite and >= 0
        reference, current = rng.poisson(0.7, (2, 8))
        reference[0] += 1
        current[1] += 1
        value = psi(reference, current)
        assert math.isfinite(value) and value >= 0.0


def test_psi_rejects_empty_or_mismatched_histograms():
    for reference, current in [([0, 0], [1, 2]), ([1, 2], [1, 2, 3]), ([-1, 2], [1, 2])]:
        with pytest.raises(ValueError):
            psi(reference, current)
    with pytest.raises(ValueError):
        psi([1, 2], [1, 2], epsilon=0.0)


def test_jensen_shannon_distance_is_scipys_and_bounded():
    rng = np.random.default_rng(11)
    for _ in range(100):
        reference, current = rng.poisson(2.0, (2, 9)) + [[1], [0]]
        current[0] += 1
        value = jensen_shannon_distance(reference, current)
        assert 0.0 <= value <= 1.0
        assert value == pytest.approx(jensenshannon(reference, current, base=2), abs=1e-12)
    assert jensen_shannon_distance([5, 0], [0, 5]) == 1.0  # disjoint supports, no log(0)


def test_binned_ks_matches_scipy_when_bins_hold_single_values():
    rng = np.random.default_rng(7)
    reference, current = rng.poisson(4.0, 800).astype(float), rng.poisson(4.4, 600).astype(float)
    # One bin per integer: the binned CDFs are the empirical CDFs at every data point.
    edges = [float(value) for value in range(int(reference.max()) + 1)]
    statistic, p_value = binned_ks(profile_column(reference, edges).value_counts,
                                   profile_column(current, edges).value_counts)
    exact = stats.ks_2samp(reference, current, method="asymp")
    assert statistic == pytest.approx(exact.statistic, abs=1e-12)
    effective = 800 * 600 / 1400
    stephens = (math.sqrt(effective) + 0.12 + 0.11 / math.sqrt(effective)) * statistic
    assert p_value == pytest.approx(stats.kstwobign.sf(stephens), rel=1e-9)  # the series itself
    assert 0.05 < p_value < 0.5 and p_value == pytest.approx(exact.pvalue, abs=0.005)  # vs kstwo(n=round(ne))


def test_binned_ks_p_value_is_clamped_to_a_probability():
    statistic, p_value = binned_ks([100, 0], [0, 100])
    assert statistic == 1.0 and 0.0 <= p_value < 1e-20
    statistic, p_value = binned_ks([10, 10], [11, 10])  # lambda ~ 0.06, below the series range
    assert 0.0 <= statistic <= 1.0 and p_value == 1.0


def test_benjamini_hochberg_by_hand():
    # m = 4, alpha = 0.05: rank thresholds 0.0125, 0.025, 0.0375, 0.05. Sorted p: 0.015 fails its
    # own threshold but 0.02 <= 0.025 passes, so step-up rejects both; 0.6 and 0.7 fail.
    assert benjamini_hochberg([0.6, 0.02, 0.7, 0.015], 0.05) == [False, True, False, True]
    # m = 5: thresholds 0.01 .. 0.05; the largest passing rank is 4 (0.039 <= 0.04).
    assert benjamini_hochberg([0.01, 0.039, 0.028, 0.005, 0.2], 0.05) == [True, True, True, True, False]
    assert benjamini_hochberg([0.02, 0.03], 0.01) == [False, False]
    assert benjamini_hochberg([], 0.05) == []


# --- compare_column ------------------------------------------------------------------------------

def test_half_std_shift_is_drift_and_no_shift_is_not_at_5000():
    rng = np.random.default_rng(12)
    reference_values = rng.normal(size=5_000)
    edges = fit_bin_edges(reference_values)
    reference = profile_column(reference_values, edges)
    shifted = compare(reference, profile_column(rng.normal(0.5, 1.0, 5_000), edges))
    assert shifted.verdict == "drift" and shifted.psi >= 0.1 and shifted.ks_p_value < 1e-20
    same = compare(reference, profile_column(rng.normal(size=5_000), edges))
    assert same.verdict == "ok" and same.psi < 0.02


def test_at_a_million_rows_no_shift_and_a_tiny_shift_are_not_drift():
    edges = fit_bin_edges(np.random.default_rng(13).normal(size=CHUNK))
    edges_by_name = {"same": edges, "tiny": edges}
    reference = profile_in_chunks(14, 1_000_000, [0.0, 0.0], edges_by_name)
    current = profile_in_chunks(15, 1_000_000, [0.0, 0.01], edges_by_name)
    assert reference.rows == current.rows == 1_000_000
    same = compare(reference.columns["same"], current.columns["same"])
    assert same.verdict == "ok"
    tiny = compare(reference.columns["tiny"], current.columns["tiny"])
    # Significant on its own (p ~ 1e-9), but the effect is negligible: not drift.
    assert tiny.ks_p_value < 1e-6 and tiny.psi < 0.01 and tiny.verdict == "ok"
    dataset = compare_dataset(reference, current, THRESHOLDS)
    assert dataset.verdict == "ok" and dataset.drifted_columns == []


def test_below_min_count_is_insufficient_data_with_metrics_still_reported():
    rng = np.random.default_rng(16)
    reference_values = rng.normal(size=5_000)
    edges = fit_bin_edges(reference_values)
    result = compare(profile_column(reference_values, edges), profile_column(rng.normal(3.0, 1.0, 100), edges))
    assert result.verdict == "insufficient_data" and result.count == 100
    assert result.psi > 1.0 and result.ks_p_value < 1e-10  # would be drift with enough data


def test_empty_window_is_insufficient_data_even_with_min_count_zero():
    edges = [0.0, 1.0]
    reference = profile_column([0.0, 0.5, 1.0], edges)
    for window in ([], [np.inf, -np.inf]):
        result = compare(reference, profile_column(window, edges), min_count=0)
        assert result.verdict == "insufficient_data" and result.count == 0
        assert (result.psi, result.js_distance, result.ks_statistic, result.share_out_of_range) == (None,) * 4
    only_inf = compare(reference, profile_column([np.inf, -np.inf], edges), min_count=0)
    assert only_inf.non_finite_rate_current == 1.0 and only_inf.missing_rate_current == 0.0


def test_missing_values_are_compared_as_a_rate():
    rng = np.random.default_rng(17)
    reference_values = rng.normal(size=5_000)
    edges = fit_bin_edges(reference_values)
    reference = profile_column(reference_values, edges)
    window = rng.normal(size=5_000)
    window[:1_500] = np.nan  # same distribution of values, 30% of them missing
    result = compare(reference, profile_column(window, edges))
    assert result.missing_rate_reference == 0.0 and result.missing_rate_current == pytest.approx(0.3)
    assert result.ks_p_value > 0.05 and result.missing_p_value < 1e-20
    assert result.verdict == "drift" and result.changes == ["missing_rate"]


def test_infinities_are_reported_and_leave_the_histogram_alone():
    rng = np.random.default_rng(18)
    reference_values = rng.normal(size=5_000)
    edges = fit_bin_edges(reference_values)
    window = rng.normal(size=5_000)
    window[:50], window[50:100] = np.inf, -np.inf
    result = compare(profile_column(reference_values, edges), profile_column(window, edges))
    assert result.non_finite_rate_current == pytest.approx(0.02)
    assert result.count == 4_900 and result.share_out_of_range < 0.01 and result.verdict == "ok"


def test_all_missing_reference_compares_only_the_missing_rate():
    reference = profile_column(np.full(1_000, np.nan), [])
    values = profile_column(np.random.default_rng(19).normal(size=1_000), [])
    result = compare(reference, values)
    assert result.verdict == "drift" and result.missing_rate_reference == 1.0
    assert (result.ks_statistic, result.ks_p_value) == (None, None)
    assert result.share_out_of_range == 1.0  # no reference range to be inside
    assert result.changes == ["missing_rate"] and result.missing_p_value < 1e-100
    still_missing = compare(reference, profile_column(np.full(1_000, np.nan), []))
    assert still_missing.verdict == "ok" and still_missing.psi is None and still_missing.missing_psi == 0.0
    assert still_missing.missing_p_value is None  # nothing to compare: no test, no p-value of 1 diluting BH


def test_constant_reference_gives_defined_results():
    edges = fit_bin_edges(np.full(1_000, 2.0))
    assert edges == [2.0]
    reference = profile_column(np.full(1_000, 2.0), edges)
    same = compare(reference, profile_column(np.full(1_000, 2.0), edges))
    assert (same.verdict, same.psi, same.js_distance, same.ks_statistic, same.ks_p_value) == ("ok", 0.0, 0.0, 0.0, 1.0)
    assert same.share_out_of_range == 0.0
    moved = compare(reference, profile_column(np.r_[np.full(800, 2.0), np.full(200, 2.5)], edges))
    assert moved.verdict == "drift" and moved.share_out_of_range == pytest.approx(0.2)
    assert moved.ks_statistic == pytest.approx(0.2)


def test_different_edges_cannot_be_compared():
    with pytest.raises(ValueError, match="edges"):
        compare_column(profile_column([1.0], [0.0, 2.0]), profile_column([1.0], [0.0, 3.0]), THRESHOLDS)


# --- compare_dataset -----------------------------------------------------------------------------

def test_dataset_drifts_when_enough_columns_drift():
    rng = np.random.default_rng(20)
    names = ["a", "b", "c"]
    reference_matrix = rng.normal(size=(5_000, 3))
    edges_by_name = {name: fit_bin_edges(reference_matrix[:, index]) for index, name in enumerate(names)}
    reference = profile_matrix(reference_matrix, names, edges_by_name)
    current = profile_matrix(rng.normal(size=(5_000, 3)) + [0.0, 0.5, 0.0], names, edges_by_name)
    result = compare_dataset(reference, current, THRESHOLDS)
    assert result.drifted_columns == ["b"] and result.drifted_share == pytest.approx(1 / 3)
    assert result.verdict == "drift"  # 1/3 >= 0.3
    assert [result.columns[name].verdict for name in names] == ["ok", "drift", "ok"]
    assert compare_dataset(reference, current, THRESHOLDS.model_copy(update={"dataset_share": 0.5})).verdict == "ok"
    assert_json_safe(result)


def test_dataset_columns_missing_on_either_side_and_tiny_windows():
    edges = [0.0, 1.0]
    reference = DatasetProfile(columns={"a": profile_column([0.0, 1.0], edges)}, rows=2)
    current = DatasetProfile(columns={"new": profile_column([0.5, 0.5], edges)}, rows=2)
    result = compare_dataset(reference, current, THRESHOLDS)
    assert list(result.columns) == ["a", "new"]
    assert result.columns["a"].verdict == "insufficient_data"  # absent from the window
    assert result.columns["new"].verdict == "no_reference"
    assert (result.verdict, result.drifted_share) == ("insufficient_data", None)
    assert_json_safe(result)


def test_merged_windows_are_compared_like_one_window():
    rng = np.random.default_rng(21)
    reference_values = rng.normal(size=5_000)
    edges = fit_bin_edges(reference_values)
    reference = profile_column(reference_values, edges)
    window = rng.normal(0.5, 1.0, 5_000)
    merged = merge(profile_column(window[:2_000], edges), profile_column(window[2_000:], edges))
    assert compare(reference, merged) == compare(reference, profile_column(window, edges))


# --- what the rule must see (issue 15, items 8-10) ----------------------------------------------

def test_a_shift_of_a_dominant_value_is_drift_as_scipy_sees_it():
    # 95% of rows one value, the rest spread: quantile edges alone gave the value one wide bin,
    # and moving it half a standard deviation changed no count (PSI 0, KS p 1).
    rng = np.random.default_rng(30)

    def draw(n: int) -> np.ndarray:
        return np.where(rng.random(n) < 0.95, 3.0, rng.normal(3.0, 1.0, n))

    reference_values = draw(10_000)
    edges = fit_bin_edges(reference_values)
    reference = profile_column(reference_values, edges)
    window = draw(5_000) + 0.5 * reference_values.std()
    assert stats.ks_2samp(reference_values, window).pvalue < 1e-100  # scipy on the raw values
    result = compare(reference, profile_column(window, edges))
    assert result.verdict == "drift" and result.changes == ["distribution"]
    assert result.ks_p_value < 1e-100 and result.ks_statistic > 0.9
    assert compare(reference, profile_column(draw(5_000), edges)).verdict == "ok"


def test_normalised_wasserstein_matches_the_raw_values_over_the_reference_range():
    rng = np.random.default_rng(31)
    reference_values = rng.normal(size=10_000)
    edges = fit_bin_edges(reference_values)
    reference = profile_column(reference_values, edges)
    grid = np.linspace(edges[0], edges[-1], 100_001)

    def cdf(values: np.ndarray) -> np.ndarray:
        return np.searchsorted(np.sort(values), grid, side="right") / values.size

    for window in (rng.normal(0.25, 1.0, 20_000), rng.normal(0.0, 1.5**0.5, 20_000), rng.normal(0.0, 2.0, 20_000)):
        # |F_ref - F_cur| integrated on the raw values, over the range the binned one measures
        truth = np.trapezoid(np.abs(cdf(reference_values) - cdf(window)), grid) / reference_values.std(ddof=1)
        assert normalised_wasserstein(reference, profile_column(window, edges)) == pytest.approx(truth, rel=0.05)
    # and scipy's on everything, for a change that stays in range
    window = rng.normal(0.5, 1.0, 20_000)
    scipy_value = stats.wasserstein_distance(reference_values, window) / reference_values.std(ddof=1)
    assert normalised_wasserstein(reference, profile_column(window, edges)) == pytest.approx(scipy_value, rel=0.05)
    assert normalised_wasserstein(reference, reference) == 0.0
    constant = profile_column(np.full(100, 2.0), [2.0])
    assert normalised_wasserstein(constant, constant) is None  # no spread to measure by


@pytest.mark.parametrize("rows, variance", [(1_000, 2.0), (10_000, 1.5), (100_000, 1.5)])
def test_a_change_of_spread_is_drift_at_every_window_size(rows, variance):
    # A wider spread moves little mass between deciles (JS distance ~0.1 for x1.5): it used to be
    # missed more often the larger the window, while its KS p-value fell to 1e-41.
    rng = np.random.default_rng(32)
    reference_values = rng.normal(size=10_000)
    edges = fit_bin_edges(reference_values)
    reference = profile_column(reference_values, edges)
    rule = {"min_count": 100, "alpha": 0.01, "psi": 0.2}  # the monitor's defaults
    wider = compare(reference, profile_column(rng.normal(0.0, variance**0.5, rows), edges), **rule)
    assert wider.verdict == "drift" and wider.changes == ["distribution"]
    assert wider.wasserstein > 0.8 * (variance**0.5 - 1.0) * 0.8  # W1 of normals: |sd1 - sd2| sqrt(2 / pi)
    same = compare(reference, profile_column(rng.normal(size=rows), edges), **rule)
    assert same.verdict == "ok" and same.wasserstein < 0.1


def test_missing_values_do_not_dilute_a_shift_of_the_present_ones():
    # 30% missing on both sides, present values moved 0.25 sd: PSI over a histogram with the
    # missing bin included was diluted below the effect threshold.
    rng = np.random.default_rng(33)

    def draw(n: int, shift: float) -> np.ndarray:
        values = rng.normal(shift, 1.0, n)
        values[rng.random(n) < 0.3] = np.nan
        return values

    reference_values = draw(10_000, 0.0)
    edges = fit_bin_edges(reference_values)
    reference = profile_column(reference_values, edges)
    window = profile_column(draw(10_000, 0.25), edges)
    result = compare(reference, window, min_count=100, alpha=0.01, psi=0.2)
    assert result.verdict == "drift" and result.changes == ["distribution"]
    assert result.psi == psi(reference.value_counts, window.value_counts)  # present values only
    assert result.missing_p_value > 0.01 and result.missing_psi < 0.01


# --- categorical columns (issue 14 item 7) -------------------------------------------------------

MONITOR_RULE = {"min_count": 100, "alpha": 0.01, "psi": 0.2}  # the monitor's defaults, js_distance 0.1
LEVELS = np.array(["a", "b", "c", "d", "e", "f", "g", "h"], dtype=object)
FREQUENCIES = np.array([0.3, 0.2, 0.15, 0.1, 0.1, 0.07, 0.05, 0.03])


def draw_categories(rng: np.random.Generator, n: int, frequencies: np.ndarray = FREQUENCIES,
                    missing: float = 0.0) -> list[str | None]:
    values = rng.choice(LEVELS, n, p=frequencies).tolist()
    return [None if rng.random() < missing else value for value in values]


def compare_categorical(reference: CategoryProfile, current: CategoryProfile, **overrides: float) -> ColumnDrift:
    result = compare_categories(reference, current, THRESHOLDS.model_copy(update=overrides))
    assert_json_safe(result)
    return result


def test_chi_squared_homogeneity_is_scipys_chi2_contingency():
    rng = np.random.default_rng(40)
    for categories in [2, 3, 9, 40, 101]:
        for _ in range(20):
            reference = rng.poisson(rng.uniform(0.0, 50.0, categories))
            current = rng.poisson(rng.uniform(0.0, 50.0, categories))
            reference[0] += 1
            current[-1] += 1
            both_empty = (reference + current) == 0
            statistic, df, p_value = chi_squared_homogeneity(reference, current)
            # scipy refuses an all-zero category (expected count 0); ours drops it, as documented
            exact = stats.chi2_contingency(np.vstack([reference, current])[:, ~both_empty], correction=False)
            assert df == exact.dof == categories - 1 - both_empty.sum()
            assert statistic == pytest.approx(exact.statistic, rel=1e-10)
            assert p_value == pytest.approx(exact.pvalue, rel=1e-9, abs=1e-300)


def test_chi_squared_homogeneity_with_one_category_or_bad_counts():
    assert chi_squared_homogeneity([10, 0], [3, 0]) == (0.0, 0, None)  # nothing to compare
    for reference, current in [([0, 0], [1, 2]), ([1, 2], [1, 2, 3]), ([-1, 2], [1, 2])]:
        with pytest.raises(ValueError):
            chi_squared_homogeneity(reference, current)


def test_a_category_frequency_shift_is_drift_and_a_resample_is_not_at_seeded_rates():
    # 10% of rows move from the commonest category to the fourth (JS distance 0.14); the
    # resamples draw from the training frequencies themselves. 200 seeded windows of 1,000 rows.
    rng = np.random.default_rng(41)
    training = draw_categories(rng, 20_000)
    categories = fit_categories(training)
    reference = profile_categories(training, categories)
    shifted_frequencies = FREQUENCIES + np.array([-0.1, 0.0, 0.0, 0.1, 0.0, 0.0, 0.0, 0.0])
    shifted = [compare_categorical(reference, profile_categories(draw_categories(rng, 1_000, shifted_frequencies),
                                                                 categories), **MONITOR_RULE) for _ in range(200)]
    resampled = [compare_categorical(reference, profile_categories(draw_categories(rng, 1_000), categories),
                                     **MONITOR_RULE) for _ in range(200)]
    assert sum(result.verdict == "drift" for result in shifted) >= 198
    assert all(result.changes == ["distribution"] for result in shifted if result.verdict == "drift")
    assert sum(result.verdict == "drift" for result in resampled) <= 2
    first = shifted[0]
    # 8 categories and an empty `other`, dropped: a 2 x 8 table, 7 degrees of freedom
    assert (first.distribution_test, first.chi_squared_df) == ("chi_squared", 7)
    assert first.distribution_p_value == first.chi_squared_p_value and first.ks_p_value is None
    assert first.wasserstein is None and first.share_out_of_range is None  # numeric-only measures


def test_many_rare_categories_in_small_windows_keep_false_alarms_near_alpha():
    # 150 levels with Zipf frequencies: 100 tracked, the tail in `other`, many expected counts
    # below 1 in a 200-row window, where the asymptotic p-value runs optimistic; and the JS
    # distance of pure noise is above 0.1 there, so the test alone decides (docs/monitoring.md).
    rng = np.random.default_rng(48)
    levels = np.array([f"level{i}" for i in range(150)], dtype=object)
    frequencies = 1.0 / np.arange(1, 151) ** 1.1
    frequencies /= frequencies.sum()
    training = rng.choice(levels, 20_000, p=frequencies).tolist()
    categories = fit_categories(training)
    reference = profile_categories(training, categories)
    assert len(categories) == 100 and reference.other > 0
    results = [compare_categorical(reference, profile_categories(rng.choice(levels, 200, p=frequencies).tolist(),
                                                                 categories), **MONITOR_RULE) for _ in range(400)]
    assert sum(result.js_distance >= 0.1 for result in results) > 300  # the effect gate does not help here
    assert sum(result.verdict == "drift" for result in results) <= 12  # <= 3% at alpha 1%


def test_a_tiny_category_shift_on_a_large_window_is_significant_but_not_drift():
    rng = np.random.default_rng(42)
    training = draw_categories(rng, 200_000)
    categories = fit_categories(training)
    nudged = FREQUENCIES + np.array([-0.01, 0.01, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    result = compare_categorical(profile_categories(training, categories),
                                 profile_categories(draw_categories(rng, 200_000, nudged), categories), **MONITOR_RULE)
    assert result.chi_squared_p_value < 1e-6 and result.js_distance < 0.02 and result.verdict == "ok"


def test_categorical_effect_and_test_agree_with_scipy_on_the_tracked_and_other_buckets():
    reference = profile_categories(["a"] * 500 + ["b"] * 300 + ["c"] * 200 + [None] * 50, ["a", "b"])
    window = profile_categories(["a"] * 200 + ["b"] * 300 + ["new"] * 100 + [""] * 40, ["a", "b"])
    result = compare_categorical(reference, window, min_count=100)
    table = np.array([[500, 300, 200], [200, 300, 100]])  # a, b, other (c untracked, "new" unseen)
    exact = stats.chi2_contingency(table, correction=False)
    assert result.chi_squared_statistic == pytest.approx(exact.statistic, rel=1e-12)
    assert result.chi_squared_p_value == pytest.approx(exact.pvalue, rel=1e-9)
    assert result.js_distance == pytest.approx(jensenshannon(table[0], table[1], base=2), abs=1e-12)
    assert result.psi == psi(table[0], table[1])
    assert result.verdict == "drift" and result.changes == ["distribution"]
    assert (result.other_share_reference, result.other_share_current) == (0.2, pytest.approx(1 / 6))
    # the missing rows (50 of 1,050 and 40 of 640) are tested on their own, not in the table
    assert result.missing_rate_reference == pytest.approx(50 / 1_050) and result.count == 640


def test_unseen_share_is_the_growth_of_other():
    reference = profile_categories(["a"] * 90 + ["rare"] * 10, ["a"])  # training's own tail: 10% other
    assert unseen_share(reference, profile_categories(["a"] * 70 + ["new"] * 30, ["a"])) == pytest.approx(0.2)
    assert unseen_share(reference, reference) == 0.0
    assert unseen_share(reference, profile_categories([None, ""], ["a"])) is None  # no present value


def test_new_categories_shift_the_distribution_through_other():
    rng = np.random.default_rng(43)
    training = draw_categories(rng, 10_000)
    reference = profile_categories(training, fit_categories(training))
    window = draw_categories(rng, 2_000)
    window[:400] = [f"never seen {i % 7}" for i in range(400)]  # 20% of the window in categories training lacked
    result = compare_categorical(reference, reference.profile_like(window), **MONITOR_RULE)
    assert result.other_share_reference == 0.0 and result.other_share_current == pytest.approx(0.2)
    assert result.verdict == "drift" and result.changes == ["distribution"] and result.js_distance > 0.2


def test_categorical_missing_values_are_compared_as_a_rate():
    # As test_missing_values_are_compared_as_a_rate for a numeric column: the same frequencies,
    # 30% of the window missing, is a missing-rate change, not a distribution change.
    rng = np.random.default_rng(44)
    training = draw_categories(rng, 5_000)
    categories = fit_categories(training)
    result = compare_categorical(profile_categories(training, categories),
                                 profile_categories(draw_categories(rng, 5_000, missing=0.3), categories))
    assert result.missing_rate_reference == 0.0 and result.missing_rate_current == pytest.approx(0.3, abs=0.02)
    assert result.chi_squared_p_value > 0.05 and result.missing_p_value < 1e-20
    assert result.verdict == "drift" and result.changes == ["missing_rate"]


def test_categorical_edge_cases_have_defined_verdicts():
    categories = ["a", "b"]
    reference = profile_categories(["a"] * 300 + ["b"] * 300, categories)
    few = compare_categorical(reference, profile_categories(["b"] * 50, categories))
    assert few.verdict == "insufficient_data" and few.count == 50 and few.chi_squared_p_value < 1e-10
    empty = compare_categorical(reference, profile_categories([], categories), min_count=0)
    assert empty.verdict == "insufficient_data" and (empty.js_distance, empty.chi_squared_p_value) == (None, None)
    none = compare_categorical(profile_categories([], categories), reference)
    assert none.verdict == "no_reference" and none.missing_rate_reference is None
    all_missing = profile_categories([None] * 600, [])
    still = compare_categorical(all_missing, profile_categories([""] * 600, []))
    assert still.verdict == "ok" and still.js_distance is None and still.missing_p_value is None
    one = profile_categories(["a"] * 600, ["a"])  # a constant column: one category, nothing to test
    same = compare_categorical(one, one)
    assert (same.verdict, same.js_distance, same.chi_squared_df, same.chi_squared_p_value) == ("ok", 0.0, 0, None)
    with pytest.raises(ValueError, match="categories"):
        compare_categories(reference, profile_categories(["a"], ["b", "a"]), THRESHOLDS)


def test_merged_categorical_windows_are_compared_like_one_window():
    rng = np.random.default_rng(45)
    training = draw_categories(rng, 5_000)
    reference = profile_categories(training, fit_categories(training))
    window = draw_categories(rng, 3_000, FREQUENCIES[::-1])
    merged = reference.profile_like(window[:1_000]).merge(reference.profile_like(window[1_000:]))
    assert compare_categorical(reference, merged) == compare_categorical(reference, reference.profile_like(window))


def test_numeric_columns_name_their_test_too():
    rng = np.random.default_rng(46)
    values = rng.normal(size=2_000)
    edges = fit_bin_edges(values)
    result = compare(profile_column(values, edges), profile_column(rng.normal(size=2_000), edges))
    assert result.distribution_test == "binned_ks" and result.distribution_p_value == result.ks_p_value
    assert result.chi_squared_p_value is None and result.other_share_current is None


def test_dataset_drift_tests_categorical_and_numeric_columns_together():
    rng = np.random.default_rng(47)
    matrix = rng.normal(size=(5_000, 2))
    names = ["x", "y"]
    edges = {name: fit_bin_edges(matrix[:, index]) for index, name in enumerate(names)}
    reference = profile_matrix(matrix, names, edges)
    current = profile_matrix(rng.normal(size=(5_000, 2)), names, edges)
    training = draw_categories(rng, 5_000)
    categories = fit_categories(training)
    reference_categories = {"colour": profile_categories(training, categories),
                            "gone": profile_categories(training, categories)}
    shifted = FREQUENCIES + np.array([-0.1, 0.0, 0.0, 0.1, 0.0, 0.0, 0.0, 0.0])
    current_categories = {"colour": profile_categories(draw_categories(rng, 5_000, shifted), categories),
                          "new": profile_categories(["p", "q"] * 300, ["p"])}
    result = compare_dataset(reference, current, THRESHOLDS, reference_categories=reference_categories,
                             current_categories=current_categories)
    assert list(result.columns) == ["x", "y", "colour", "gone", "new"]
    assert result.drifted_columns == ["colour"] and result.drifted_share == pytest.approx(1 / 3)
    assert result.columns["gone"].verdict == "insufficient_data"  # absent from the window
    assert result.columns["new"].verdict == "no_reference"
    assert_json_safe(result)
    # Benjamini-Hochberg runs over every column's tests at once: the categorical p-value is
    # ranked with the numeric ones, exactly as compare_dataset ranks numeric columns alone.
    tests = [result.columns[name].distribution_p_value for name in ("x", "y", "colour")]
    assert benjamini_hochberg(tests, THRESHOLDS.alpha) == [False, False, True]
    assert compare_dataset(reference, current, THRESHOLDS) == compare_dataset(
        reference, current, THRESHOLDS, reference_categories={}, current_categories={})
    with pytest.raises(ValueError, match="both numeric and categorical"):
        compare_dataset(reference, current, THRESHOLDS, reference_categories={"x": reference_categories["colour"]})
