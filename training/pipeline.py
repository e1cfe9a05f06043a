"""The scikit-learn pipelines training can fit. Serving runs the whole pipeline, so requests get
exactly the imputation and scaling that training did."""
from typing import Any, Callable

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
DEFAULT_ESTIMATOR = "logistic_regression"


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
