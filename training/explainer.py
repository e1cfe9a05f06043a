"""Choose how a fitted pipeline's predictions will be explained, and store what that needs.

The spec goes into the manifest (modelops.serving.explanations says what each method computes). For a
linear pipeline (logistic regression, or ridge for a regressor; behind the one-hot encoder too) the
stored terms are checked before publishing: on the held-out rows, with and without missing values,
serving's own arithmetic on them must reproduce the pipeline's decision_function (a regressor's
predict), or the version is explained by substitution instead (and the reason says so).
"""
from typing import Any, Sequence

import numpy as np
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.preprocessing import StandardScaler

from modelops.artifacts.explainer_spec import CategoricalTerms, ExplainerSpec, LinearTerms
from modelops.artifacts.features import InputSchema
from modelops.serving.explanations import linear_decision_values
from modelops.statistics.feature_summary import MISSING_CATEGORY, FeatureSummary

# Float64 arithmetic in a different order than scikit-learn's: differences are ~1e-13 on decision
# values of magnitude ~10; anything near this bound means the terms are not the model's.
TOLERANCE = 1e-9
MISSING_SHARE = 0.2
LINEAR_MODELS = (LogisticRegression, Ridge)


def _numeric_steps(pipeline: Any) -> tuple[Any, Any, Any | None]:
    """(imputer, scaler, one-hot encoder or None) of either pipeline shape (training/pipeline.py)."""
    first = pipeline.steps[0][1]
    if isinstance(first, ColumnTransformer):
        numeric = first.named_transformers_.get("numeric")
        steps = dict(numeric.steps) if hasattr(numeric, "steps") else {}
        return steps.get("impute"), steps.get("scale"), first.named_transformers_.get("categorical")
    steps = dict(pipeline.steps)
    return steps.get("impute"), steps.get("scale"), None


def linear_terms(pipeline: Any) -> LinearTerms | None:
    """The numbers of impute -> scale (-> one-hot) -> logistic regression or ridge, or None for any
    other pipeline."""
    model = pipeline.steps[-1][1]
    imputer, scaler, encoder = _numeric_steps(pipeline)
    if not isinstance(model, LINEAR_MODELS):
        return None
    numeric = len(scaler.mean_) if isinstance(scaler, StandardScaler) and hasattr(scaler, "mean_") else 0
    if numeric and not (isinstance(imputer, SimpleImputer) and scaler.with_mean and scaler.with_std):
        return None
    coefficients = np.atleast_2d(np.asarray(model.coef_, dtype=np.float64))
    intercepts = np.atleast_1d(np.asarray(model.intercept_, dtype=np.float64))
    categorical, column = [], numeric  # one-hot columns follow the numeric ones, feature by feature
    for categories in (encoder.categories_ if encoder is not None else ()):
        categorical.append(CategoricalTerms(categories=[str(value) for value in categories],
                                            coefficients=coefficients[:, column:column + len(categories)].tolist()))
        column += len(categories)
    if column != coefficients.shape[1]:
        return None  # columns this decomposition does not know: not the pipeline training builds
    return LinearTerms(means=scaler.mean_.tolist() if numeric else [], scales=scaler.scale_.tolist() if numeric else [],
                       coefficients=coefficients[:, :numeric].tolist(), intercepts=intercepts.tolist(),
                       categorical=categorical)


def verification_rows(held_out: np.ndarray, seed: int, kinds: Sequence[str] | None = None) -> np.ndarray:
    """The held-out rows, and the same rows with a share of values missing (the imputer's path;
    a categorical value missing is "")."""
    with_missing = held_out.copy()
    chosen = np.random.default_rng(seed).uniform(size=held_out.shape) < MISSING_SHARE
    if kinds is None or "categorical" not in kinds:
        with_missing[chosen] = np.nan
    else:
        for index, kind in enumerate(kinds):
            with_missing[chosen[:, index], index] = MISSING_CATEGORY if kind == "categorical" else np.nan
    return np.vstack([held_out, with_missing])


def _modes(features: Sequence[FeatureSummary]) -> list[str]:
    """Each categorical feature's most frequent training category (the manifest lists them most
    frequent first); "" when training saw none."""
    return [feature.categories[0].value if feature.categories else MISSING_CATEGORY
            for feature in features if feature.kind == "categorical"]


def build_explainer(pipeline: Any, held_out: np.ndarray, seed: int, features: Sequence[FeatureSummary] | None = None,
                    classes: list[Any] | None = None) -> ExplainerSpec:
    """The spec for `pipeline`. features: the manifest's (kinds and categories; default: all
    numeric); classes: the manifest's ([] for a regressor; default: the pipeline's)."""
    imputer, _, _ = _numeric_steps(pipeline)
    if features is None:
        if not isinstance(imputer, SimpleImputer):
            raise ValueError("the pipeline must start with its SimpleImputer (training/pipeline.py)")
        features = InputSchema.all_numeric([f"x{index}" for index in range(len(imputer.statistics_))]).features
    classes = [value.item() if hasattr(value, "item") else value for value in pipeline.classes_] \
        if classes is None else classes
    inputs = InputSchema(features)
    medians = (np.asarray(imputer.statistics_, dtype=np.float64).tolist()
               if isinstance(imputer, SimpleImputer) and inputs.numeric else [])
    modes = _modes(features)
    estimator = type(pipeline.steps[-1][1]).__name__
    target = "predicted value" if not classes else "predicted class's probability"
    substitution = dict(method="baseline_substitution", medians=medians, modes=modes)
    terms = linear_terms(pipeline)
    if terms is None:
        return ExplainerSpec(**substitution,
                             reason=f"{estimator} has no exact decomposition: each feature is set to its training "
                                    f"median (a category to its most frequent one) and the {target}'s change is measured.")
    spec = ExplainerSpec(method="linear_exact", medians=medians, modes=modes, linear=terms,
                         reason=f"{estimator} after median imputation and standard scaling"
                                f"{' (categories one-hot encoded, their terms summed per feature)' if modes else ''}: "
                                "contributions are exact terms of the decision value, measured from the training "
                                f"means{' and most frequent categories' if modes else ''}.")
    rows = verification_rows(held_out, seed, inputs.kinds)
    own = pipeline.decision_function(rows) if classes else pipeline.predict(rows)
    difference = float(np.abs(linear_decision_values(spec, inputs, classes, rows) - own).max())
    if difference > TOLERANCE:
        return ExplainerSpec(**substitution,
                             reason=f"The linear terms did not reproduce {estimator}'s "
                                    f"{'decision_function' if classes else 'predictions'} (max |difference| "
                                    f"{difference:.1e}); explained by substitution instead.")
    return spec.model_copy(update={"max_abs_difference": difference})
