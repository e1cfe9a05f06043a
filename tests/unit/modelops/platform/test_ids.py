import re
import uuid
from datetime import datetime, timezone

from modelops.platform.ids import PREDICTION_ID_PATTERN, new_prediction_id, new_prediction_ids, prediction_time


def test_ids_are_uuid7_hex_and_carry_their_time_to_the_millisecond():
    moment = datetime(2026, 11, 30, 9, 15, 42, 123000, tzinfo=timezone.utc)
    identifier = new_prediction_id(int(moment.timestamp() * 1000))
    parsed = uuid.UUID(hex=identifier)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122 and parsed.hex == identifier
    assert prediction_time(identifier) == moment


def test_ids_are_unique_and_sort_by_time():
    ids = [new_prediction_id(1_000 + index // 10) for index in range(1000)]
    assert len(set(ids)) == 1000
    assert [prediction_time(i) for i in ids] == sorted(prediction_time(i) for i in ids)


def test_ids_not_made_here_have_no_time():
    assert prediction_time(uuid.uuid4().hex) is None
    assert prediction_time("z" * 32) is None
    assert prediction_time("abc") is None


def test_a_batch_of_ids_shares_its_moment_and_each_is_a_distinct_uuid7():
    moment = datetime(2026, 11, 30, 9, 15, 42, 5000, tzinfo=timezone.utc)
    ids = new_prediction_ids(500, int(moment.timestamp() * 1000))
    assert len(set(ids)) == 500
    for identifier in ids:
        parsed = uuid.UUID(hex=identifier)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        assert prediction_time(identifier) == moment
    assert new_prediction_ids(0) == []


def test_derived_ids_are_stable_distinct_and_carry_the_time():
    from modelops.platform.ids import derived_prediction_ids, prediction_time

    offsets = list(range(0, 50_000, 7))
    first = derived_prediction_ids(b"job\0key", offsets, 1_764_849_600_000)
    assert first == derived_prediction_ids(b"job\0key", offsets, 1_764_849_600_000)
    assert len(set(first)) == len(offsets)
    assert not set(first) & set(derived_prediction_ids(b"job\0other", offsets, 1_764_849_600_000))
    assert all(re.fullmatch(PREDICTION_ID_PATTERN, value) for value in first)
    assert prediction_time(first[0]).timestamp() == 1_764_849_600


def test_derived_ids_are_exactly_the_per_row_form_whatever_the_carry():
    """The vectorised ids equal _as_id of (hash + offset) mod 2**80 row by row, including a hash
    whose low 64 bits overflow into the high 16 (and those wrapping past 2**80)."""
    import random

    from modelops.platform.ids import _as_id, _derived

    rng = random.Random(16)
    for _ in range(300):
        base = rng.choice([0, 2**80 - 1, 2**64 - 1, 2**64 - 3, 2**80 - 2**64, 2**76 - 1, rng.getrandbits(80)])
        offsets = [rng.choice([0, 1, 2, 2**63 - 1, rng.getrandbits(rng.randint(1, 63))]) for _ in range(rng.randint(1, 40))]
        millis = rng.getrandbits(48)
        assert _derived(base, offsets, millis) == [_as_id(millis, ((base + o) % 2**80).to_bytes(10)) for o in offsets]
    assert _derived(5, [], 1) == []
