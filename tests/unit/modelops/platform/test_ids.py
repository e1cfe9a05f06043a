import uuid
from datetime import datetime, timezone

from modelops.platform.ids import new_prediction_id, new_prediction_ids, prediction_time


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
