"""The model packaged with the function (artifacts/bundle.py): used only for exactly the pinned
version, verified like S3's copy (a changed byte is refused, never served and never swapped for
S3's), and read without botocore."""
import subprocess
import sys

import boto3
import pytest

from modelops.artifacts.bundle import BUNDLE_FILE, BundlePin, bundled_store, write_bundle
from modelops.artifacts.loader import ModelUnavailable, load_verified_model
from modelops.artifacts.store import MANIFEST_FILE, ModelStore


@pytest.fixture
def bundle(tmp_path, bucket, published_model):
    s3 = ModelStore(boto3.client("s3"), bucket)
    name, version, sha = published_model.name, published_model.version, published_model.artifact.sha256
    write_bundle(tmp_path, BundlePin(name=name, version=version, sha256=sha), s3.read(name, version, MANIFEST_FILE),
                 published_model.artifact.file, s3.read(name, version, published_model.artifact.file))
    return tmp_path, (name, version, sha)


def test_the_pinned_bundle_loads_and_predicts_without_s3(bundle, published_model):
    directory, pin = bundle
    store = bundled_store(directory, *pin)
    assert store is not None
    loaded = load_verified_model(store, *pin)
    assert loaded.manifest == published_model
    assert loaded.pipeline.predict_proba([[0.0] * len(published_model.features)]).shape == (1, 2)


@pytest.mark.parametrize("change", ["version", "sha256", "name"])
def test_a_bundle_of_another_pin_is_not_used(bundle, change):
    directory, (name, version, sha) = bundle
    pin = {"name": name, "version": version, "sha256": sha} | {change: "other"}
    assert bundled_store(directory, **pin) is None  # the function then reads S3


def test_no_bundle_or_a_broken_pin_file_means_s3(tmp_path, bundle):
    _, pin = bundle
    assert bundled_store(tmp_path / "nothing-here", *pin) is None
    (tmp_path / BUNDLE_FILE).write_text("{not json")
    assert bundled_store(tmp_path, *pin) is None


def test_a_changed_byte_in_the_bundle_is_refused_not_served(bundle, published_model):
    directory, pin = bundle
    artifact = directory / published_model.artifact.file
    artifact.write_bytes(artifact.read_bytes()[:-1] + b"x")
    with pytest.raises(ModelUnavailable) as refused:
        load_verified_model(bundled_store(directory, *pin), *pin)
    assert refused.value.reason == "hash_mismatch"


def test_a_file_missing_from_the_bundle_is_named(bundle, published_model):
    directory, pin = bundle
    (directory / published_model.artifact.file).unlink()
    with pytest.raises(ModelUnavailable, match="model/model.joblib is not in the deployment package") as refused:
        load_verified_model(bundled_store(directory, *pin), *pin)
    assert refused.value.reason == "artifact_missing"


def test_loading_a_bundle_imports_no_botocore(bundle):
    directory, pin = bundle
    code = ("import sys; from pathlib import Path; "
            "from modelops.artifacts.bundle import bundled_store; from modelops.artifacts.loader import load_verified_model; "
            "import modelops.platform.aws_clients; "
            f"load_verified_model(bundled_store(Path({str(directory)!r}), *{pin!r}), *{pin!r}); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('botocore', 'boto3')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
