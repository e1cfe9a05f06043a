"""Global feature importance, computed once at training time on the held-out split."""
from typing import Any, Callable

import numpy as np
from sklearn.inspection import permutation_importance
from threadpoolctl import threadpool_limits

from modelops.artifacts.importance import FeatureImportance, GlobalImportance, PermutationImportance
from training.explainer import linear_terms

REPEATS = 5
MAX_ROWS = 5000  # held-out rows permuted: beyond, a seeded sample of them (the cost stays bounded; `rows` says how many)


def _ranked(names: list[str], values: np.ndarray, spreads: np.ndarray | None = None) -> list[FeatureImportance]:
    # Stable: equal importances keep the training column order, so the list is reproducible.
    order = np.argsort(-values, kind="stable")
    return [FeatureImportance(feature=names[j], importance=float(values[j]),
                              std=None if spreads is None else float(spreads[j])) for j in order]


def global_importance(pipeline: Any, features: np.ndarray, labels: np.ndarray, names: list[str],
                      scorer: str | Callable[..., float], scoring: str, seed: int,
                      repeats: int = REPEATS) -> GlobalImportance:
    """Permutation importance for every estimator; standardized |coefficients| for linear ones."""
    targets = np.asarray(labels.tolist())  # object labels -> int or str array, as the pipeline was fitted
    rows = min(len(targets), MAX_ROWS)
    # One native thread: permutation importance makes many small predict calls (see model_selection).
    with threadpool_limits(limits=1):
        result = permutation_importance(pipeline, features, targets, scoring=scorer, n_repeats=repeats,
                                        random_state=seed, n_jobs=1, max_samples=rows)
    terms = linear_terms(pipeline)
    coefficients = None
    if terms is not None:
        coefficients = _ranked(names, np.abs(np.asarray(terms.coefficients)).mean(axis=0))
    return GlobalImportance(
        permutation=PermutationImportance(scoring=scoring, repeats=repeats, rows=rows,
                                          features=_ranked(names, result.importances_mean, result.importances_std)),
        standardized_coefficients=coefficients,
    )
