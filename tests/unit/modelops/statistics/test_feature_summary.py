import math

import numpy as np

from modelops.statistics.feature_summary import summarize_features


def test_summary_ignores_missing_values_and_counts_them():
    matrix = np.array([[1.0, np.nan], [3.0, np.nan], [np.nan, np.nan], [5.0, np.nan]])
    first, empty = summarize_features(matrix, ["a", "b"])
    assert (first.name, first.count, first.min, first.max, first.mean) == ("a", 3, 1.0, 5.0, 3.0)
    assert first.missing_rate == 0.25
    # An all-missing column has no range: None (valid JSON), never NaN.
    assert (empty.count, empty.min, empty.max, empty.mean, empty.missing_rate) == (0, None, None, None, 1.0)
    assert "NaN" not in empty.model_dump_json()


def test_empty_matrix_has_zero_missing_rate_not_a_division_error():
    (summary,) = summarize_features(np.empty((0, 1)), ["a"])
    assert summary.missing_rate == 0.0 and not math.isnan(summary.missing_rate)
