import json

import numpy as np
import pytest
from sklearn.model_selection import ParameterSampler

from training.pipeline import CANDIDATES, MIN_CATEGORY_ROWS, Columns, build_pipeline, json_safe_params

ESTIMATORS = CANDIDATES["classification"]


@pytest.mark.parametrize("estimator", sorted(ESTIMATORS))
def test_each_estimator_imputes_missing_values_and_keeps_empty_columns(estimator):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 3))
    labels = (features[:, 0] > 0).astype(int)
    features[::5, 1] = np.nan
    features[:, 2] = np.nan  # no values at all in training
    pipeline = build_pipeline(estimator, seed=0).fit(features, labels)
    probabilities = pipeline.predict_proba(np.array([[np.nan, np.nan, np.nan], [1.0, 0.0, 5.0]]))
    assert probabilities.shape == (2, 2)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    assert all(isinstance(v, (int, float, str, bool, type(None))) for v in json_safe_params(pipeline).values())


def test_unknown_estimator_lists_the_choices():
    with pytest.raises(ValueError, match="logistic_regression"):
        build_pipeline("svm", seed=0)


@pytest.mark.parametrize("task,estimator", [(task, name) for task in CANDIDATES for name in CANDIDATES[task]])
def test_every_search_draw_survives_the_manifest_and_rebuilds_the_same_model(task, estimator):
    # The chosen parameters are stored as JSON and set back on a fresh pipeline, so every value
    # a search can draw must be a JSON value and a parameter the model accepts.
    for params in ParameterSampler(CANDIDATES[task][estimator].space, n_iter=20, random_state=0):
        stored = json.loads(json.dumps({key: value.item() if hasattr(value, "item") else value
                                        for key, value in params.items()}))
        pipeline = build_pipeline(estimator, 0, task).set_params(**stored)
        assert {key: pipeline.get_params()[key] for key in stored} == stored


def _mixed(rows: int = 80, seed: int = 0):
    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue", "", "rare"], size=rows, p=[0.35, 0.3, 0.25, 0.07, 0.03])
    number = rng.normal(size=rows)
    number[::9] = np.nan
    features = np.empty((rows, 3), dtype=object)
    features[:, 0], features[:, 1], features[:, 2] = number.tolist(), colour.tolist(), rng.normal(size=rows).tolist()
    return features, colour, number


def test_columns_one_hot_only_categories_seen_in_enough_training_rows():
    features, colour, _ = _mixed()
    columns = Columns.of(features, ["numeric", "categorical", "numeric"])
    frequent = {value for value in set(colour) if (colour == value).sum() >= MIN_CATEGORY_ROWS}
    assert columns.mixed and columns.categories == (tuple(sorted(frequent)),)
    assert "rare" not in frequent and "" in frequent  # a frequent missing value is a category of its own


@pytest.mark.parametrize("task,estimator", [(task, name) for task in CANDIDATES for name in CANDIDATES[task]])
def test_every_estimator_fits_mixed_tables_and_scores_unseen_categories(task, estimator):
    features, colour, number = _mixed()
    target = (colour == "red") * 2.0 + np.nan_to_num(number)
    labels = (target > 1).astype(int) if task == "classification" else target
    columns = Columns.of(features, ["numeric", "categorical", "numeric"])
    pipeline = build_pipeline(estimator, 0, task, columns).fit(features, labels.tolist())
    unseen = np.array([[0.5, "purple", 0.0], [np.nan, "", np.nan], [0.5, "rare", 0.0]], dtype=object)
    answer = pipeline.predict_proba(unseen) if task == "classification" else pipeline.predict(unseen)
    assert np.isfinite(answer).all() and len(answer) == 3
    # Rare and unseen categories are encoded alike (no one-hot column of their own).
    encoded = pipeline.named_steps["prepare"].transform(unseen)
    assert (encoded[0] == encoded[2]).all()


def test_an_all_numeric_table_keeps_the_plain_pipeline():
    pipeline = build_pipeline("logistic_regression", 0, "classification", Columns(("numeric", "boolean")))
    assert [name for name, _ in pipeline.steps] == ["impute", "scale", "model"]


def test_an_estimator_of_the_other_task_is_refused():
    with pytest.raises(ValueError, match="Unknown regression estimator 'logistic_regression'; choose one of ridge"):
        build_pipeline("logistic_regression", 0, "regression")
