import numpy as np
import pytest

from modelops.serving.scoring import UnscorableInstances, probabilities
from training.pipeline import build_pipeline


def test_scorable_rows_get_the_pipeline_s_probabilities(synthetic):
    rows = synthetic.fresh[:3]
    assert np.array_equal(probabilities(synthetic.pipeline, rows), synthetic.pipeline.predict_proba(rows))


def test_rows_that_overflow_inside_the_pipeline_are_named(synthetic):
    # Features with standard deviations well below 1, like the breast cancer data's: a large
    # finite value is inf once the scaler divides it, and scikit-learn refuses the whole batch.
    small_units = build_pipeline("logistic_regression", 0).fit(synthetic.fresh[:2000] * 1e-3, synthetic.fresh_labels[:2000])
    rows = synthetic.fresh[:3] * 1e-3
    rows[1] = 1.7e308
    with pytest.raises(ValueError):
        small_units.predict_proba(rows)  # what the API answered with a 500
    with pytest.raises(UnscorableInstances) as caught:
        probabilities(small_units, rows)
    assert caught.value.details == [{"location": "instances.1", "message": "Values too large for the model to score."}]


def test_non_finite_probabilities_are_refused_too():
    class NanModel:  # what ONNX Runtime does with float32 overflow: no error, NaN out
        def predict_proba(self, matrix):
            return np.where(np.isfinite(matrix[:, :1].astype(np.float32)), 0.5, np.nan).repeat(2, axis=1)

    with pytest.raises(UnscorableInstances) as caught:
        probabilities(NanModel(), np.array([[1.0], [1e39], [2.0]]))
    assert [detail["location"] for detail in caught.value.details] == ["instances.1"]


def test_a_model_that_fails_on_every_row_is_the_model_s_fault(synthetic):
    # Wrong width: the all-missing reference row fails too, so the error is raised (a 500), not
    # blamed on the request.
    with pytest.raises(ValueError, match="features") as caught:
        probabilities(synthetic.pipeline, synthetic.fresh[:2, :4])
    assert not isinstance(caught.value, UnscorableInstances)
