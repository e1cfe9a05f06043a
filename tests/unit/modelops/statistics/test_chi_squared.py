"""The chi-squared tail the categorical drift test uses, against scipy's."""
import math

import numpy as np
import pytest
from scipy import stats

from modelops.statistics.chi_squared import chi_squared_sf


def test_chi_squared_sf_is_scipys_over_degrees_of_freedom_and_tails():
    worst = 0.0
    for df in range(1, 501):
        spread = math.sqrt(2.0 * df)  # the chi-squared's standard deviation: the grid follows the bulk
        grid = np.unique(np.concatenate([[0.0, 1e-300, 1e-12], np.geomspace(1e-6, 1e4, 40),
                                         df + spread * np.linspace(-4.0, 40.0, 25)]))
        grid = grid[grid >= 0.0]
        expected = stats.chi2.sf(grid, df)
        ours = np.array([chi_squared_sf(float(x), df) for x in grid])
        representable = expected > 1e-290  # below that both are 0 or subnormal: no relative error to speak of
        worst = max(worst, float(np.max(np.abs(ours - expected)[representable] / expected[representable])))
        assert np.all(ours[~representable] < 1e-280)
        assert np.all(np.diff(ours) <= 0.0)  # a tail probability falls as the statistic grows
    assert worst < 1e-9


def test_chi_squared_sf_refuses_what_has_no_tail():
    for statistic, df in [(-1.0, 3), (1.0, 0), (math.inf, 2), (math.nan, 2)]:
        with pytest.raises(ValueError):
            chi_squared_sf(statistic, df)
