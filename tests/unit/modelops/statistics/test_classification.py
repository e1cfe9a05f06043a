import numpy as np
import pytest
from sklearn import metrics as sk

from modelops.statistics.classification import classification_report, roc_auc


def random_probabilities(rng, rows, classes):
    raw = rng.random((rows, classes))
    return raw / raw.sum(axis=1, keepdims=True)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_binary_figures_equal_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    classes = [0, 1]
    y = rng.integers(0, 2, 500)
    proba = random_probabilities(rng, 500, 2)
    proba[:50, 1] = 0.5  # ties
    proba[:50, 0] = 0.5
    report = classification_report(y, proba, classes)
    predicted = proba.argmax(axis=1)
    assert report["accuracy"] == pytest.approx(sk.accuracy_score(y, predicted))
    assert report["precision"] == pytest.approx(sk.precision_score(y, predicted))
    assert report["recall"] == pytest.approx(sk.recall_score(y, predicted))
    assert report["f1"] == pytest.approx(sk.f1_score(y, predicted))
    assert report["roc_auc"] == pytest.approx(sk.roc_auc_score(y, proba[:, 1]))
    assert report["log_loss"] == pytest.approx(sk.log_loss(y, proba))
    assert report["confusion_matrix"] == sk.confusion_matrix(y, predicted).tolist()
    assert report["count"] == 500


def test_multiclass_uses_macro_averages_and_one_vs_rest_auc():
    rng = np.random.default_rng(7)
    classes = ["a", "b", "c"]
    y = np.array(classes, dtype=object)[rng.integers(0, 3, 300)]
    proba = random_probabilities(rng, 300, 3)
    predicted = np.array(classes, dtype=object)[proba.argmax(axis=1)]
    report = classification_report(y, proba, classes)
    assert report["precision"] == pytest.approx(sk.precision_score(y, predicted, average="macro"))
    assert report["recall"] == pytest.approx(sk.recall_score(y, predicted, average="macro"))
    assert report["f1"] == pytest.approx(sk.f1_score(y, predicted, average="macro"))
    assert report["roc_auc"] == pytest.approx(sk.roc_auc_score(y, proba, multi_class="ovr", labels=classes))
    assert report["log_loss"] == pytest.approx(sk.log_loss(y, proba, labels=classes))


def test_auc_is_undefined_with_one_class_and_never_nan():
    assert roc_auc(np.array([True, True]), np.array([0.2, 0.9])) is None
    report = classification_report(np.array([1, 1, 1]), np.array([[0.1, 0.9]] * 3), [0, 1])
    assert report["roc_auc"] is None
    assert report["accuracy"] == 1.0


def test_certain_wrong_answer_gives_finite_log_loss():
    report = classification_report(np.array([0]), np.array([[0.0, 1.0]]), [0, 1])
    assert np.isfinite(report["log_loss"])
    assert report["precision"] == 0.0  # no division by zero
