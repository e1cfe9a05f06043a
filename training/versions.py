"""Model version ids: sortable by creation time, unique by content."""
import re
from datetime import datetime, timezone

VERSION_PATTERN = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{8}$")


def new_version(artifact_sha256: str, now: datetime | None = None) -> str:
    """`20261130T043100Z-1a2b3c4d`: UTC time, then the artifact hash prefix.

    Two trainings in the same second give different ids unless they made the same bytes, and
    lexical order is creation order, so "the latest version" is simply the largest id.
    """
    moment = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    return f"{moment:%Y%m%dT%H%M%SZ}-{artifact_sha256[:8]}"


def is_version(text: str) -> bool:
    return bool(VERSION_PATTERN.match(text))
