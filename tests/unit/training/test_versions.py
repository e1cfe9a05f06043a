from datetime import datetime, timedelta, timezone

from modelops.artifacts.integrity import sha256_hex
from training.versions import is_version, new_version


def test_versions_sort_by_time_and_differ_by_content():
    moment = datetime(2026, 11, 30, 9, 0, 0, tzinfo=timezone.utc)
    first = new_version(sha256_hex(b"a"), moment)
    same_second = new_version(sha256_hex(b"b"), moment)
    later = new_version(sha256_hex(b"a"), moment + timedelta(seconds=1))
    assert first.startswith("20261130T090000Z-")
    assert first != same_second
    assert sorted([later, first]) == [first, later]
    assert all(is_version(v) for v in (first, same_second, later))
    assert not is_version("latest")


def test_sha256_is_the_standard_digest():
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
