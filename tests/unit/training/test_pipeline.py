import json

import numpy as np
import pytest
from sklearn.model_selection import ParameterSampler

from training.pipeline import ESTIMATORS, SEARCH_SPACES, SIMPLICITY, build_pipeline, json_safe_params


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


def test_selection_covers_exactly_the_estimators():
    assert sorted(SIMPLICITY) == sorted(SEARCH_SPACES) == sorted(ESTIMATORS)


@pytest.mark.parametrize("estimator", sorted(ESTIMATORS))
def test_every_search_draw_survives_the_manifest_and_rebuilds_the_same_model(estimator):
    # The chosen parameters are stored as JSON and set back on a fresh pipeline, so every value
    # a search can draw must be a JSON value and a parameter the model accepts.
    for params in ParameterSampler(SEARCH_SPACES[estimator], n_iter=20, random_state=0):
        stored = json.loads(json.dumps({key: value.item() if hasattr(value, "item") else value
                                        for key, value in params.items()}))
        pipeline = build_pipeline(estimator, seed=0).set_params(**stored)
        assert {key: pipeline.get_params()[key] for key in stored} == stored
