"""The scikit-learn pipelines training can fit. Serving runs the whole pipeline, so requests get
exactly the imputation and scaling that training did."""
from typing import Any, Callable

from scipy.stats import loguniform
from sklearn.base import ClassifierMixin
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

ESTIMATORS: dict[str, Callable[[int], ClassifierMixin]] = {
    "logistic_regression": lambda seed: LogisticRegression(max_iter=2000, random_state=seed),
    "random_forest": lambda seed: RandomForestClassifier(n_estimators=200, n_jobs=1, random_state=seed),
    "hist_gradient_boosting": lambda seed: HistGradientBoostingClassifier(random_state=seed),
}

# Simplest first: when cross-validation cannot tell candidates apart, model selection takes the
# earliest in this order. A linear model is one weight per feature; boosting's trees are small
# (31 leaves by default) and, at the defaults, answer one row about 4x faster than a forest of
# 200 full-depth trees (measured on the bundled data).
SIMPLICITY: tuple[str, ...] = ("logistic_regression", "hist_gradient_boosting", "random_forest")

# What `--estimator auto` searches for each estimator, as parameters of the pipeline's "model"
# step. Small on purpose: the few settings that matter most on small tabular data, each with a
# handful of values around scikit-learn's defaults, so ten random draws per estimator (the
# default budget) already try a useful spread. Continuous scales are log-uniform because their
# effect is multiplicative (C=0.01 vs 0.1 matters as much as 1 vs 10).
SEARCH_SPACES: dict[str, dict[str, Any]] = {
    "logistic_regression": {
        "model__C": loguniform(1e-3, 1e2),  # inverse regularization strength
        "model__class_weight": [None, "balanced"],
    },
    "random_forest": {
        "model__n_estimators": [100, 200],
        "model__max_depth": [None, 4, 8, 16],
        "model__min_samples_leaf": [1, 2, 5],
        "model__max_features": ["sqrt", 0.5],
        "model__class_weight": [None, "balanced"],
    },
    "hist_gradient_boosting": {
        "model__learning_rate": loguniform(0.02, 0.3),
        "model__max_leaf_nodes": [7, 15, 31],
        "model__min_samples_leaf": [5, 10, 20],
        "model__l2_regularization": [0.0, 0.1, 1.0],
        # No class_weight here: with it, one fit on the bundled data took about 20x longer.
    },
}


def build_pipeline(estimator: str, seed: int) -> Pipeline:
    if estimator not in ESTIMATORS:
        raise ValueError(f"Unknown estimator {estimator!r}; choose one of {', '.join(ESTIMATORS)}.")
    return Pipeline(
        [
            # keep_empty_features: a column with no values in training still gets a column,
            # so the model's input width always equals the manifest's feature list.
            ("impute", SimpleImputer(strategy="median", keep_empty_features=True)),
            ("scale", StandardScaler()),
            ("model", ESTIMATORS[estimator](seed)),
        ]
    )


def json_safe_params(pipeline: Pipeline) -> dict[str, Any]:
    """The estimator's parameters as JSON values, for the manifest."""
    params = pipeline.named_steps["model"].get_params()
    return {key: value if isinstance(value, (int, float, str, bool, type(None))) else repr(value) for key, value in params.items()}
