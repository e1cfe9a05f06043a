"""The training-side baseline, and the label-free accuracy estimate it enables (CBPE)."""
from collections import Counter

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split

from modelops.artifacts.baseline import Baseline, prediction_matrix
from training.baseline import build_baseline, fit_calibration
from training.cleaning import clean
from training.data import load_bundled
from training.pipeline import Columns, build_pipeline


@pytest.fixture(scope="module")
def fitted():
    features, labels = make_classification(n_samples=30000, n_features=8, n_informative=5, flip_y=0.05,
                                           class_sep=1.5, random_state=3)
    x_train, x_rest, y_train, y_rest = train_test_split(features, labels, train_size=10000, random_state=3)
    x_test, x_new, y_test, y_new = train_test_split(x_rest, y_rest, train_size=5000, random_state=3)
    pipeline = build_pipeline("logistic_regression", 3).fit(x_train, y_train)
    names = [f"f{i}" for i in range(8)]
    baseline = build_baseline(pipeline, [0, 1], names, x_train, x_test, y_test, training_split=(x_train, y_train))
    return pipeline, baseline, x_new, y_new


def _estimate_and_truth(pipeline, baseline, features, labels):
    outputs = prediction_matrix(pipeline.predict_proba(features))
    estimate = float(baseline.calibration.expected_correct(outputs[:, 1]).mean())
    return estimate, float(np.mean(outputs[:, 0].astype(int) == labels))


def test_the_calibration_reproduces_held_out_accuracy_on_its_own_rows():
    rng = np.random.default_rng(0)
    confidences = rng.uniform(0.5, 1.0, 500)
    correct = rng.uniform(size=500) < confidences
    calibration = fit_calibration(confidences, correct)
    assert calibration.expected_correct(confidences).mean() == pytest.approx(correct.mean())
    assert all(b >= a for a, b in zip(calibration.accuracy, calibration.accuracy[1:]))


def test_estimated_accuracy_is_close_to_the_true_one_in_distribution(fitted):
    pipeline, baseline, x_new, y_new = fitted
    estimate, truth = _estimate_and_truth(pipeline, baseline, x_new, y_new)
    assert abs(estimate - truth) < 0.02
    assert abs(baseline.reference_accuracy - truth) < 0.03


def test_estimated_accuracy_falls_when_inputs_shift_toward_the_boundary(fitted):
    pipeline, baseline, x_new, y_new = fitted
    in_distribution, _ = _estimate_and_truth(pipeline, baseline, x_new, y_new)
    # Covariate shift: rows near the decision boundary become common (selected on the inputs
    # alone, so P(label | inputs) is unchanged, the assumption CBPE rests on). The model is right
    # less often there, and the estimate, which never sees a label, says so.
    confidence = pipeline.predict_proba(x_new).max(axis=1)
    rng = np.random.default_rng(7)
    keep = rng.uniform(size=len(confidence)) < np.where(confidence < 0.8, 1.0, 0.1)
    estimate, truth = _estimate_and_truth(pipeline, baseline, x_new[keep], y_new[keep])
    assert estimate < in_distribution - 0.05
    assert truth < in_distribution - 0.05
    assert abs(estimate - truth) < 0.03


def test_the_baseline_profiles_training_features_and_held_out_predictions(fitted):
    _, baseline, _, _ = fitted
    assert baseline.features.rows == 10000 and baseline.predictions.rows == 5000
    assert list(baseline.predictions.columns) == ["predicted_class", "confidence"]
    assert baseline.predictions.columns["predicted_class"].edges == [0.0, 1.0]
    column = baseline.features.columns["f0"]
    assert len(column.edges) == 17 and column.underflow == 0 and column.overflow == 0  # deciles + 6 tail cuts
    assert baseline.calibration.rows == 10000  # out-of-fold over the training split


def test_the_calibration_does_not_inherit_a_small_held_out_splits_luck():
    # 140 held-out rows, as a 569-row data set leaves: an isotonic curve fitted on them alone was
    # off by 0.035 on average over these seeds (up to 0.1); out-of-fold predictions over the
    # 1,000 training rows are not.
    errors = []
    for seed in range(6):
        features, labels = make_classification(n_samples=22_140, n_features=8, n_informative=5, flip_y=0.1,
                                               class_sep=1.0, random_state=seed)
        x_train, y_train, x_test, y_test = features[:1000], labels[:1000], features[1000:1140], labels[1000:1140]
        pipeline = build_pipeline("logistic_regression", seed).fit(x_train, y_train)
        baseline = build_baseline(pipeline, [0, 1], [f"f{i}" for i in range(8)], x_train, x_test, y_test,
                                  training_split=(x_train, y_train))
        estimate, truth = _estimate_and_truth(pipeline, baseline, features[1140:], labels[1140:])
        errors.append(abs(estimate - truth))
    assert np.mean(errors) < 0.012 and max(errors) < 0.02


def test_out_of_fold_calibration_works_with_string_classes_and_a_rare_class():
    rng = np.random.default_rng(8)
    features = rng.normal(size=(300, 3))
    labels = np.where(features[:, 0] > 2.4, "rare", np.where(features[:, 1] > 0, "yes", "no")).astype(object)
    assert 2 <= (labels == "rare").sum() < 5  # fewer rows than folds: the folds shrink to fit
    pipeline = build_pipeline("logistic_regression", 8).fit(features, labels.tolist())
    classes = pipeline.classes_.tolist()
    baseline = build_baseline(pipeline, classes, ["a", "b", "c"], features, features[:50], labels[:50],
                              training_split=(features, labels))
    assert baseline.calibration.rows == 300 and baseline.classes == classes


def test_a_mixed_table_gets_category_profiles_that_count_the_training_split():
    dataset, _ = clean(load_bundled("penguins"))
    x_train, x_test, y_train, y_test = train_test_split(dataset.features, dataset.labels, test_size=0.2,
                                                        random_state=0, stratify=dataset.labels.astype(str))
    pipeline = build_pipeline("logistic_regression", 0, "classification", Columns.of(x_train, dataset.kinds))
    pipeline.fit(x_train, y_train)
    numeric = dataset.numeric_columns()
    categorical = [index for index, kind in enumerate(dataset.kinds) if kind == "categorical"]
    baseline = build_baseline(pipeline, pipeline.classes_.tolist(), [dataset.feature_names[i] for i in numeric],
                              np.asarray(x_train[:, numeric], dtype=np.float64), x_test, y_test,
                              training_split=(x_train, y_train),
                              categorical={dataset.feature_names[i]: x_train[:, i].tolist() for i in categorical})
    assert set(baseline.categories) == {"island", "sex"} and not set(baseline.categories) & set(baseline.features.columns)
    for index in categorical:
        profile = baseline.categories[dataset.feature_names[index]]
        counted = Counter(x_train[:, index].tolist())
        missing = counted.pop("", 0)
        assert profile.missing == missing and profile.total == len(y_train)
        assert dict(zip(profile.categories, profile.counts)) == counted and profile.other == 0
        assert profile.counts == sorted(profile.counts, reverse=True)  # most frequent first
    assert baseline.categories["sex"].missing > 0  # penguins has blank sexes: the missing bucket is exercised
    assert Baseline.from_json(baseline.to_json()) == baseline


def test_a_baseline_written_before_category_profiles_still_reads(fitted):
    _, baseline, _, _ = fitted
    assert baseline.categories == {}  # all-numeric: nothing categorical to profile
    written_before = baseline.model_dump(mode="json")
    del written_before["categories"]
    assert Baseline.model_validate(written_before) == baseline
