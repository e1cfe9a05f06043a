"""The training command end to end, publishing into the moto server."""
import contextlib
import csv
import io
import json

import boto3
import numpy as np
import pytest
from sklearn.impute import SimpleImputer

import training.train as train
from modelops.artifacts.integrity import sha256_hex
from modelops.artifacts.loader import load_verified_model
from training.registry import ModelRegistry
from training.data import load_bundled
from training.train import main, parse_args

# Tests that are not about model selection name the estimator: auto would spend seconds on a
# cross-validated search they do not look at.
GIVEN = ["--estimator", "logistic_regression"]


def test_published_version_has_a_complete_manifest_and_the_hashed_artifact(bucket, published_model):
    manifest = published_model
    store = ModelRegistry(boto3.client("s3"), bucket)
    artifact = store.read(manifest.name, manifest.version, "model.joblib")
    assert sha256_hex(artifact) == manifest.artifact.sha256
    assert len(artifact) == manifest.artifact.size_bytes
    assert manifest.classes == [0, 1]
    assert len(manifest.features) == 30 and manifest.features[0].name == "mean_radius"
    assert manifest.features[0].min is not None and manifest.features[0].missing_rate == 0.0
    for metric in ("accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "confusion_matrix"):
        assert metric in manifest.metrics["model"] and metric in manifest.metrics["best_constant"]
    assert manifest.metrics["model"]["roc_auc"] > manifest.metrics["best_constant"]["roc_auc"]
    assert manifest.metrics["gate"]["passed"] is True
    assert manifest.cleaning["rows_read"] == 569
    assert len(manifest.data_fingerprint) == 64
    assert manifest.training["estimator"] == "logistic_regression"
    assert manifest.training["train_rows"] + manifest.training["test_rows"] == 569
    assert manifest.libraries.scikit_learn and manifest.libraries.python


def test_prints_the_deploy_command(bucket, capsys):
    assert main(["--bucket", bucket, "--name", "printed", *GIVEN]) == 0
    out = capsys.readouterr().out
    store = ModelRegistry(boto3.client("s3"), bucket)
    manifest = store.read_manifest("printed", store.latest_version("printed"))
    # The linear model's ONNX conversion verifies: the command deploys ONNX Runtime, pinned to that file.
    assert manifest.onnx_verification["passed"] is True
    assert f"make deploy MODEL_NAME=printed MODEL_VERSION={manifest.version}   # serves it on onnx" in out
    assert manifest.serving_file() == ("onnx", manifest.files["onnx"])
    assert "ONNX: verified" in out


def test_a_model_whose_onnx_does_not_verify_is_published_for_scikit_learn_only(bucket, capsys):
    assert main(["--bucket", bucket, "--name", "boosted", "--estimator", "hist_gradient_boosting"]) == 0
    out = capsys.readouterr().out
    store = ModelRegistry(boto3.client("s3"), bucket)
    manifest = store.read_manifest("boosted", store.latest_version("boosted"))
    assert "onnx" not in manifest.files and manifest.onnx_verification["passed"] is False
    assert "published joblib-only, serve it with ModelRuntime=sklearn" in out
    assert f"make deploy MODEL_NAME=boosted MODEL_VERSION={manifest.version}   # serves it on sklearn" in out
    assert manifest.serving_file() == ("sklearn", manifest.artifact)


def test_a_weak_model_is_refused_and_nothing_is_published(bucket, capsys):
    assert main(["--bucket", bucket, "--name", "weak", "--min-score", "0.99999", *GIVEN]) == 2
    assert "below the threshold" in capsys.readouterr().err
    assert ModelRegistry(boto3.client("s3"), bucket).list_versions("weak") == []


def test_force_publishes_a_refused_model_and_records_why(bucket):
    assert main(["--bucket", bucket, "--name", "forced", "--min-score", "0.99999", "--force", *GIVEN]) == 0
    store = ModelRegistry(boto3.client("s3"), bucket)
    gate = store.read_manifest("forced", store.latest_version("forced")).metrics["gate"]
    assert gate["passed"] is False and "below the threshold" in gate["reasons"][0]


def test_a_model_worse_than_the_published_one_is_refused(bucket, published_model, capsys):
    # On the same held-out rows the random forest scores below the published logistic regression.
    code = main(["--bucket", bucket, "--name", published_model.name, "--estimator", "random_forest"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"worse than published version {published_model.version}" in err
    assert ModelRegistry(boto3.client("s3"), bucket).latest_version(published_model.name) == published_model.version


def test_trains_on_a_users_csv_and_reports_the_cleaning(bucket, tmp_path):
    table = load_bundled()
    path = tmp_path / "tumours.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(table.feature_names + ["diagnosis"])
        for index, (row, label) in enumerate(zip(table.rows, table.targets)):
            cells = list(row)
            if index % 50 == 0:
                cells[0] = "n/a?"  # junk -> non-numeric
            writer.writerow(cells + [label if index % 100 != 1 else ""])  # some rows lack a target
        writer.writerow(table.rows[2] + [table.targets[2]])  # an exact duplicate
    assert main(["--bucket", bucket, "--data", str(path), "--target", "diagnosis", *GIVEN]) == 0
    store = ModelRegistry(boto3.client("s3"), bucket)
    manifest = store.read_manifest("tumours", store.latest_version("tumours"))
    assert manifest.target == "diagnosis"
    assert manifest.cleaning["rows_read"] == 570
    assert manifest.cleaning["rows_without_target"] == 6
    assert manifest.cleaning["duplicate_rows"] == 1
    assert manifest.cleaning["non_numeric_values"] == {"mean_radius": 12}
    assert json.loads(manifest.to_json())["features"][0]["name"] == "mean_radius"


def test_bad_arguments_exit_with_usage():
    with pytest.raises(SystemExit) as caught:
        main(["--bucket", "b", "--data", "x.csv"])
    assert caught.value.code == 2


def _rows(matrix: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in np.ascontiguousarray(matrix, dtype=np.float64)}


@pytest.fixture(scope="module")
def auto_run(bucket):
    """`--estimator auto` end to end on the bundled data with a small budget, spied on: the rows
    handed to selection, every matrix a pipeline fitted or scored while selection ran (all pass
    through the imputer), and the rows of the held-out evaluation."""
    seen = {"given": None, "during": [], "held_out": None}
    selecting = []
    real_select, real_evaluate, real_transform = train.select, train.evaluate, SimpleImputer.transform

    def spy_select(features, labels, settings, **options):
        seen["given"] = np.array(features)
        selecting.append(True)
        try:
            return real_select(features, labels, settings, **options)
        finally:
            selecting.clear()

    def spy_transform(self, X):
        if selecting:
            seen["during"].append(np.array(X))
        return real_transform(self, X)

    def spy_evaluate(pipeline, features, *rest):
        if seen["held_out"] is None:  # the first evaluation is the new model's, on the held-out rows
            seen["held_out"] = np.array(features)
        return real_evaluate(pipeline, features, *rest)

    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(printed):
        patch.setattr(train, "select", spy_select)
        patch.setattr(train, "evaluate", spy_evaluate)
        patch.setattr(SimpleImputer, "transform", spy_transform)
        code = main(["--bucket", bucket, "--name", "auto-selected", "--search-iterations", "2", "--cv-folds", "3"])
    store = ModelRegistry(boto3.client("s3"), bucket)
    manifest = store.read_manifest("auto-selected", store.latest_version("auto-selected"))
    return code, printed.getvalue(), manifest, seen


def test_auto_publishes_the_chosen_model_with_its_selection_table(bucket, auto_run):
    code, printed, manifest, _ = auto_run
    assert code == 0
    selection = manifest.training["selection"]
    assert (selection["metric"], selection["folds"], selection["iterations"]) == ("roc_auc", 3, 2)
    assert [c["estimator"] for c in selection["candidates"]] == [
        "logistic_regression", "hist_gradient_boosting", "random_forest"]
    assert manifest.training["estimator"] == selection["chosen"]
    assert "Model selection: roc_auc, 3-fold stratified CV on the 426 training rows" in printed
    for candidate in selection["candidates"]:
        assert candidate["verdict"] in printed
    loaded = load_verified_model(ModelRegistry(boto3.client("s3"), bucket), manifest.name, manifest.version,
                                 manifest.artifact.sha256)
    chosen = next(c for c in selection["candidates"] if c["estimator"] == selection["chosen"])
    params = loaded.pipeline.named_steps["model"].get_params()
    assert {key: params[key] for key in chosen["best_params"]} == chosen["best_params"]


def test_auto_never_shows_the_held_out_rows_to_selection(auto_run):
    _, _, manifest, seen = auto_run
    given, held_out = _rows(seen["given"]), _rows(seen["held_out"])
    assert len(given) == manifest.training["train_rows"] and len(held_out) == manifest.training["test_rows"]
    assert not given & held_out
    during = set().union(*map(_rows, seen["during"]))
    assert during and during <= given


def test_the_model_card_is_published_hash_pinned_with_the_choice_and_the_metrics(bucket, auto_run):
    _, _, manifest, _ = auto_run
    record = manifest.files["model_card"]
    assert (record.file, record.format) == ("model_card.md", "markdown")
    card = ModelRegistry(boto3.client("s3"), bucket).read(manifest.name, manifest.version, "model_card.md")
    assert sha256_hex(card) == record.sha256 and len(card) == record.size_bytes
    text = card.decode()
    assert f"# Model card: auto-selected {manifest.version}" in text
    assert manifest.training["selection"]["reason"] in text
    assert f"| roc_auc | {manifest.metrics['model']['roc_auc']:.4f} | 0.5000 |" in text


def test_a_named_estimator_skips_selection_and_the_card_says_so(bucket, capsys):
    assert main(["--bucket", bucket, "--name", "given", "--estimator", "hist_gradient_boosting"]) == 0
    assert "Model selection" not in capsys.readouterr().out
    store = ModelRegistry(boto3.client("s3"), bucket)
    manifest = store.read_manifest("given", store.latest_version("given"))
    assert manifest.training["selection"] is None
    assert manifest.training["estimator"] == "hist_gradient_boosting"
    card = store.read("given", manifest.version, "model_card.md").decode()
    assert "Estimator given by the user (`--estimator hist_gradient_boosting`)" in card


def test_selection_flags_and_their_defaults():
    defaults = parse_args(["--bucket", "b"])
    # The metrics' defaults depend on the task, known once the data is read (test_train_tasks.py).
    assert (defaults.estimator, defaults.selection_metric, defaults.cv_folds, defaults.search_iterations) == (
        "auto", None, 5, 10)
    chosen = parse_args(["--bucket", "b", "--selection-metric", "log_loss", "--cv-folds", "3",
                         "--search-iterations", "4"])
    assert (chosen.selection_metric, chosen.cv_folds, chosen.search_iterations) == ("log_loss", 3, 4)
    for bad in (["--cv-folds", "1"], ["--search-iterations", "0"], ["--selection-metric", "accuracy"]):
        with pytest.raises(SystemExit) as caught:
            parse_args(["--bucket", "b", *bad])
        assert caught.value.code == 2


def test_more_folds_than_the_smallest_class_has_rows_is_refused(bucket, tmp_path, capsys):
    path = tmp_path / "rare.csv"
    path.write_text("x,y\n" + "".join(f"{i / 2},{int(i % 5 == 0)}\n" for i in range(20)))  # 4 rows of class 1
    assert main(["--bucket", bucket, "--data", str(path), "--target", "y", "--cv-folds", "5"]) == 2
    assert "smallest class has 3 rows in the training split" in capsys.readouterr().err
    assert ModelRegistry(boto3.client("s3"), bucket).list_versions("rare") == []
