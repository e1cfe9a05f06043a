import json

import boto3
import pytest

from modelops.platform.aws_clients import client
from modelops.artifacts.integrity import sha256_hex
from modelops.artifacts.loader import ModelUnavailable, load_verified_model
from training.registry import ModelRegistry


@pytest.fixture
def store(bucket):
    return ModelRegistry(boto3.client("s3"), bucket)


def copy_version(store, manifest, version, artifact=None, manifest_changes=None):
    """Publish a variant of a real version, to tamper with it."""
    data = store.read(manifest.name, manifest.version, "model.joblib") if artifact is None else artifact
    variant = manifest.model_copy(update={"name": "tampered", "version": version, **(manifest_changes or {})})
    store.publish(variant, {"model.joblib": data})
    return variant


def reason(store, name, version, sha):
    with pytest.raises(ModelUnavailable) as caught:
        load_verified_model(store, name, version, sha)
    return caught.value.reason


def test_a_published_version_loads_and_predicts(store, published_model):
    loaded = load_verified_model(store, published_model.name, published_model.version, published_model.artifact.sha256)
    assert loaded.manifest == published_model
    assert loaded.pipeline.predict_proba([[0.0] * len(published_model.features)]).shape == (1, 2)
    assert loaded.load_seconds > 0


def test_no_version_deployed(store, published_model):
    assert reason(store, published_model.name, "", "") == "not_configured"


def test_version_without_pinned_hash(store, published_model):
    assert reason(store, published_model.name, published_model.version, "") == "hash_not_pinned"


def test_missing_version(store, published_model):
    assert reason(store, published_model.name, "20200101T000000Z-00000000", "0" * 64) == "manifest_missing"


def test_pinned_hash_differs_from_manifest(store, published_model):
    assert reason(store, published_model.name, published_model.version, "f" * 64) == "hash_mismatch"


def test_tampered_artifact_is_never_unpickled(store, published_model):
    tampered = copy_version(store, published_model, "20261130T100000Z-11111111", artifact=b"not the model")
    # The manifest still claims the original hash, and so does the deploy.
    assert reason(store, tampered.name, tampered.version, published_model.artifact.sha256) == "hash_mismatch"


def test_corrupt_artifact_with_matching_hash(store, published_model):
    junk = b"\x80\x04junk that is not a pickle"
    record = published_model.artifact.model_copy(update={"sha256": sha256_hex(junk), "size_bytes": len(junk)})
    corrupt = copy_version(store, published_model, "20261130T100001Z-22222222", junk, {"artifact": record})
    assert reason(store, corrupt.name, corrupt.version, sha256_hex(junk)) == "artifact_corrupt"


def test_library_version_skew_refuses_to_load(store, published_model):
    old = published_model.libraries.model_copy(update={"scikit_learn": "1.0.2"})
    skewed = copy_version(store, published_model, "20261130T100002Z-33333333", manifest_changes={"libraries": old})
    assert reason(store, skewed.name, skewed.version, published_model.artifact.sha256) == "library_mismatch"


def test_invalid_manifest(store, published_model, bucket):
    version = "20261130T100003Z-44444444"
    boto3.client("s3").put_object(
        Bucket=bucket, Key=f"models/tampered/{version}/manifest.json", Body=json.dumps({"name": 1})
    )
    assert reason(store, "tampered", version, published_model.artifact.sha256) == "manifest_invalid"


def test_unreachable_s3(published_model, monkeypatch):
    with monkeypatch.context() as patch:
        patch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
        patch.setenv("AWS_MAX_ATTEMPTS", "1")
        client.cache_clear()
        try:
            unreachable = ModelRegistry(client("s3"), "any-bucket")
            assert reason(unreachable, published_model.name, published_model.version, published_model.artifact.sha256) == "storage_unreachable"
        finally:
            client.cache_clear()
