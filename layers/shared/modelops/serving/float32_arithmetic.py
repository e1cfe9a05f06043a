"""Rows whose arithmetic inside a linear model leaves float32's range, decided the same way on
both runtimes.

Values within +/-FLOAT32_MAX (modelops.artifacts.features) can still overflow inside the model:
ONNX Runtime computes the scaler and the linear model in float32, so 1e37 in every feature of the
bundled logistic regression is infinite there (a 422 unscorable_instance), while scikit-learn, in
float64, scored it (a 200). The answer to a request must not depend on the deployed runtime, so
the question is answered before either runs, from the manifest's linear terms (the fitted
imputer medians, scaler means and scales, coefficients and intercepts: `ExplainerSpec.linear`),
which are the same numbers whichever runtime serves.

A row passes when every intermediate of imputer -> scaler -> linear model stays within float32's
range: |x - mean|, |(x - mean) / scale|, and the sum of |coefficient * scaled value| plus
|intercept| (which bounds every partial sum of the decision value). A model with categorical
features checks its numeric columns so, each categorical feature adding at most its largest
|one-hot weight| to the bound (one of its columns is 1, the others 0). Then float32 arithmetic cannot
overflow, so ONNX Runtime scores the row as scikit-learn does; a row that fails is refused on both.
Versions without linear terms (trees, boosting, versions published before explanations) have no
such step: a tree compares an input, it does not multiply it, and each runtime's own check of the
probabilities (modelops.serving.scoring) remains.
"""
from dataclasses import dataclass

import numpy as np

from modelops.artifacts.explainer_spec import ExplainerSpec
from modelops.artifacts.features import FLOAT32_MAX, InputSchema


@dataclass(frozen=True)
class _Terms:
    """A version's linear terms as arrays, converted once per version rather than on every request."""
    medians: np.ndarray
    means: np.ndarray
    scales: np.ndarray
    abs_coefficients_t: np.ndarray  # |coefficients|.T: (features, classes)
    abs_intercepts: np.ndarray
    # Every row whose values all lie within +/-safe_magnitude passes (missing ones too: the medians
    # lie within it), proved from the bounds below with a factor of 2 to spare, so the common
    # request is answered with one comparison instead of the full arithmetic. None: no such bound.
    safe_magnitude: float | None


def _safe_magnitude(medians: np.ndarray, means: np.ndarray, scales: np.ndarray, abs_coefficients_t: np.ndarray,
                    abs_intercepts: np.ndarray) -> float | None:
    """B such that |x| <= B for every feature keeps each intermediate within FLOAT32_MAX / 2:
    |x - mean| <= B + M, |z| <= (B + M) / S, sum |w z| + |b| <= W (B + M) / S + I, with M the largest
    |mean|, S the smallest scale, W the largest sum of |coefficients| of a class, I the largest |intercept|."""
    half = FLOAT32_MAX / 2
    if not len(scales) or not (scales > 0).all():
        return None
    largest_mean, smallest_scale = float(np.abs(means).max()), float(scales.min())
    weight = float(abs_coefficients_t.sum(axis=0).max(initial=0.0))
    intercept = float(abs_intercepts.max(initial=0.0))
    if intercept >= half:
        return None
    bound = min(half, half * smallest_scale, (half - intercept) * smallest_scale / weight if weight else half) - largest_mean
    if not np.isfinite(bound) or bound <= 0 or float(np.abs(medians).max()) > bound:
        return None
    return bound


def _terms(spec: ExplainerSpec) -> _Terms:
    cached = _CONVERTED.get(id(spec))
    if cached is not None and cached[0] is spec:
        return cached[1]
    linear = spec.linear
    medians, means, scales = (np.asarray(values, dtype=np.float64) for values in (spec.medians, linear.means, linear.scales))
    abs_coefficients_t = np.abs(np.asarray(linear.coefficients, dtype=np.float64)).T
    abs_intercepts = np.abs(np.asarray(linear.intercepts, dtype=np.float64))
    for feature in linear.categorical:  # at most one one-hot column of a feature is 1
        abs_intercepts = abs_intercepts + np.abs(np.asarray(feature.coefficients, dtype=np.float64)).max(axis=1)
    terms = _Terms(medians, means, scales, abs_coefficients_t, abs_intercepts,
                   _safe_magnitude(medians, means, scales, abs_coefficients_t, abs_intercepts))
    if len(_CONVERTED) >= 8:  # one version serves per environment; tests and tools may load a few
        _CONVERTED.clear()
    _CONVERTED[id(spec)] = (spec, terms)  # the spec is kept, so its id is not reused while cached
    return terms


_CONVERTED: dict[int, tuple[ExplainerSpec, _Terms]] = {}


def rows_beyond_float32(matrix: np.ndarray, spec: ExplainerSpec | None, inputs: InputSchema | None = None) -> list[int]:
    """Indices of the rows (NaN: missing, imputed with the training median) whose linear arithmetic
    would leave +/-FLOAT32_MAX; [] when the version has no linear terms. `inputs`: the model's
    input schema, needed when it has categorical features (their columns are not numbers)."""
    if spec is None or spec.linear is None or not len(matrix):
        return []
    if inputs is not None and inputs.mixed:
        matrix = np.asarray(matrix[:, inputs.numeric], dtype=np.float64)
    terms = _terms(spec)
    with np.errstate(over="ignore", invalid="ignore"):
        if terms.safe_magnitude is not None and not (np.abs(matrix) > terms.safe_magnitude).any():  # NaN > B: False
            return []
        return _full_check(matrix, terms)


def _full_check(matrix: np.ndarray, terms: _Terms) -> list[int]:
    imputed = np.where(np.isnan(matrix), terms.medians, matrix)
    centred = imputed - terms.means
    scaled = centred / terms.scales
    # (rows, classes): sum over features of |w_cj * z_j|, plus |b_c|, in float64 (no overflow below 1e308).
    largest_sum = np.abs(scaled) @ terms.abs_coefficients_t + terms.abs_intercepts
    beyond = ((np.abs(centred) > FLOAT32_MAX).any(axis=1) | (np.abs(scaled) > FLOAT32_MAX).any(axis=1)
              | ~(largest_sum <= FLOAT32_MAX).all(axis=1))
    return np.flatnonzero(beyond).tolist()
