import boto3
import pytest

from training.registry import ModelRegistry


def test_versions_are_listed_in_order_and_only_once_their_manifest_exists(bucket, published_model):
    s3 = boto3.client("s3")
    store = ModelRegistry(s3, bucket)
    name = "store-test"
    for version in ["20261130T090001Z-bbbbbbbb", "20261130T090000Z-aaaaaaaa"]:
        manifest = published_model.model_copy(update={"name": name, "version": version})
        store.publish(manifest, {"model.joblib": b"bytes"})
    # An upload that never finished: artifact without manifest.
    s3.put_object(Bucket=bucket, Key=f"models/{name}/20261130T090002Z-cccccccc/model.joblib", Body=b"x")
    assert store.list_versions(name) == ["20261130T090000Z-aaaaaaaa", "20261130T090001Z-bbbbbbbb"]
    assert store.latest_version(name) == "20261130T090001Z-bbbbbbbb"
    assert store.read_manifest(name, "20261130T090000Z-aaaaaaaa").version == "20261130T090000Z-aaaaaaaa"
    assert store.latest_version("no-such-model") is None


def test_a_pinned_file_is_read_only_when_its_hash_matches(bucket, published_model):
    s3 = boto3.client("s3")
    store = ModelRegistry(s3, bucket)
    baseline = store.read_pinned(published_model, "baseline")
    assert baseline.startswith(b"{")
    key = store.key(published_model.name, published_model.version, published_model.files["baseline"].file)
    tampered = published_model.model_copy(update={"name": "tampered-store"})
    s3.put_object(Bucket=bucket, Key=store.key("tampered-store", published_model.version, "baseline.json"), Body=baseline + b" ")
    with pytest.raises(ValueError, match="does not match its published SHA-256"):
        store.read_pinned(tampered, "baseline")
    with pytest.raises(KeyError):
        store.read_pinned(published_model, "no-such-role")
    assert s3.get_object(Bucket=bucket, Key=key)["Body"].read() == baseline
