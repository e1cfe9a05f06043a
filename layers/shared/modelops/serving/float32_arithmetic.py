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
|intercept| (which bounds every partial sum of the decision value). Then float32 arithmetic cannot
overflow, so ONNX Runtime scores the row as scikit-learn does; a row that fails is refused on both.
Versions without linear terms (trees, boosting, versions published before explanations) have no
such step: a tree compares an input, it does not multiply it, and each runtime's own check of the
probabilities (modelops.serving.scoring) remains.
"""
import numpy as np

from modelops.artifacts.explainer_spec import ExplainerSpec
from modelops.artifacts.features import FLOAT32_MAX


def rows_beyond_float32(matrix: np.ndarray, spec: ExplainerSpec | None) -> list[int]:
    """Indices of the rows (NaN: missing, imputed with the training median) whose linear arithmetic
    would leave +/-FLOAT32_MAX; [] when the version has no linear terms."""
    if spec is None or spec.linear is None or not len(matrix):
        return []
    terms = spec.linear
    imputed = np.where(np.isnan(matrix), np.asarray(spec.medians), matrix)
    with np.errstate(over="ignore", invalid="ignore"):
        centred = imputed - np.asarray(terms.means)
        scaled = centred / np.asarray(terms.scales)
        # (rows, classes): sum over features of |w_cj * z_j|, plus |b_c|, in float64 (no overflow below 1e308).
        largest_sum = np.abs(scaled) @ np.abs(np.asarray(terms.coefficients)).T + np.abs(np.asarray(terms.intercepts))
        beyond = ((np.abs(centred) > FLOAT32_MAX).any(axis=1) | (np.abs(scaled) > FLOAT32_MAX).any(axis=1)
                  | ~(largest_sum <= FLOAT32_MAX).all(axis=1))
    return np.flatnonzero(beyond).tolist()
