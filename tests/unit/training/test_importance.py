import numpy as np
import pytest

from training.importance import global_importance
from training.pipeline import build_pipeline

NAMES = ["signal_a", "signal_b", "noise_a", "noise_b"]


@pytest.fixture(scope="module")
def data():
    # The label depends on the first two columns only; the last two are pure noise.
    rng = np.random.default_rng(5)
    features = rng.standard_normal((600, 4))
    labels = (2 * features[:, 0] + features[:, 1] + 0.5 * rng.standard_normal(600) > 0).astype(int)
    return features[:400], labels[:400], features[400:], labels[400:].astype(object)


@pytest.mark.parametrize("estimator", ["logistic_regression", "random_forest"])
def test_permutation_importance_ranks_signal_above_noise(data, estimator):
    train, labels, held_out, held_out_labels = data
    pipeline = build_pipeline(estimator, 0).fit(train, labels)
    importance = global_importance(pipeline, held_out, held_out_labels, NAMES, "roc_auc", "roc_auc", seed=0)
    permutation = importance.permutation
    assert (permutation.scoring, permutation.repeats, permutation.rows) == ("roc_auc", 5, 200)
    assert {item.feature for item in permutation.features[:2]} == {"signal_a", "signal_b"}
    assert [item.importance for item in permutation.features] == sorted((item.importance for item in permutation.features), reverse=True)
    assert all(abs(item.importance) < 0.02 for item in permutation.features if item.feature.startswith("noise"))


def test_linear_models_also_get_their_standardized_coefficients(data):
    train, labels, held_out, held_out_labels = data
    pipeline = build_pipeline("logistic_regression", 0).fit(train, labels)
    importance = global_importance(pipeline, held_out, held_out_labels, NAMES, "roc_auc", "roc_auc", seed=0)
    expected = np.abs(pipeline.named_steps["model"].coef_[0])
    by_name = {item.feature: item.importance for item in importance.standardized_coefficients}
    assert [by_name[name] for name in NAMES] == pytest.approx(expected.tolist())
    assert [item.feature for item in importance.standardized_coefficients] == [NAMES[i] for i in np.argsort(-expected)]


def test_tree_models_have_no_coefficients(data):
    train, labels, held_out, held_out_labels = data
    pipeline = build_pipeline("random_forest", 0).fit(train, labels)
    assert global_importance(pipeline, held_out, held_out_labels, NAMES, "roc_auc", "roc_auc", 0).standardized_coefficients is None
