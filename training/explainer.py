"""Choose how a fitted pipeline's predictions will be explained, and store what that needs.

The spec goes into the manifest (modelops.serving.explanations says what each method computes). For a
linear pipeline the stored terms are checked before publishing: on the held-out rows, with and
without missing values, they must reproduce the pipeline's own decision_function, or the version
is explained by substitution instead (and the reason says so).
"""
from typing import Any

import numpy as np
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from modelops.artifacts.explainer_spec import ExplainerSpec, LinearTerms

# Float64 arithmetic in a different order than scikit-learn's: differences are ~1e-13 on decision
# values of magnitude ~10; anything near this bound means the terms are not the model's.
TOLERANCE = 1e-9
MISSING_SHARE = 0.2


def linear_terms(pipeline: Any) -> LinearTerms | None:
    """The numbers of impute -> scale -> logistic regression, or None for any other pipeline."""
    steps = [step for _, step in pipeline.steps]
    if len(steps) != 3:
        return None
    imputer, scaler, model = steps
    if not (isinstance(imputer, SimpleImputer) and isinstance(scaler, StandardScaler)
            and isinstance(model, LogisticRegression) and scaler.with_mean and scaler.with_std):
        return None
    return LinearTerms(means=scaler.mean_.tolist(), scales=scaler.scale_.tolist(),
                       coefficients=model.coef_.tolist(), intercepts=model.intercept_.tolist())


def decision_values(terms: LinearTerms, medians: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """decision_function computed from the stored terms alone, in scikit-learn's shape."""
    used = np.where(np.isnan(matrix), medians, matrix)
    standardized = (used - np.asarray(terms.means)) / np.asarray(terms.scales)
    values = standardized @ np.asarray(terms.coefficients).T + np.asarray(terms.intercepts)
    return values[:, 0] if values.shape[1] == 1 else values


def verification_rows(held_out: np.ndarray, seed: int) -> np.ndarray:
    """The held-out rows, and the same rows with a share of values missing (the imputer's path)."""
    with_missing = held_out.copy()
    with_missing[np.random.default_rng(seed).uniform(size=held_out.shape) < MISSING_SHARE] = np.nan
    return np.vstack([held_out, with_missing])


def build_explainer(pipeline: Any, held_out: np.ndarray, seed: int) -> ExplainerSpec:
    imputer = pipeline.steps[0][1]
    if not isinstance(imputer, SimpleImputer):
        raise ValueError("the pipeline must start with its SimpleImputer (training/pipeline.py)")
    medians = np.asarray(imputer.statistics_, dtype=np.float64)
    estimator = type(pipeline.steps[-1][1]).__name__
    terms = linear_terms(pipeline)
    if terms is None:
        return ExplainerSpec(method="baseline_substitution", medians=medians.tolist(),
                             reason=f"{estimator} has no exact decomposition: each feature is set to its "
                                    "training median and the predicted class's probability change is measured.")
    rows = verification_rows(held_out, seed)
    difference = float(np.abs(decision_values(terms, medians, rows) - pipeline.decision_function(rows)).max())
    if difference > TOLERANCE:
        return ExplainerSpec(method="baseline_substitution", medians=medians.tolist(),
                             reason=f"The linear terms did not reproduce {estimator}'s decision_function "
                                    f"(max |difference| {difference:.1e}); explained by substitution instead.")
    return ExplainerSpec(method="linear_exact", medians=medians.tolist(), linear=terms, max_abs_difference=difference,
                         reason=f"{estimator} after median imputation and standard scaling: contributions "
                                "are exact terms of the decision value, measured from the training means.")
