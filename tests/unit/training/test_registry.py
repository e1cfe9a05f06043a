"""Publishing and listing versions (training's side of the model store), with a small manifest."""
import boto3

from tests.support.manifests import FILES, small_manifest
from training.registry import ModelRegistry


def test_versions_are_listed_in_order_and_only_once_their_manifest_exists(bucket):
    s3 = boto3.client("s3")
    store = ModelRegistry(s3, bucket)
    name = "registry-test"
    for version in ["20261130T090001Z-bbbbbbbb", "20261130T090000Z-aaaaaaaa"]:
        store.publish(small_manifest(name, version), FILES)
    # An upload that never finished: artifact without manifest.
    s3.put_object(Bucket=bucket, Key=f"models/{name}/20261130T090002Z-cccccccc/model.joblib", Body=b"x")
    assert store.list_versions(name) == ["20261130T090000Z-aaaaaaaa", "20261130T090001Z-bbbbbbbb"]
    assert store.latest_version(name) == "20261130T090001Z-bbbbbbbb"
    assert store.read_manifest(name, "20261130T090000Z-aaaaaaaa") == small_manifest(name, "20261130T090000Z-aaaaaaaa")
    assert store.latest_version("no-such-model") is None
