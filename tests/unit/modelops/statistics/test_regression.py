"""Regression metrics in numpy, against scikit-learn's."""
import numpy as np
import pytest
from sklearn.metrics import mean_absolute_error, r2_score, root_mean_squared_error

from modelops.statistics.regression import regression_report


def test_regression_report_figures():
    report = regression_report(np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 5.0]))
    assert report["mae"] == pytest.approx(1.0) and report["rmse"] == pytest.approx(np.sqrt(5 / 3))
    assert report["r2"] == pytest.approx(1 - 5 / 2) and report["bias"] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", range(20))
def test_every_figure_is_scikit_learns(seed):
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 500))
    truth = rng.normal(rng.uniform(-1e3, 1e3), rng.uniform(0.1, 100), size)
    predicted = truth + rng.normal(rng.uniform(-5, 5), rng.uniform(0.1, 50), size)
    report = regression_report(truth, predicted)
    assert report["mae"] == pytest.approx(mean_absolute_error(truth, predicted), rel=1e-12)
    assert report["rmse"] == pytest.approx(root_mean_squared_error(truth, predicted), rel=1e-12)
    assert report["r2"] == pytest.approx(r2_score(truth, predicted), rel=1e-9)
    assert report["bias"] == pytest.approx(np.mean(predicted - truth), rel=1e-12)


def test_a_constant_truth_has_r2_zero_and_bad_input_is_refused():
    assert regression_report([2.0, 2.0], [2.0, 3.0])["r2"] == 0.0
    for truth, predicted in [([], []), ([1.0], [1.0, 2.0]), ([[1.0]], [[1.0]])]:
        with pytest.raises(ValueError):
            regression_report(truth, predicted)
