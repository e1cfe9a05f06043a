import boto3

from modelops.model_store import ModelStore


def test_versions_are_listed_in_order_and_only_once_their_manifest_exists(bucket, published_model):
    s3 = boto3.client("s3")
    store = ModelStore(s3, bucket)
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
