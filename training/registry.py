"""Writing and listing model versions: what training does with the store, and serving never needs
(the shipped layer holds only modelops.artifacts.store's reading side)."""
from modelops.artifacts.manifest import Manifest
from modelops.artifacts.store import MANIFEST_FILE, ModelStore


class ModelRegistry(ModelStore):
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
