"""The training command end to end, publishing into the moto server."""
import csv
import json

import boto3
import pytest

from modelops.integrity import sha256_hex
from modelops.model_store import ModelStore
from training.data import load_bundled
from training.train import main


def test_published_version_has_a_complete_manifest_and_the_hashed_artifact(bucket, published_model):
    manifest = published_model
    store = ModelStore(boto3.client("s3"), bucket)
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
    assert main(["--bucket", bucket, "--name", "printed"]) == 0
    out = capsys.readouterr().out
    store = ModelStore(boto3.client("s3"), bucket)
    manifest = store.read_manifest("printed", store.latest_version("printed"))
    assert (
        f"sam deploy --parameter-overrides ModelName=printed ModelVersion={manifest.version} "
        f"ModelSha256={manifest.artifact.sha256}"
    ) in out


def test_a_weak_model_is_refused_and_nothing_is_published(bucket, capsys):
    assert main(["--bucket", bucket, "--name", "weak", "--min-score", "0.99999"]) == 2
    assert "below the threshold" in capsys.readouterr().err
    assert ModelStore(boto3.client("s3"), bucket).list_versions("weak") == []


def test_force_publishes_a_refused_model_and_records_why(bucket):
    assert main(["--bucket", bucket, "--name", "forced", "--min-score", "0.99999", "--force"]) == 0
    store = ModelStore(boto3.client("s3"), bucket)
    gate = store.read_manifest("forced", store.latest_version("forced")).metrics["gate"]
    assert gate["passed"] is False and "below the threshold" in gate["reasons"][0]


def test_a_model_worse_than_the_published_one_is_refused(bucket, published_model, capsys):
    # On the same held-out rows the random forest scores below the published logistic regression.
    code = main(["--bucket", bucket, "--name", published_model.name, "--estimator", "random_forest"])
    assert code == 2
    err = capsys.readouterr().err
    assert f"worse than published version {published_model.version}" in err
    assert ModelStore(boto3.client("s3"), bucket).latest_version(published_model.name) == published_model.version


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
    assert main(["--bucket", bucket, "--data", str(path), "--target", "diagnosis"]) == 0
    store = ModelStore(boto3.client("s3"), bucket)
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
