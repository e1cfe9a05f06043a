import numpy as np
import pytest
from pydantic import ValidationError
from sklearn.datasets import make_classification

import modelops.serving.explanations as explanations
from modelops.artifacts.explainer_spec import ExplainerSpec, LinearTerms
from modelops.serving.explanations import Explainer, UnexplainableInstances
from modelops.artifacts.onnx_model import OnnxPipeline
from modelops.artifacts.features import InputSchema
from training.explainer import build_explainer
from training.onnx_export import convert
from training.pipeline import build_pipeline

NAMES = [f"f{index}" for index in range(6)]


def data(classes: int = 2, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    return make_classification(n_samples=600, n_features=6, n_informative=4, n_redundant=0, n_classes=classes,
                               random_state=seed)


def fitted(estimator: str, classes: int = 2):
    features, labels = data(classes)
    pipeline = build_pipeline(estimator, 0).fit(features[:400], labels[:400])
    rows = features[400:420].copy()
    rows[0, 1] = rows[3, 4] = np.nan  # missing values take the imputer's path
    return pipeline, build_explainer(pipeline, features[400:], 0), rows


def explain(pipeline, spec, rows, top_k=6, predict_proba=None):
    probabilities = pipeline.predict_proba(rows)
    explainer = Explainer(spec, InputSchema.all_numeric(NAMES), pipeline.classes_.tolist())
    return probabilities, explainer.explain(rows, probabilities, probabilities.argmax(axis=1),
                                            predict_proba or pipeline.predict_proba, top_k)


def test_linear_contributions_sum_with_the_intercept_to_the_decision_value():
    pipeline, spec, rows = fitted("logistic_regression")
    probabilities, explained = explain(pipeline, spec, rows)
    decision = pipeline.decision_function(rows)  # log-odds of classes_[1]
    labels = probabilities.argmax(axis=1)
    assert set(labels) == {0, 1}  # both signs are exercised
    for explanation, value, label in zip(explained, decision, labels):
        expected = value if label == 1 else -value  # the predicted class's log-odds
        total = explanation.baseline_value + sum(c.contribution for c in explanation.contributions)
        assert explanation.output == "log_odds" and explanation.label == label
        assert total == pytest.approx(expected, abs=1e-10)
        assert explanation.value == pytest.approx(expected, abs=1e-10)
        assert explanation.remainder == 0.0
        assert explanation.baseline_value == pytest.approx(pipeline.named_steps["model"].intercept_[0] * (1 if label else -1))


def test_linear_baseline_is_the_training_mean_where_a_feature_contributes_nothing():
    pipeline, spec, rows = fitted("logistic_regression")
    at_mean = np.tile(pipeline.named_steps["scale"].mean_, (1, 1))
    _, (explanation,) = explain(pipeline, spec, at_mean)
    assert all(c.contribution == pytest.approx(0.0, abs=1e-12) for c in explanation.contributions)
    assert [c.baseline for c in explanation.contributions] == pytest.approx(at_mean[0][[NAMES.index(c.feature) for c in explanation.contributions]])


def test_multiclass_explains_the_predicted_class_score():
    pipeline, spec, rows = fitted("logistic_regression", classes=3)
    probabilities, explained = explain(pipeline, spec, rows)
    decision = pipeline.decision_function(rows)
    for explanation, scores, label in zip(explained, decision, probabilities.argmax(axis=1)):
        assert explanation.output == "class_score" and explanation.label == label
        total = explanation.baseline_value + sum(c.contribution for c in explanation.contributions)
        assert total == pytest.approx(scores[label], abs=1e-10)


def test_top_k_lists_the_largest_and_the_remainder_closes_the_sum():
    pipeline, spec, rows = fitted("logistic_regression")
    _, full = explain(pipeline, spec, rows, top_k=6)
    _, top = explain(pipeline, spec, rows, top_k=2)
    for everything, shown in zip(full, top):
        sizes = [abs(c.contribution) for c in everything.contributions]
        assert sizes == sorted(sizes, reverse=True)
        assert [c.feature for c in shown.contributions] == [c.feature for c in everything.contributions[:2]]
        assert shown.remainder == pytest.approx(sum(c.contribution for c in everything.contributions[2:]))
        assert shown.baseline_value + sum(c.contribution for c in shown.contributions) + shown.remainder == pytest.approx(shown.value)


def test_a_missing_feature_is_explained_at_the_value_the_imputer_gave_it():
    pipeline, spec, rows = fitted("logistic_regression")
    _, explained = explain(pipeline, spec, rows)
    imputed = next(c for c in explained[0].contributions if c.feature == "f1")
    assert imputed.imputed is True
    assert imputed.value == pytest.approx(pipeline.named_steps["impute"].statistics_[1])
    assert not any(c.imputed for c in explained[1].contributions)


def test_substitution_on_a_tree_model_measures_each_feature_at_its_median_in_one_batch():
    pipeline, spec, rows = fitted("random_forest")
    assert spec.method == "baseline_substitution"
    calls = []

    def counted(matrix):
        calls.append(len(matrix))
        return pipeline.predict_proba(matrix)

    probabilities, explained = explain(pipeline, spec, rows, predict_proba=counted)
    assert calls == [len(rows) * 6 + 1]  # one extra prediction for the whole request
    medians = pipeline.named_steps["impute"].statistics_
    for row, probability, explanation in zip(rows, probabilities, explained):
        label = int(probability.argmax())
        assert explanation.output == "probability" and explanation.remainder is None
        assert explanation.value == probability[label]
        assert explanation.baseline_value == pytest.approx(pipeline.predict_proba(medians[None, :])[0, label])
        for contribution in explanation.contributions:
            column = NAMES.index(contribution.feature)
            changed = row.copy()
            changed[column] = medians[column]
            expected = probability[label] - pipeline.predict_proba(changed[None, :])[0, label]
            assert contribution.contribution == pytest.approx(expected, abs=1e-12)
            assert contribution.baseline == medians[column]


def test_substitution_batches_are_bounded_and_give_the_same_answer(monkeypatch):
    pipeline, spec, rows = fitted("random_forest")
    _, whole = explain(pipeline, spec, rows)
    calls = []
    monkeypatch.setattr(explanations, "MAX_SUBSTITUTION_ROWS", 20)  # three instances per batch

    def counted(matrix):
        calls.append(len(matrix))
        return pipeline.predict_proba(matrix)

    _, chunked = explain(pipeline, spec, rows, predict_proba=counted)
    assert max(calls) <= 20 and len(calls) == 7
    assert [e.model_dump() for e in chunked] == [e.model_dump() for e in whole]


def test_substitution_on_the_onnx_runtime_matches_scikit_learn(tmp_path):
    """The model-agnostic method only needs predict_proba: ONNX Runtime gives the same explanation
    within the conversion's verified tolerance."""
    pipeline, spec, rows = fitted("logistic_regression")
    substitution = ExplainerSpec(method="baseline_substitution", reason="test", medians=spec.medians)
    served = OnnxPipeline(convert(pipeline, 6), pipeline.classes_.tolist())
    _, expected = explain(pipeline, substitution, rows)
    _, actual = explain(served, substitution, rows)
    for want, got in zip(expected, actual):
        assert got.label == want.label
        assert [c.contribution for c in got.contributions] == pytest.approx([c.contribution for c in want.contributions], abs=1e-5)


def test_overflowing_terms_are_refused_by_row():
    spec = ExplainerSpec(method="linear_exact", reason="test", medians=[0.0, 0.0],
                         linear=LinearTerms(means=[0.0, 0.0], scales=[1e-300, 1e-300], coefficients=[[1.0, 1.0]],
                                            intercepts=[0.0]))
    explainer = Explainer(spec, InputSchema.all_numeric(["a", "b"]), [0, 1])
    matrix = np.array([[1.0, 1.0], [1e10, 1e10]])
    with pytest.raises(UnexplainableInstances) as refused:
        explainer.explain(matrix, np.array([[0.5, 0.5], [0.0, 1.0]]), np.array([1, 1]), lambda m: None)
    # Row 0's terms are 1e300 each, large but finite; row 1's overflow to inf.
    assert refused.value.details == [{"location": "instances.1", "message": "Values too large to explain."}]


@pytest.mark.parametrize("fields", [
    {"method": "linear_exact"},  # no terms
    {"method": "linear_exact", "linear": {"means": [0.0], "scales": [1.0, 1.0], "coefficients": [[1.0, 1.0]], "intercepts": [0.0]}},
    {"method": "linear_exact", "linear": {"means": [0.0, 0.0], "scales": [0.0, 1.0], "coefficients": [[1.0, 1.0]], "intercepts": [0.0]}},
    {"method": "linear_exact", "linear": {"means": [0.0, 0.0], "scales": [1.0, 1.0], "coefficients": [[1.0, 1.0]], "intercepts": []}},
    {"method": "baseline_substitution", "medians": [float("nan"), 0.0]},
])
def test_inconsistent_specs_are_refused(fields):
    with pytest.raises(ValidationError):
        ExplainerSpec(**{"reason": "test", "medians": [0.0, 0.0], **fields})


def test_an_explainer_for_other_features_is_refused():
    spec = ExplainerSpec(method="baseline_substitution", reason="test", medians=[0.0])
    with pytest.raises(ValueError, match="1 numeric and 0 categorical features, the model 2 and 0"):
        Explainer(spec, InputSchema.all_numeric(["a", "b"]), [0, 1])


def test_explaining_never_imports_scikit_learn():
    """The ONNX runtime's layer has no scikit-learn: what explains and documents predictions must not need it."""
    import subprocess
    import sys

    script = ("import sys, modelops.serving.explain, modelops.api.contract, modelops.artifacts.manifest\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'joblib')))")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
