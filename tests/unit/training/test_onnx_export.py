"""The conversion gate: only an ONNX model that answers like the pipeline may serve."""
import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from training.cleaning import clean
from training.data import DATASETS_DIR, load_bundled, load_csv
from training import onnx_export
from modelops.artifacts import onnx_model
from training.onnx_export import (TOLERANCE, column_input, compare, export, feed, relative_difference,
                                  target_scale, verification_rows)
from training.pipeline import Columns, build_pipeline


@pytest.fixture(scope="module")
def split():
    data = clean(load_bundled())[0]
    x_train, x_test, y_train, _ = train_test_split(data.features, data.labels, test_size=0.25, random_state=42,
                                                   stratify=data.labels)
    return x_train, x_test, y_train


def test_a_linear_pipeline_converts_and_verifies(split):
    x_train, x_test, y_train = split
    pipeline = build_pipeline("logistic_regression", 42).fit(x_train, y_train.tolist())
    onnx_bytes, verification = export(pipeline, x_test, 42)
    assert verification.passed and onnx_bytes and onnx_bytes[:2] != b"\x80\x04"  # protobuf, not a pickle
    assert verification.max_abs_difference < TOLERANCE and verification.label_mismatches == 0
    assert verification.rows == {"held_out": len(x_test), "missing_values": len(x_test), "perturbed": len(x_test)}
    assert verification.onnxruntime


def test_a_tree_ensemble_that_diverges_at_its_split_thresholds_is_refused(split):
    # float32 in the ONNX graph sends values sitting on a threshold down the other branch: the
    # held-out rows alone would not show it, the threshold rows do.
    x_train, x_test, y_train = split
    pipeline = build_pipeline("hist_gradient_boosting", 42).fit(x_train, y_train.tolist())
    onnx_bytes, verification = export(pipeline, x_test, 42)
    assert onnx_bytes is None and not verification.passed
    assert "split_thresholds" in verification.rows and verification.max_abs_difference > TOLERANCE
    assert verification.reason.startswith("probabilities differ from scikit-learn's by up to")


def test_a_pipeline_that_cannot_convert_is_published_without_onnx(split):
    x_train, x_test, y_train = split
    custom = Pipeline([("log", FunctionTransformer(np.log1p)), *build_pipeline("logistic_regression", 1).steps])
    onnx_bytes, verification = export(custom.fit(x_train, y_train.tolist()), x_test, 1)
    assert onnx_bytes is None and verification.reason.startswith("conversion failed:")


def test_threshold_rows_sit_on_the_forest_splits_in_raw_units(split):
    x_train, x_test, y_train = split
    pipeline = build_pipeline("random_forest", 3).fit(x_train, y_train.tolist())
    rows = verification_rows(pipeline, x_test, 3)["split_thresholds"]
    scaled = pipeline.named_steps["scale"].transform(rows[: len(rows) // 3])
    thresholds = {round(float(t), 6) for tree in pipeline[-1].estimators_ for t in tree.tree_.threshold if t != -2}
    on_a_split = [any(round(float(v), 6) in thresholds for v in row) for row in scaled]
    assert np.mean(on_a_split) > 0.9


def test_label_differences_count_except_at_ties():
    expected = np.array([[0.9, 0.1], [0.5, 0.5], [0.5 + TOLERANCE / 4, 0.5 - TOLERANCE / 4], [0.6, 0.4]])
    actual = np.array([[0.9, 0.1], [0.4999999, 0.5000001], [0.5, 0.5 + 1e-9], [0.4, 0.6]])
    worst, mismatches, ties = compare(expected, actual)
    assert (mismatches, ties) == (1, 2) and worst == pytest.approx(0.2)


@pytest.fixture(scope="module")
def penguins():
    data = clean(load_bundled("penguins"))[0]
    x_train, x_test, y_train, _ = train_test_split(data.features, data.labels, test_size=0.25, random_state=42,
                                                   stratify=data.labels.astype(str))
    return x_train, x_test, y_train, Columns.of(x_train, data.kinds)


def test_a_mixed_pipeline_converts_with_one_input_per_feature_and_verifies(penguins):
    x_train, x_test, y_train, columns = penguins
    pipeline = build_pipeline("logistic_regression", 42, "classification", columns).fit(x_train, y_train.tolist())
    onnx_bytes, verification = export(pipeline, x_test, 42, columns)
    assert verification.passed, verification.reason
    assert set(verification.rows) == {"held_out", "missing_values", "perturbed", "unseen_categories"}
    import onnxruntime
    session = onnxruntime.InferenceSession(onnx_bytes, providers=["CPUExecutionProvider"])
    assert [(i.name, i.type) for i in session.get_inputs()][:2] == [("feature_0", "tensor(string)"),
                                                                    ("feature_1", "tensor(float)")]
    assert set(feed(x_test, columns)) == {column_input(i) for i in range(len(columns.kinds))}


def test_a_graph_that_answers_differently_is_refused_whatever_the_cause(penguins, monkeypatch):
    # The gate compares answers, not converter versions: an ONNX graph of another model (here:
    # fitted on shuffled labels, as a converter bug would answer) must not verify.
    x_train, x_test, y_train, columns = penguins
    pipeline = build_pipeline("logistic_regression", 42, "classification", columns).fit(x_train, y_train.tolist())
    other = build_pipeline("logistic_regression", 42, "classification", columns).fit(
        x_train, np.random.default_rng(0).permutation(y_train).tolist())
    real_convert = onnx_export.convert
    monkeypatch.setattr(onnx_export, "convert", lambda _, *rest: real_convert(other, *rest))
    onnx_bytes, verification = export(pipeline, x_test, 42, columns)
    assert onnx_bytes is None and not verification.passed
    assert verification.reason.startswith("probabilities differ from scikit-learn's")


def test_a_regressor_is_verified_on_its_predictions():
    from sklearn.datasets import load_diabetes
    data = load_diabetes(scaled=False)
    pipeline = build_pipeline("ridge", 0, "regression").fit(data.data[:300], data.target[:300])
    onnx_bytes, verification = export(pipeline, data.data[300:], 0, None, "regression")
    assert onnx_bytes and verification.passed and verification.max_abs_difference < TOLERANCE
    forest = build_pipeline("random_forest", 0, "regression").fit(data.data[:300], data.target[:300])
    _, checked = export(forest, data.data[300:], 0, None, "regression")
    assert "split_thresholds" in checked.rows  # the rows where float32 takes the other branch were tried
    assert checked.passed or checked.reason.startswith("predictions (relative to max(1, |value|, ")


def test_a_regressor_is_compared_on_its_target_s_scale_not_on_a_cancelled_near_zero_value():
    """Penguins' body mass from species, island, bills, flipper, sex and year: a perturbed row 90
    years off predicts about 40 g as +-25,000 g terms cancelling, and float32 keeps those terms to
    about 0.005 g. On the target's scale (mean 4,200 g) that is 1e-6, verified; against the 40 g
    alone it is 1e-4, which refused a model that serves every real row to 1e-7."""
    table = clean(load_csv(DATASETS_DIR / "penguins.csv", "body_mass_g"))[0]
    x_train, x_test, y_train, _ = train_test_split(table.features, table.labels, test_size=0.25, random_state=42)
    columns = Columns.of(x_train, table.kinds)
    pipeline = build_pipeline("ridge", 42, "regression", columns).fit(x_train, y_train)
    scale = target_scale("regression", y_train)
    assert 4000 < scale < 4400 and target_scale("classification", np.array(["a", "b"])) == 1.0
    onnx_bytes, verification = export(pipeline, x_test, 42, columns, "regression", scale)
    assert onnx_bytes and verification.passed, verification.reason
    unscaled = export(pipeline, x_test, 42, columns, "regression")[1]
    assert not unscaled.passed and unscaled.max_abs_difference > TOLERANCE > verification.max_abs_difference
    assert relative_difference(np.array([40.0]), np.array([40.005]), 4200.0) == pytest.approx(0.005 / 4200)
    assert relative_difference(np.array([-9000.0]), np.array([-9000.09]), 4200.0) == pytest.approx(1e-5)


def test_an_onnx_runtime_failure_is_a_failed_verification(penguins, monkeypatch):
    x_train, x_test, y_train, columns = penguins
    pipeline = build_pipeline("logistic_regression", 42, "classification", columns).fit(x_train, y_train.tolist())
    # The graph runs through serving's own feed (modelops.artifacts.onnx_model): broken there, it fails.
    monkeypatch.setattr(onnx_model, "feed", lambda matrix, kinds: {"nonsense": matrix})
    onnx_bytes, verification = export(pipeline, x_test, 42, columns)
    assert onnx_bytes is None and verification.reason.startswith("ONNX Runtime failed on the verification rows")
