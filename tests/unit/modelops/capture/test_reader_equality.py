"""The reader's fast paths read what the reference paths read: the fast inflate (ISA-L, when installed)
every object, whole or damaged, as the standard library's inflate does; the feedback pass's search
for marked lines the lines that splitting every line and testing each would keep."""
import gzip
import json
import random
from datetime import datetime, timedelta, timezone

import pytest

from modelops.capture import reader as reader_module
from modelops.capture.reader import CaptureReader
from tests.support.objects_s3 import ObjectsS3

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
PREFIX = "capture/2026/11/30/10/"


def _line(index: int) -> str:
    moment = (T0 + timedelta(milliseconds=index * 700)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"record_type": "prediction", "time": moment, "n": index, "pad": "x" * (index * 37 % 900)},
                      separators=(",", ":"))


def _read(objects: dict[str, bytes], fast: bool, monkeypatch) -> tuple[list, tuple]:
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(reader_module, "_FastGzipFile", None)
        reader = CaptureReader(ObjectsS3(objects), "bucket")
        records = [record["n"] for record in reader.records(T0, T0 + timedelta(hours=1), prefixes=[PREFIX])]
    stats = reader.stats
    return records, (stats.objects, stats.lines, stats.malformed_lines, stats.unreadable_objects)


def _damaged(rng: random.Random, data: bytes) -> bytes:
    damaged = bytearray(data)
    kind = rng.randrange(4)
    if kind == 0:  # cut short
        return bytes(damaged[:rng.randint(3, len(damaged))])
    if kind == 1:  # bytes flipped
        for _ in range(rng.randint(1, 3)):
            damaged[rng.randrange(10, len(damaged))] ^= rng.randint(1, 255)
        return bytes(damaged)
    if kind == 2:  # trailer damaged (CRC or length): every byte inflates, then the check fails
        damaged[-rng.randint(1, 8)] ^= rng.randint(1, 255)
        return bytes(damaged)
    return bytes(damaged) + rng.choice([b"\x00" * 5, b"garbage", b"\x1f\x8b\x08", gzip.compress(b"")])


@pytest.mark.skipif(reader_module._FastGzipFile is None, reason="isal is not installed: only one inflate to read with")
def test_whole_and_damaged_objects_read_the_same_with_either_inflate(monkeypatch):
    rng = random.Random(17)
    lines = [_line(index) for index in range(4000)]  # ~2 MB: several blocks, several hold-backs
    text = ("\n".join(lines) + "\n").encode()
    whole = gzip.compress(text, compresslevel=1)
    members = gzip.compress(text[:700_001], compresslevel=6) + gzip.compress(text[700_001:], compresslevel=1)
    objects = {f"{PREFIX}whole.gz": whole, f"{PREFIX}members.gz": members}
    for trial in range(60):
        objects[f"{PREFIX}damaged-{trial:02d}.gz"] = _damaged(rng, rng.choice([whole, members]))
    for key, body in objects.items():
        one = {key: body}
        assert _read(one, True, monkeypatch) == _read(one, False, monkeypatch), key
    fast, reference = _read(objects, True, monkeypatch), _read(objects, False, monkeypatch)
    assert fast == reference
    assert reference[1][3] > 20  # most damage is noticed: the unreadable path was exercised
    assert len(reference[0]) > 2 * len(lines)  # and records before the damage are read


def test_the_marked_lines_of_a_block_are_those_splitting_and_testing_every_line_keeps():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from modelops.capture.reader import _complete_lines

    marker = b'"record_type":"feedback"'
    pieces = st.sampled_from([marker, b"\n", b"\n\n", b" ", b'"record_type":"feed', b'back"', b"x" * 5, b"{}", b"\r"])

    @settings(derandomize=True, database=None, deadline=None, max_examples=500)
    @given(st.lists(pieces | st.binary(max_size=4), max_size=30))
    def check(parts):
        data = b"".join(parts)
        lines = data.split(b"\n")
        pending = lines.pop()
        assert _complete_lines(data, marker) == ([line for line in lines if marker in line], pending)
        assert _complete_lines(data, b"") == (lines, pending)

    check()


def test_the_feedback_pass_reads_the_records_a_full_read_keeps_with_the_marker(monkeypatch):
    marker = b'"record_type":"feedback"'
    rng = random.Random(5)
    lines = []
    for index in range(3000):
        moment = (T0 + timedelta(milliseconds=index * 900)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        kind = rng.choice(["prediction"] * 8 + ["feedback", "other"])
        line = json.dumps({"record_type": kind, "time": moment, "n": index, "pad": "y" * rng.randrange(2000)},
                          separators=(",", ":"))
        lines.append(rng.choice([line, line, line, line[:-9], line + line, "", "  ", "not json"]))
    body = "\n".join(lines).encode()  # no newline at the end: the last line is the object's end
    objects = {f"{PREFIX}a.gz": gzip.compress(body), f"{PREFIX}b": body}

    def read(contains: bytes) -> tuple[list, tuple]:
        reader = CaptureReader(ObjectsS3(objects), "bucket")
        records = list(reader.records(T0, T0 + timedelta(hours=1), contains=contains, prefixes=[PREFIX]))
        return records, (reader.stats.objects, reader.stats.malformed_lines, reader.stats.unreadable_objects)

    fast = read(marker)
    with monkeypatch.context() as patch:  # before: every line split off, then tested for the marker
        patch.setattr(reader_module, "_complete_lines", lambda data, contains: _split_lines(data))
        assert read(marker) == fast
    assert [record["n"] for record in fast[0]] == [record["n"] for record in read(b"")[0]
                                                   if record["record_type"] == "feedback"]
    assert len(fast[0]) > 200 and fast[1][1] > 0  # feedback lines cut short are malformed on both paths


def _split_lines(data: bytes) -> tuple[list[bytes], bytes]:
    lines = data.split(b"\n")
    return lines, lines.pop()
