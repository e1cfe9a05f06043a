"""The float32 rule decides, from the manifest's linear terms, which rows a float32 linear model
would overflow on: checked against that arithmetic done in float32 by numpy."""
import numpy as np
import pytest

from modelops.artifacts.explainer_spec import ExplainerSpec, LinearTerms
from modelops.artifacts.features import FLOAT32_MAX
from modelops.serving.float32_arithmetic import rows_beyond_float32

SPEC = ExplainerSpec(method="linear_exact", reason="test", medians=[1.0, 2.0, 0.5],
                     linear=LinearTerms(means=[1.5, -3.0, 0.25], scales=[2.0, 0.01, 300.0],
                                        coefficients=[[0.7, -1.3, 2.0]], intercepts=[-0.4]))


def float32_decision_is_finite(row: np.ndarray, spec: ExplainerSpec) -> bool:
    """What ONNX Runtime does, step by step, in float32: impute, centre, scale, multiply, add."""
    terms = spec.linear
    with np.errstate(over="ignore", invalid="ignore"):
        x = np.where(np.isnan(row), np.asarray(spec.medians), row).astype(np.float32)
        z = (x - np.asarray(terms.means, dtype=np.float32)) / np.asarray(terms.scales, dtype=np.float32)
        products = z * np.asarray(terms.coefficients[0], dtype=np.float32)
        total = np.float32(terms.intercepts[0])
        finite = bool(np.isfinite(z).all() and np.isfinite(products).all())
        for product in products:  # a running sum, as a dot product accumulates
            total = np.float32(total + product)
            finite = finite and bool(np.isfinite(total))
    return finite


def test_rows_are_refused_exactly_when_float32_arithmetic_would_overflow():
    generator = np.random.default_rng(15)
    magnitudes = 10.0 ** generator.uniform(33, np.log10(FLOAT32_MAX), size=(4000, 3))
    rows = magnitudes * generator.choice([-1.0, 1.0], size=magnitudes.shape)
    rows[generator.random(rows.shape) < 0.2] = np.nan  # missing: imputed with the median
    beyond = set(rows_beyond_float32(rows, SPEC))
    overflowing = {index for index, row in enumerate(rows) if not float32_decision_is_finite(row, SPEC)}
    # Every row float32 overflows on is refused; refused rows that float32 happened to survive
    # (partial sums of opposite signs cancelling) are within a factor of the count of terms.
    assert overflowing <= beyond
    assert len(beyond - overflowing) <= 0.05 * len(rows)
    assert 0.1 * len(rows) < len(beyond) < 0.9 * len(rows)  # the sample exercises both answers


@pytest.mark.parametrize("row, refused", [
    ([1e37, 2.0, 0.5], False),  # |z| = 5e36, |w z| = 3.5e36
    ([1.0, 1e37, 0.5], True),  # scale 0.01: z = 1e39, beyond float32
    ([3e38, -3e38, 0.5], True),  # |x - mean| beyond float32 before any scaling
    ([np.nan, np.nan, np.nan], False),  # all missing: the medians
])
def test_named_rows(row, refused):
    assert rows_beyond_float32(np.array([row]), SPEC) == ([0] if refused else [])


def test_versions_without_linear_terms_have_no_such_step():
    substitution = ExplainerSpec(method="baseline_substitution", reason="trees", medians=[1.0, 2.0, 0.5])
    assert rows_beyond_float32(np.full((2, 3), 3e38), substitution) == []
    assert rows_beyond_float32(np.full((2, 3), 3e38), None) == []


def test_scoring_refuses_those_rows_with_the_others_in_one_answer():
    from modelops.serving.scoring import UnscorableInstances, probabilities

    class Runtime:  # scores anything (like scikit-learn's float64), except a row it finds non-finite (7.0)
        def predict_proba(self, matrix):
            assert not np.isnan(matrix[1]).any() and np.isnan(matrix[0]).all()  # refused rows are not scored
            return np.where(matrix[:, :1] == 7.0, np.nan, 0.5).repeat(2, axis=1)

    with pytest.raises(UnscorableInstances) as refused:
        probabilities(Runtime(), np.array([[1.0, 1e37, 0.5], [1.0, 2.0, 0.5], [7.0, 2.0, 0.5]]), SPEC)
    assert refused.value.rows == [0, 2] and refused.value.code == "unscorable_instance"


def test_the_quick_answer_for_ordinary_rows_is_the_full_checks():
    """Rows within the safe magnitude skip the arithmetic: they must be exactly the rows it passes,
    including rows just past the bound, which take the full check."""
    from modelops.serving.float32_arithmetic import _full_check, _terms

    terms = _terms(SPEC)
    assert terms.safe_magnitude is not None and terms.safe_magnitude > 1e30
    generator = np.random.default_rng(17)
    rows = terms.safe_magnitude * generator.uniform(-1.5, 1.5, size=(4000, 3))
    rows[generator.random(rows.shape) < 0.2] = np.nan
    assert rows_beyond_float32(rows, SPEC) == _full_check(rows, terms)
    for row in rows:
        assert rows_beyond_float32(row[np.newaxis, :], SPEC) == _full_check(row[np.newaxis, :], terms)
    within = np.clip(rows, -terms.safe_magnitude, terms.safe_magnitude)
    assert _full_check(within, terms) == []  # the bound's promise, checked by the arithmetic itself


def test_no_quick_answer_when_the_medians_are_beyond_any_bound():
    from modelops.serving.float32_arithmetic import _terms

    huge_median = SPEC.model_copy(update={"medians": [1.0, 1e37, 0.5]})
    assert _terms(huge_median).safe_magnitude is None
    assert rows_beyond_float32(np.array([[1.0, np.nan, 0.5]]), huge_median) == [0]
