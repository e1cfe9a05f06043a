"""Prediction ids that carry their own time (UUID version 7, as 32 hex digits).

The first 48 bits are the Unix time in milliseconds. When a label arrives at POST /feedback, the
monitor knows from the id alone which window its prediction belongs to (and so how late the
label is) without any lookup on the request path.
"""
import secrets
import time
from datetime import datetime, timezone

_VERSION = 0x7 << 76
_VARIANT = 0x2 << 62


def new_prediction_id(now_ms: int | None = None) -> str:
    millis = int(time.time() * 1000) if now_ms is None else now_ms
    value = (millis & (2**48 - 1)) << 80 | secrets.randbits(80)
    value = value & ~(0xF << 76) | _VERSION
    value = value & ~(0x3 << 62) | _VARIANT
    return f"{value:032x}"


def prediction_time(prediction_id: str) -> datetime | None:
    """When the prediction was made; None for an id this module did not make."""
    if len(prediction_id) != 32 or prediction_id[12] != "7":
        return None
    try:
        millis = int(prediction_id[:12], 16)
    except ValueError:
        return None
    return datetime.fromtimestamp(millis / 1000, tz=timezone.utc)
