"""The scikit-learn pipelines training can fit. Serving runs the whole pipeline, so requests get
exactly the imputation, scaling and encoding that training did.

The pipeline's input (what serving must give it): a 2-D numpy array, one column per manifest
feature in the manifest's order.
- All features numeric or boolean: float64 (NaN = missing); the pipeline is impute -> scale ->
  model, as it always was.
- Any categorical feature: dtype object; numeric and boolean cells are floats (NaN = missing),
  categorical cells are str ("" = missing). The pipeline is a ColumnTransformer (numeric columns:
  median imputer and scaler; categorical columns: one-hot of the training split's frequent
  categories) -> model.
Booleans are 1.0/0.0 (modelops.statistics.feature_summary.BOOLEAN_VALUES spells them).
"""
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Sequence

import numpy as np
from scipy.stats import loguniform
from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from modelops.artifacts.manifest import Task
from modelops.statistics.feature_summary import Kind

# Only categories seen in at least MIN_CATEGORY_ROWS training rows get a one-hot column (at most
# MAX_CATEGORIES per feature, the most frequent): a column fitted on a handful of rows is noise,
# and the model's width stays bounded. Rarer and unseen categories are encoded alike, as all
# zeros: scored, never refused. The list is fixed before fitting (`Columns.of`) rather than by
# OneHotEncoder's min_frequency, whose "infrequent" group skl2onnx cannot convert.
MIN_CATEGORY_ROWS = 5
MAX_CATEGORIES = 50


@dataclass(frozen=True)
class Columns:
    """What the pipeline needs to know of its input: each feature's kind and, per categorical
    feature (in column order), the categories that get a one-hot column."""
    kinds: tuple[Kind, ...]
    categories: tuple[tuple[str, ...], ...] = ()

    @property
    def mixed(self) -> bool:
        return "categorical" in self.kinds

    @classmethod
    def of(cls, features: np.ndarray, kinds: Sequence[Kind]) -> "Columns":
        categories = []
        for index, kind in enumerate(kinds):
            if kind != "categorical":
                continue
            values, counts = np.unique(np.asarray(features[:, index].tolist(), dtype=object), return_counts=True)
            ranked = sorted(zip(counts.tolist(), values.tolist()), key=lambda item: (-item[0], item[1]))
            frequent = [value for count, value in ranked if count >= MIN_CATEGORY_ROWS][:MAX_CATEGORIES]
            categories.append(tuple(sorted(frequent or [ranked[0][1]])))  # none frequent: the commonest alone
        return cls(tuple(kinds), tuple(categories))


@dataclass(frozen=True)
class Candidate:
    build: Callable[[int], BaseEstimator]
    # What `--estimator auto` searches, as parameters of the pipeline's "model" step. Small on
    # purpose: the few settings that matter most on tabular data, each with a handful of values
    # around scikit-learn's defaults, so ten random draws already try a useful spread. Continuous
    # scales are log-uniform because their effect is multiplicative (C=0.01 vs 0.1 matters as much
    # as 1 vs 10).
    space: dict[str, Any]


# The forest is the costliest candidate by far (96% of a 100,000-row search once), so its space
# leaves out what mostly costs: 100 trees, not 200 (the tree count is not searched; twice the
# trees is twice the time per fit) and max_features up to 0.25 (at 0.5 one fit took about 4x as long as at sqrt on 8,000
# rows and 39 model columns).
_FOREST = {"model__n_estimators": [100], "model__max_depth": [None, 4, 8, 16],
           "model__min_samples_leaf": [1, 2, 5], "model__max_features": ["sqrt", 0.25]}
_BOOSTING = {"model__learning_rate": loguniform(0.02, 0.3), "model__max_leaf_nodes": [7, 15, 31],
             "model__min_samples_leaf": [5, 10, 20], "model__l2_regularization": [0.0, 0.1, 1.0]}

# Per task, simplest first: when cross-validation cannot tell candidates apart, model selection
# takes the earliest. A linear model is one weight per feature; boosting's trees are small (31
# leaves by default) and, at the defaults, answer one row about 4x faster than a forest of 200
# full-depth trees (measured on the bundled data).
CANDIDATES: dict[Task, dict[str, Candidate]] = {
    "classification": {
        "logistic_regression": Candidate(
            lambda seed: LogisticRegression(max_iter=2000, random_state=seed),
            {"model__C": loguniform(1e-3, 1e2), "model__class_weight": [None, "balanced"]}),
        # No class_weight for boosting: with it, one fit on the bundled data took about 20x longer.
        "hist_gradient_boosting": Candidate(lambda seed: HistGradientBoostingClassifier(random_state=seed), _BOOSTING),
        "random_forest": Candidate(lambda seed: RandomForestClassifier(n_estimators=200, n_jobs=1, random_state=seed),
                                   {**_FOREST, "model__class_weight": [None, "balanced"]}),
    },
    "regression": {
        "ridge": Candidate(lambda seed: Ridge(random_state=seed), {"model__alpha": loguniform(1e-3, 1e3)}),
        "hist_gradient_boosting": Candidate(lambda seed: HistGradientBoostingRegressor(random_state=seed), _BOOSTING),
        "random_forest": Candidate(lambda seed: RandomForestRegressor(n_estimators=200, n_jobs=1, random_state=seed),
                                   _FOREST),
    },
}
ESTIMATOR_NAMES: tuple[str, ...] = tuple(sorted({name for by_name in CANDIDATES.values() for name in by_name}))


def simplicity(task: Task) -> tuple[str, ...]:
    return tuple(CANDIDATES[task])


def check_estimator(estimator: str, task: Task) -> None:
    if estimator not in CANDIDATES[task]:
        raise ValueError(f"Unknown {task} estimator {estimator!r}; choose one of {', '.join(CANDIDATES[task])}.")


def build_pipeline(estimator: str, seed: int, task: Task = "classification", columns: Columns | None = None) -> Pipeline:
    """The unfitted pipeline for `estimator`, taking the input the module docstring describes."""
    check_estimator(estimator, task)
    model = CANDIDATES[task][estimator].build(seed)
    if columns is None or not columns.mixed:
        return Pipeline([*_numeric_steps(), ("model", model)])
    numeric = [index for index, kind in enumerate(columns.kinds) if kind != "categorical"]
    categorical = [index for index, kind in enumerate(columns.kinds) if kind == "categorical"]
    prepare = ColumnTransformer(
        [
            ("numeric", Pipeline(_numeric_steps()), numeric),
            # A missing categorical value is "" and, when frequent, a category of its own: whether a
            # value is missing often says something.
            ("categorical", OneHotEncoder(categories=[list(values) for values in columns.categories],
                                          handle_unknown="ignore", sparse_output=False, dtype=np.float64),
             categorical),
        ],
        sparse_threshold=0.0,  # dense: gradient boosting takes no sparse input
    )
    return Pipeline([("prepare", prepare), ("model", model)])


def _numeric_steps() -> list[tuple[str, Any]]:
    # keep_empty_features: a column with no values in training still gets a column, so the
    # model's input width always equals the manifest's feature list.
    return [("impute", SimpleImputer(strategy="median", keep_empty_features=True)), ("scale", StandardScaler())]


@contextmanager
def all_cores(pipeline: Pipeline) -> Iterator[Pipeline]:
    """The pipeline's model on every core while inside (a forest's fit and predict), then back to
    one thread: the stored model answers one request per vCPU, and n_jobs is also what its
    predict uses."""
    model = pipeline.named_steps["model"]
    parallel = hasattr(model, "n_estimators") and "n_jobs" in model.get_params()
    if parallel:
        pipeline.set_params(model__n_jobs=-1)
    try:
        yield pipeline
    finally:
        if parallel:
            pipeline.set_params(model__n_jobs=1)


def fit_timed(pipeline: Pipeline, features: np.ndarray, labels: np.ndarray) -> float:
    """Fit on all cores; the seconds it took."""
    with all_cores(pipeline):
        started = time.perf_counter()
        pipeline.fit(features, np.asarray(labels).tolist())
        return time.perf_counter() - started


def json_safe_params(pipeline: Pipeline) -> dict[str, Any]:
    """The estimator's parameters as JSON values, for the manifest."""
    params = pipeline.named_steps["model"].get_params()
    return {key: value if isinstance(value, (int, float, str, bool, type(None))) else repr(value) for key, value in params.items()}
