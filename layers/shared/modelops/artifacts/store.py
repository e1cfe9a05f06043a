"""Where model versions live in S3, and how they are read (training/registry.py writes them).

    s3://BUCKET/models/NAME/VERSION/model.joblib
    s3://BUCKET/models/NAME/VERSION/manifest.json   (written last: a version exists once it has one)
"""
from typing import Any

from modelops.artifacts.integrity import sha256_hex
from modelops.artifacts.manifest import Manifest

MANIFEST_FILE = "manifest.json"
# What S3 answers for an object (or version) that does not exist, as opposed to a fault.
MISSING_OBJECT_CODES = {"NoSuchKey", "404", "NotFound"}


def version_prefix(name: str, version: str) -> str:
    return f"models/{name}/{version}/"


class ModelStore:
    def __init__(self, s3: Any, bucket: str):
        self.s3 = s3
        self.bucket = bucket

    def key(self, name: str, version: str, file: str) -> str:
        return version_prefix(name, version) + file

    def read(self, name: str, version: str, file: str) -> bytes:
        response = self.s3.get_object(Bucket=self.bucket, Key=self.key(name, version, file))
        return response["Body"].read()

    def read_manifest(self, name: str, version: str) -> Manifest:
        return Manifest.from_json(self.read(name, version, MANIFEST_FILE))

    def read_pinned(self, manifest: Manifest, role: str) -> bytes:
        """One of the version's other files (manifest.files[role]), refused unless its hash matches.
        KeyError: the version has no such file; ValueError: its bytes are not the published ones."""
        record = manifest.files[role]
        data = self.read(manifest.name, manifest.version, record.file)
        if sha256_hex(data) != record.sha256:
            raise ValueError(f"{record.file} of {manifest.name}/{manifest.version} does not match its published SHA-256")
        return data
