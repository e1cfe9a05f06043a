import json
import math

import numpy as np
import pytest
from pydantic import ValidationError

from modelops.statistics.profile import (
    ColumnProfile,
    DatasetProfile,
    fit_bin_edges,
    merge,
    profile_column,
    profile_matrix,
    std,
    variance,
)


def assert_json_safe(profile: ColumnProfile | DatasetProfile) -> None:
    text = profile.model_dump_json()
    assert "NaN" not in text and "Infinity" not in text
    # Pydantic would write NaN as null: check the values themselves too.
    def walk(value: object) -> None:
        if isinstance(value, float):
            assert math.isfinite(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(json.loads(text))
    assert type(profile).model_validate_json(text) == profile  # round-trips exactly


def assert_same_profile(actual: ColumnProfile, expected: ColumnProfile) -> None:
    assert (actual.edges, actual.counts, actual.non_finite, actual.count) == (
        expected.edges, expected.counts, expected.non_finite, expected.count)
    assert (actual.min, actual.max) == (expected.min, expected.max)
    if expected.count == 0:
        assert (actual.mean, actual.m2) == (None, None)
    else:
        assert actual.mean == pytest.approx(expected.mean, rel=1e-9, abs=1e-12)
        assert actual.m2 == pytest.approx(expected.m2, rel=1e-9)


def messy_column(rng: np.random.Generator, size: int) -> np.ndarray:
    """Normal values with NaN and +/-inf sprinkled in."""
    values = rng.normal(3.0, 2.0, size)
    values[rng.random(size) < 0.05] = np.nan
    values[rng.random(size) < 0.01] = np.inf
    values[rng.random(size) < 0.01] = -np.inf
    return values


def test_edges_are_reference_quantiles_from_min_to_max():
    values = np.random.default_rng(1).normal(size=10_000)
    edges = fit_bin_edges(np.append(values, [np.nan, np.inf]), bins=10)
    levels = [0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1]
    assert edges == np.quantile(values, levels, method="lower").tolist()  # deciles, finer in the tails
    assert edges[0] == values.min() and edges[-1] == values.max()  # non-finite values ignored
    assert all(lower < upper for lower, upper in zip(edges, edges[1:]))


def test_edges_collapse_for_constant_discrete_and_empty_columns():
    assert fit_bin_edges(np.full(100, 7.5)) == [7.5]
    near_constant = np.r_[np.zeros(990), np.ones(10)]
    assert fit_bin_edges(near_constant) == [0.0, 5e-324, 1.0]  # {0}, (0, 1) and {1}
    assert fit_bin_edges([np.nan, np.inf, -np.inf]) == []
    assert fit_bin_edges(np.empty(0)) == []
    with pytest.raises(ValueError):
        fit_bin_edges([1.0, 2.0], bins=0)


def test_layout_underflow_bins_point_bin_at_max_overflow_missing():
    values = [-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, np.nan, None, np.inf, -np.inf]
    profile = profile_column(np.array(values, dtype=object), [0.0, 1.0, 2.0])
    #                 <0  [0,1) [1,2) {2} >2  missing
    assert profile.counts == [1, 2, 2, 1, 1, 2]
    assert (profile.underflow, profile.overflow, profile.missing, profile.non_finite) == (1, 1, 2, 2)
    assert profile.value_counts == [1, 2, 2, 1, 1]
    assert (profile.count, profile.total, profile.min, profile.max, profile.mean) == (7, 11, -1.0, 3.0, 1.0)
    finite = np.array([-1.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0])
    assert profile.m2 == pytest.approx(((finite - 1.0) ** 2).sum())
    assert_json_safe(profile)


def test_reference_profiled_on_its_own_edges_is_all_in_range():
    values = np.random.default_rng(2).integers(0, 2, 1000).astype(float)  # a 0/1 feature
    profile = profile_column(values, fit_bin_edges(values))
    assert profile.edges == [0.0, np.nextafter(0.0, 1.0), 1.0]
    assert profile.counts == [0, int((values == 0).sum()), 0, int((values == 1).sum()), 0, 0]


def test_dominant_values_get_a_point_bin_so_moving_them_changes_counts():
    rng = np.random.default_rng(40)
    values = np.where(rng.random(10_000) < 0.95, 3.0, rng.normal(3.0, 1.0, 10_000))
    edges = fit_bin_edges(values)
    atom = edges.index(3.0)
    assert edges[atom + 1] == np.nextafter(3.0, np.inf)  # the bin [3, nextafter(3)) is {3} alone
    reference, moved = profile_column(values, edges), profile_column(values + 0.05, edges)
    assert reference.counts[atom + 1] == int((values == 3.0).sum())
    assert moved.counts[atom + 1] == 0  # before: 3 and 3.05 shared one quantile bin, no count changed
    levels = rng.integers(0, 4, 10_000).astype(float)  # a discrete feature: every level is an atom
    level_edges = fit_bin_edges(levels)
    shifted = profile_column(levels + 0.5, level_edges)
    assert profile_column(levels, level_edges).value_counts != shifted.value_counts
    assert len(fit_bin_edges(np.arange(1_000) % 100)) <= 17 + 2 * 20  # atoms are capped (MAX_ATOMS)


def test_huge_finite_values_are_out_of_range_values_and_only_infinity_is_non_finite():
    edges = [0.0, 1.0, 2.0]
    profile = profile_column([0.5, 1e150, -1e300, np.inf, -np.inf, 1.5], edges)
    assert (profile.underflow, profile.overflow, profile.non_finite, profile.count) == (1, 1, 2, 4)
    assert (profile.min, profile.max) == (-1e300, 1e150)
    assert math.isfinite(profile.mean) and math.isfinite(profile.m2)  # moments of values clipped to 1e100
    assert_json_safe(profile)
    values = np.r_[np.random.default_rng(41).normal(size=1_000), [1e308, -1e308, 1e200]]
    whole = profile_column(values, edges)
    assert_same_profile(merge(profile_column(values[:500], edges), profile_column(values[500:], edges)), whole)


def test_moments_match_numpy_and_variance_needs_two_values():
    values = np.random.default_rng(3).normal(5.0, 3.0, 1000)
    profile = profile_column(values, fit_bin_edges(values))
    assert profile.mean == pytest.approx(values.mean())
    assert variance(profile) == pytest.approx(values.var(ddof=1))
    assert std(profile) == pytest.approx(values.std(ddof=1))
    one = profile_column([4.0, np.nan], [4.0])
    assert (one.m2, variance(one), std(one)) == (0.0, None, None)
    none = profile_column([np.nan], [4.0])
    assert (none.mean, none.m2, none.min, none.max, variance(none), std(none)) == (None,) * 6


def test_merged_parts_equal_the_whole_and_merge_is_associative():
    rng = np.random.default_rng(4)
    values = messy_column(rng, 30_001)
    edges = fit_bin_edges(values[:300])  # fitted on a small part: the rest also hits under/overflow
    whole = profile_column(values, edges)
    a, b, c = (profile_column(part, edges) for part in np.split(values, [7, 20_000]))
    assert whole.underflow > 0 and whole.overflow > 0 and whole.missing > 0 and whole.non_finite > 0
    assert_same_profile(merge(merge(a, b), c), whole)
    assert_same_profile(merge(a, merge(b, c)), whole)
    assert_same_profile(merge(c, merge(a, b)), whole)


def test_merging_an_empty_or_all_missing_window_changes_only_counts():
    values = np.random.default_rng(5).normal(size=100)
    edges = fit_bin_edges(values)
    profile = profile_column(values, edges)
    assert merge(profile, profile_column([], edges)) == profile
    with_missing = merge(profile_column([np.nan, np.nan], edges), profile)
    assert with_missing.missing == 2 and with_missing.count == 100
    assert (with_missing.mean, with_missing.m2) == (profile.mean, profile.m2)


def test_merge_with_different_edges_raises():
    with pytest.raises(ValueError, match="edges"):
        merge(profile_column([1.0], [0.0, 2.0]), profile_column([1.0], [0.0, 3.0]))


@pytest.mark.parametrize(
    "values, edges, counts",
    [
        ([np.nan, None, np.nan], [], [0, 0, 3]),  # all missing, no reference range
        ([1.0, 2.0], [], [2, 0, 0]),  # no edges: every finite value is out of range (underflow)
        ([5.0, 5.0, 5.0], [5.0], [0, 3, 0, 0]),  # constant column: the one bin {5}
        ([4.0, 5.0, 6.0, np.nan], [5.0], [1, 1, 1, 1]),  # around a constant reference
        ([], [0.0, 1.0], [0, 0, 0, 0, 0]),  # empty window
        ([np.inf, -np.inf], [0.0, 1.0], [0, 0, 0, 0, 0]),  # only non-finite
    ],
)
def test_edge_cases_have_defined_json_safe_profiles(values, edges, counts):
    profile = profile_column(np.array(values, dtype=object), edges)
    assert profile.counts == counts
    assert profile.total == len(values)
    assert_json_safe(profile)


def test_profiles_refuse_nan_and_inconsistent_counts():
    with pytest.raises(ValidationError):
        ColumnProfile(edges=[0.0], counts=[0, 1, 0, 0], count=1, mean=math.nan, m2=0.0, min=0.0, max=0.0)
    with pytest.raises(ValidationError):
        ColumnProfile(edges=[0.0], counts=[0, 1, 0], count=1, mean=0.0, m2=0.0, min=0.0, max=0.0)
    with pytest.raises(ValidationError):
        ColumnProfile(edges=[1.0, 0.0], counts=[0, 0, 0, 0, 0])
    with pytest.raises(ValidationError):  # a count of 0 with moments, or the reverse
        ColumnProfile(edges=[0.0], counts=[0, 0, 0, 0], mean=0.0, m2=0.0, min=0.0, max=0.0)


def test_dataset_profile_of_chunks_equals_the_whole():
    rng = np.random.default_rng(6)
    matrix = np.column_stack([messy_column(rng, 10_000), rng.exponential(size=10_000), np.full(10_000, np.nan)])
    names = ["x", "y", "empty"]
    edges_by_name = {name: fit_bin_edges(matrix[:2_000, index]) for index, name in enumerate(names)}
    whole = profile_matrix(matrix, names, edges_by_name)
    parts = [profile_matrix(chunk, names, edges_by_name) for chunk in np.array_split(matrix, 4)]
    merged = parts[0].merge(parts[1]).merge(parts[2].merge(parts[3]))
    assert merged.rows == whole.rows == 10_000
    for name in names:
        assert_same_profile(merged.columns[name], whole.columns[name])
    assert whole.columns["empty"].counts == [0, 0, 10_000]
    assert_json_safe(merged)


def test_dataset_profiles_check_their_shape():
    one = profile_matrix(np.ones((3, 1)), ["a"], {"a": [1.0]})
    with pytest.raises(ValueError, match="columns"):
        one.merge(profile_matrix(np.ones((3, 1)), ["b"], {"b": [1.0]}))
    with pytest.raises(ValueError):
        profile_matrix(np.ones((3, 2)), ["a"], {"a": [1.0]})
    with pytest.raises(ValueError):
        profile_matrix(np.ones((3, 2)), ["a", "a"], {"a": [1.0]})
    with pytest.raises(ValidationError):  # a column that does not account for every row
        DatasetProfile(columns={"a": profile_column([1.0], [1.0])}, rows=2)
