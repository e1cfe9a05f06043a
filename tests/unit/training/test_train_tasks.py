"""Mixed-type classification, regression and everyday CSV files, end to end into the moto server."""
import io
import json

import boto3
import joblib
import numpy as np
import pytest

from modelops.artifacts.baseline import BASELINE_FILE, Baseline
from training.registry import ModelRegistry
from training.train import main


def _latest(bucket, name):
    store = ModelRegistry(boto3.client("s3"), bucket)
    return store, store.read_manifest(name, store.latest_version(name))


@pytest.fixture(scope="module")
def penguins(bucket):
    assert main(["--bucket", bucket, "--dataset", "penguins", "--estimator", "simplest"]) == 0
    return _latest(bucket, "penguins")


@pytest.fixture(scope="module")
def diabetes(bucket):
    assert main(["--bucket", bucket, "--dataset", "diabetes", "--estimator", "simplest"]) == 0
    return _latest(bucket, "diabetes")


def test_penguins_keep_their_categorical_features_with_types_and_frequencies(penguins):
    _, manifest = penguins
    assert manifest.task == "classification" and manifest.classes == ["Adelie", "Chinstrap", "Gentoo"]
    assert manifest.training["estimator"] == "logistic_regression"  # --estimator simplest
    kinds = {f.name: f.kind for f in manifest.features}
    assert kinds == {"island": "categorical", "bill_length_mm": "numeric", "bill_depth_mm": "numeric",
                     "flipper_length_mm": "numeric", "body_mass_g": "numeric", "sex": "categorical", "year": "numeric"}
    island = next(f for f in manifest.features if f.name == "island")
    assert [c.value for c in island.categories] == ["Biscoe", "Dream", "Torgersen"]  # most frequent first
    assert sum(c.count for c in island.categories) == island.count
    assert sum(c.frequency for c in island.categories) == pytest.approx(1.0)
    sex = next(f for f in manifest.features if f.name == "sex")
    assert sex.missing_rate > 0 and sex.dtype == "str" and {c.value for c in sex.categories} == {"female", "male"}
    assert manifest.metrics["model"]["accuracy"] > 0.95 and manifest.metrics["gate"]["passed"]
    assert "baseline" in manifest.files


def test_the_penguins_baseline_counts_each_categorical_feature_as_the_manifest_does(penguins):
    # The manifest's category counts are the training split's (summarize_features on it): the
    # published baseline's profiles must hold the same counts, and numeric features stay binned.
    store, manifest = penguins
    baseline = Baseline.from_json(store.read(manifest.name, manifest.version, BASELINE_FILE))
    train_rows = manifest.training["train_rows"]
    for feature in manifest.features:
        if feature.kind != "categorical":
            assert feature.name in baseline.features.columns and feature.name not in baseline.categories
            continue
        profile = baseline.categories[feature.name]
        assert [(c.value, c.count) for c in feature.categories] == list(zip(profile.categories, profile.counts))
        assert profile.other == 0 and profile.present == feature.count and profile.total == train_rows
    assert set(baseline.categories) == {"island", "sex"}


def test_the_penguins_card_names_the_feature_types_and_how_rare_categories_are_scored(penguins):
    store, manifest = penguins
    card = store.read(manifest.name, manifest.version, "model_card.md").decode()
    assert "- features: numeric 5; boolean 0; categorical 2 (island, sex)" in card
    assert "exact duplicates (kept): 0" in card and "- left out: none" in card
    assert "Categorical features (island, sex): a category seen in fewer than 5 training rows, or never seen" in card


def test_the_mixed_pipeline_takes_object_rows_with_missing_and_unseen_categories(bucket, penguins):
    store, manifest = penguins
    # The published pipeline itself (the API refuses categorical features until it takes strings).
    pipeline = joblib.load(io.BytesIO(store.read(manifest.name, manifest.version, manifest.artifact.file)))
    rows = np.array([["Biscoe", 50.0, 15.0, 220.0, 5500.0, "male", 2008.0],
                     ["", np.nan, 18.0, np.nan, np.nan, "", np.nan],  # missing everywhere it can be
                     ["Atlantis", 39.0, 18.5, 190.0, 3700.0, "unknown", 2009.0]], dtype=object)  # unseen categories
    probabilities = pipeline.predict_proba(rows)
    assert probabilities.shape == (3, 3) and np.allclose(probabilities.sum(axis=1), 1.0)
    assert pipeline.classes_[probabilities[0].argmax()] == "Gentoo"


def test_the_mixed_model_s_onnx_graph_is_verified_with_unseen_categories(penguins):
    _, manifest = penguins
    verification = manifest.onnx_verification
    assert verification["passed"] is True and "onnx" in manifest.files
    assert {"held_out", "missing_values", "perturbed", "unseen_categories"} <= set(verification["rows"])


def test_diabetes_is_regression_with_its_metrics_gate_and_card(bucket, diabetes):
    store, manifest = diabetes
    assert manifest.task == "regression" and manifest.classes == []
    assert manifest.training["estimator"] == "ridge"  # --estimator simplest: the task's linear model
    model, constant = manifest.metrics["model"], manifest.metrics["best_constant"]
    assert set(model) == {"mae", "rmse", "r2", "bias"}
    assert model["mae"] < constant["mae"] and model["rmse"] < constant["rmse"] and model["r2"] > 0.3
    assert manifest.metrics["gate"] == {"metric": "r2", "threshold": 0.3, "passed": True, "reasons": [],
                                        "compared_with": None}
    assert manifest.explainer.method == "linear_exact" and manifest.explainer.max_abs_difference <= 1e-9  # ridge, exact
    baseline = Baseline.from_json(store.read(manifest.name, manifest.version, BASELINE_FILE))
    assert baseline.task == "regression" and baseline.calibration is None and baseline.classes == []
    held_out_predictions = baseline.predictions.columns["value"]
    assert held_out_predictions.count == manifest.training["test_rows"]  # the held-out split's predictions
    assert set(baseline.features.columns) == {feature.name for feature in manifest.features}
    assert manifest.importance.permutation.scoring == "r2"
    assert manifest.onnx_verification["passed"] is True
    card = store.read(manifest.name, manifest.version, "model_card.md").decode()
    assert "predicts: `progression`, a number (regression)" in card
    assert f"| mae | {model['mae']:.4f} | {constant['mae']:.4f} |" in card
    assert "always answering the training median already scores" in card
    json.loads(manifest.to_json())


def test_auto_selects_a_regressor_by_cross_validated_r2(bucket, capsys):
    assert main(["--bucket", bucket, "--dataset", "diabetes", "--name", "diabetes-auto", "--search-iterations", "1",
                 "--cv-folds", "3"]) == 0
    captured = capsys.readouterr()
    _, manifest = _latest(bucket, "diabetes-auto")
    selection = manifest.training["selection"]
    assert [c["estimator"] for c in selection["candidates"]] == ["ridge", "hist_gradient_boosting", "random_forest"]
    assert selection["task"] == "regression" and selection["metric"] == "r2"
    assert "Model selection: r2, 3-fold CV on the 331 training rows" in captured.out
    assert "selection 3/3 random_forest: draw 1/1 fold 3/3 done, 3/3 fits" in captured.err  # progress on stderr


def _csv(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_an_everyday_csv_with_text_ids_and_dates_trains_on_what_matters(bucket, tmp_path):
    rng = np.random.default_rng(0)
    lines = ["passenger_id;name;sex;class;boarded;fare;survived"]
    for index in range(240):
        sex, klass = rng.choice(["male", "female"]), rng.choice(["1st", "2nd", "3rd"])
        survived = int((sex == "female") ^ (rng.uniform() < 0.1))
        fare = "" if index % 17 == 0 else f"{rng.uniform(5, 80):.2f}".replace(".", ",")  # decimal commas
        lines.append(f'{index + 1};"Passenger {index}, Mr.";{sex};{klass};2024-04-{index % 28 + 1:02d};"{fare}";{survived}')
    path = _csv(tmp_path, "titanic.csv", b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    assert main(["--bucket", bucket, "--data", str(path), "--target", "survived", "--estimator", "logistic_regression",
                 "--categorical", "fare"]) == 0
    _, manifest = _latest(bucket, "titanic")
    assert [f.name for f in manifest.features] == ["sex", "class", "fare"]
    assert set(manifest.cleaning["left_out"]) == {"passenger_id", "name", "boarded"}
    assert manifest.metrics["model"]["roc_auc"] > 0.85  # sex alone decides most rows: it was not blanked


@pytest.mark.parametrize("data,arguments,message", [
    (b"", [], "is empty"),
    (b"x,y\n" + b"".join(b"%d,%d\n" % (i, i % 2) for i in range(20)) + b"3,rare\n", [],
     "Class 'rare' of 'y' has only 1 row: a stratified split needs at least 2 rows per class"),
    (b"x,y\n1,7\n2,7\n3,7\n", [], "The target 'y' has one value (7) in all 3 rows"),
    ("x,y\nJos\u00e9,1\n".encode("latin-1"), [], "line 2: byte 0xe9 is not utf-8"),
    (b"\xef\xbb\xbfx,z\n1,0\n", [], "Target column 'y' is not in"),
    (b"x,y\n" + b"".join(b"%d,%f\n" % (i, i * 1.5) for i in range(40)), ["--estimator", "logistic_regression"],
     "--estimator logistic_regression cannot do regression (target 'y')"),
    (b"x,y\n" + b"".join(b"%d,%f\n" % (i, i * 1.5) for i in range(40)), ["--gate-metric", "roc_auc"],
     "--gate-metric roc_auc is not a regression metric"),
    (b"x,y\n" + b"".join(b"%d,%f\n" % (i, i * 1.5) for i in range(40)), ["--gate-metric", "mae"],
     "--gate-metric mae has no default threshold: give --min-score"),
])
def test_unusable_files_and_flags_are_refused_in_one_line(bucket, tmp_path, capsys, data, arguments, message):
    path = _csv(tmp_path, "bad.csv", data)
    assert main(["--bucket", bucket, "--data", str(path), "--target", "y", *arguments]) == 2
    err = capsys.readouterr().err
    refusal = err.strip().splitlines()[-1]  # after any progress lines, the refusal: one line
    assert message in refusal and "Traceback" not in err
    assert ModelRegistry(boto3.client("s3"), bucket).list_versions("bad") == []
