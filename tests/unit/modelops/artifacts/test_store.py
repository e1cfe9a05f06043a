import boto3
import pytest

from modelops.artifacts.store import ModelStore
from tests.support.manifests import FILES, small_manifest
from training.registry import ModelRegistry


def test_a_pinned_file_is_read_only_when_its_hash_matches(bucket):
    s3 = boto3.client("s3")
    manifest = small_manifest("store-test")
    ModelRegistry(s3, bucket).publish(manifest, FILES)
    store = ModelStore(s3, bucket)
    assert store.read_pinned(manifest, "baseline") == FILES["baseline.json"]
    key = store.key(manifest.name, manifest.version, "baseline.json")
    s3.put_object(Bucket=bucket, Key=key, Body=FILES["baseline.json"] + b" ")
    with pytest.raises(ValueError, match="does not match its published SHA-256"):
        store.read_pinned(manifest, "baseline")
    with pytest.raises(KeyError):
        store.read_pinned(manifest, "no-such-role")
