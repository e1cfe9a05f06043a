"""Content hashes for artifacts: what the manifest records and the deploy pins."""
import hashlib


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
