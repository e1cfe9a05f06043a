"""Preferring a candidate the ONNX path can serve, when it is as good (same band)."""
import numpy as np
import pytest

from training.model_selection import CandidateResult, Selection
from training.onnx_export import Verification
from training.servable_choice import prefer_onnx_servable


def selection(chosen: str, band: list[str]) -> Selection:
    candidates = [CandidateResult(name, {}, 0.99, 0.01, 0.1, 1.0, 10, verdict="...")
                  for name in ("logistic_regression", "hist_gradient_boosting", "random_forest")]
    return Selection("roc_auc", "roc_auc", 5, 10, 1, 100, candidates, best=band[-1], chosen=chosen,
                     reason="Chosen by the rules.", band=band)


class Exporter:
    """Stands in for the ONNX check: which estimators verify, and what it was asked."""

    def __init__(self, verifying: set[str]):
        self.verifying = verifying
        self.asked: list[tuple[str, int]] = []

    def __call__(self, pipeline, rows, seed):
        name = type(pipeline.steps[-1][1]).__name__ if hasattr(pipeline, "steps") else pipeline
        estimator = {"HistGradientBoostingClassifier": "hist_gradient_boosting", "RandomForestClassifier": "random_forest",
                     "LogisticRegression": "logistic_regression", "fitted-hgb": "hist_gradient_boosting"}.get(name, name)
        self.asked.append((estimator, len(rows)))
        passed = estimator in self.verifying
        return (b"onnx" if passed else None), Verification(passed, "verified" if passed else "differs by 0.3")


@pytest.fixture
def rows():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 4))
    return features, (features[:, 0] > 0).astype(int)


def test_a_chosen_model_that_verifies_is_kept_without_fitting_anything_else(rows):
    exporter = Exporter({"hist_gradient_boosting"})
    kept = selection("hist_gradient_boosting", ["hist_gradient_boosting", "random_forest"])
    result, fitted, _ = prefer_onnx_servable(kept, "fitted-hgb", 0.5, *rows, 1, exporter)
    assert result is kept and fitted == "fitted-hgb" and exporter.asked == [("hist_gradient_boosting", 60)]


def test_an_as_good_candidate_that_verifies_is_preferred_and_the_table_says_why(rows):
    exporter = Exporter({"random_forest"})
    original = selection("hist_gradient_boosting", ["hist_gradient_boosting", "random_forest"])
    result, fitted, _ = prefer_onnx_servable(original, "fitted-hgb", 0.5, *rows, 1, exporter)
    assert result.chosen == "random_forest" and type(fitted.steps[-1][1]).__name__ == "RandomForestClassifier"
    assert "differs by 0.3" in result.reason and "serves on ONNX Runtime" in result.reason
    verdicts = {c.estimator: c.verdict for c in result.candidates}
    assert verdicts["random_forest"].startswith("chosen: as good (within 1 std)")
    assert "not chosen" in verdicts["hist_gradient_boosting"]
    # Only the training rows were given to the check: the held-out rows stay untouched.
    assert {count for _, count in exporter.asked} == {60}


def test_outside_the_band_nothing_is_preferred(rows):
    exporter = Exporter({"random_forest"})
    original = selection("hist_gradient_boosting", ["hist_gradient_boosting"])
    result, fitted, _ = prefer_onnx_servable(original, "fitted-hgb", 0.5, *rows, 1, exporter)
    assert result is original and fitted == "fitted-hgb"
    with pytest.raises(ValueError):
        original.preferring("random_forest", "it verifies")
