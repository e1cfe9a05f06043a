"""Prediction ids that carry their own time (UUID version 7, as 32 hex digits).

The first 48 bits are the Unix time in milliseconds. When a label arrives at POST /feedback, the
monitor knows from the id alone which window its prediction belongs to (and so how late the
label is) without any lookup on the request path.
"""
import secrets
from hashlib import blake2b
import time
from datetime import datetime, timezone

# What an id looks like on the wire (the API's request and response models use it).
PREDICTION_ID_PATTERN = r"^[0-9a-f]{32}$"
_VERSION = 0x7 << 76
_VARIANT = 0x2 << 62


def new_prediction_id(now_ms: int | None = None) -> str:
    return new_prediction_ids(1, now_ms)[0]


def new_prediction_ids(count: int, now_ms: int | None = None) -> list[str]:
    """`count` ids of one moment: one clock read and one draw of randomness for a whole batch."""
    millis = (int(time.time() * 1000) if now_ms is None else now_ms) & (2**48 - 1)
    randomness = secrets.token_bytes(10 * count)
    return [_as_id(millis, randomness[start:start + 10]) for start in range(0, 10 * count, 10)]


def _as_id(millis: int, random_bytes: bytes) -> str:
    value = millis << 80 | int.from_bytes(random_bytes)
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


def derived_prediction_ids(seed: bytes, offsets: list[int], now_ms: int) -> list[str]:
    """Ids of the same form whose random bits are a hash of `seed` plus each row's offset: scoring
    the same rows again in the same job (a retried batch chunk) gives the same ids, so nothing is
    duplicated. One hash per chunk, not per row; distinct offsets give distinct ids."""
    return _derived(int.from_bytes(blake2b(seed, digest_size=10).digest()), offsets, now_ms & (2**48 - 1))


def _derived(base: int, offsets: list[int], millis: int) -> list[str]:
    """_as_id(millis, (base + offset) mod 2**80) for each offset, in numpy rather than a Python
    int per row (a batch chunk has 10**5 rows): the low 64 bits add with their carry into the high
    16, and the hex digits come from one lookup. Offsets outside [0, 2**63) take the per-row form."""
    import numpy as np  # here, not at the top: the API's feedback path imports this module and never needs it

    if not offsets or min(offsets) < 0 or max(offsets) >= 2**63:
        return [_as_id(millis, ((base + offset) % 2**80).to_bytes(10)) for offset in offsets]
    added = np.asarray(offsets, dtype=np.uint64)
    low = added + np.uint64(base & (2**64 - 1))  # wraps modulo 2**64, as uint64 does
    high = np.uint64(base >> 64) + (low < added)  # plus the carry; its top nibble becomes the version
    low = low & ~np.uint64(0x3 << 62) | np.uint64(_VARIANT)
    # Big-endian bytes, each two hex digits: 16 of the high part (its first, the version, replaced) and 16 of the low.
    raw = np.empty((len(added), 10), dtype=np.uint8)
    raw[:, :2] = high.astype(np.uint16).astype(">u2").view(np.uint8).reshape(-1, 2)
    raw[:, 2:] = low.astype(">u8").view(np.uint8).reshape(-1, 8)
    digits = np.empty((len(added), 32), dtype=np.uint8)
    digits[:, :12] = np.frombuffer(f"{millis:012x}".encode(), dtype=np.uint8)
    digits[:, 12:32:2] = raw >> 4
    digits[:, 13:32:2] = raw & 0xF
    digits[:, 12:] = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[digits[:, 12:]]
    digits[:, 12] = ord("7")  # the version nibble
    text = digits.tobytes().decode("ascii")
    return [text[start:start + 32] for start in range(0, len(text), 32)]
