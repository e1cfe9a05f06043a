"""Where model versions live in S3, and how they are written and read.

    s3://BUCKET/models/NAME/VERSION/model.joblib
    s3://BUCKET/models/NAME/VERSION/manifest.json   (written last: a version exists once it has one)
"""
from typing import Any

from modelops.integrity import sha256_hex
from modelops.manifest import Manifest

MANIFEST_FILE = "manifest.json"


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

    def publish(self, manifest: Manifest, files: dict[str, bytes]) -> list[str]:
        """Upload the version's files, then its manifest; returns the keys written."""
        written = []
        for file, data in files.items():
            key = self.key(manifest.name, manifest.version, file)
            self.s3.put_object(Bucket=self.bucket, Key=key, Body=data)
            written.append(key)
        key = self.key(manifest.name, manifest.version, MANIFEST_FILE)
        self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=manifest.to_json(), ContentType="application/json"
        )
        return written + [key]

    def list_versions(self, name: str) -> list[str]:
        """Published versions of a model, oldest first (version ids sort by time)."""
        versions = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=f"models/{name}/", Delimiter="/"):
            for prefix in page.get("CommonPrefixes", []):
                version = prefix["Prefix"].rstrip("/").rsplit("/", 1)[-1]
                if self._has_manifest(name, version):
                    versions.append(version)
        return sorted(versions)

    def latest_version(self, name: str) -> str | None:
        versions = self.list_versions(name)
        return versions[-1] if versions else None

    def _has_manifest(self, name: str, version: str) -> bool:
        listing = self.s3.list_objects_v2(
            Bucket=self.bucket, Prefix=self.key(name, version, MANIFEST_FILE), MaxKeys=1
        )
        return listing.get("KeyCount", 0) > 0
