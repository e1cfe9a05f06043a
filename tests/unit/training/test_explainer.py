import numpy as np
import pytest
from sklearn.datasets import make_classification
from threadpoolctl import threadpool_limits

import training.explainer as explainer
from modelops.artifacts.explainer_spec import LinearTerms
from training.explainer import build_explainer, linear_terms
from training.pipeline import build_pipeline


@pytest.fixture(scope="module")
def split():
    features, labels = make_classification(n_samples=500, n_features=5, random_state=4)
    features[::7, 2] = np.nan  # the imputer has something to learn
    return features[:350], labels[:350], features[350:]


def test_a_linear_pipeline_is_explained_exactly_with_its_own_numbers(split):
    train, labels, held_out = split
    pipeline = build_pipeline("logistic_regression", 0).fit(train, labels)
    spec = build_explainer(pipeline, held_out, 0)
    scaler, model = pipeline.named_steps["scale"], pipeline.named_steps["model"]
    assert spec.method == "linear_exact"
    assert spec.medians == pipeline.named_steps["impute"].statistics_.tolist()
    assert spec.linear.means == scaler.mean_.tolist() and spec.linear.scales == scaler.scale_.tolist()
    assert spec.linear.coefficients == model.coef_.tolist() and spec.linear.intercepts == model.intercept_.tolist()
    assert spec.max_abs_difference <= explainer.TOLERANCE


@pytest.mark.parametrize("estimator", ["random_forest", "hist_gradient_boosting"])
def test_other_estimators_are_explained_by_substitution(split, estimator):
    train, labels, held_out = split
    with threadpool_limits(limits=1):  # boosting's OpenMP threads crawl on a busy machine (model_selection.py)
        pipeline = build_pipeline(estimator, 0).fit(train, labels)
    spec = build_explainer(pipeline, held_out, 0)
    assert spec.method == "baseline_substitution" and spec.linear is None
    assert spec.medians == pipeline.named_steps["impute"].statistics_.tolist()
    assert linear_terms(pipeline) is None


def test_terms_that_do_not_reproduce_the_model_fall_back_to_substitution(split, monkeypatch):
    train, labels, held_out = split
    pipeline = build_pipeline("logistic_regression", 0).fit(train, labels)
    honest = linear_terms(pipeline)
    wrong = LinearTerms(**{**honest.model_dump(), "intercepts": [honest.intercepts[0] + 0.01]})
    monkeypatch.setattr(explainer, "linear_terms", lambda _: wrong)
    spec = build_explainer(pipeline, held_out, 0)
    assert spec.method == "baseline_substitution"
    assert "did not reproduce" in spec.reason and "1.0e-02" in spec.reason


def test_verification_includes_rows_with_missing_values(split):
    _, _, held_out = split
    rows = explainer.verification_rows(np.nan_to_num(held_out), 0)
    assert len(rows) == 2 * len(held_out)
    assert not np.isnan(rows[: len(held_out)]).any() and np.isnan(rows[len(held_out):]).mean() > 0.1
