"""Every line is owned by exactly one chunk, whatever the chunk size and line endings."""
import random

import pytest

from modelops.batch.chunks import OVERSHOOT, cut, owned_bytes, split_lines
from modelops.batch.job import Chunk


def _chunk(size: int, start: int, end: int) -> Chunk:
    return Chunk(bucket="b", key="k", source="k", etag='"e"', size=size, start=start, end=end, format="jsonl")


def _owned_lines(data: bytes, data_start: int, chunk_bytes: int) -> list[tuple[int, bytes]]:
    fetches = []

    def fetch(first: int, stop: int) -> bytes:
        fetches.append((first, stop))
        return data[first:stop]

    lines = []
    for start, end in cut(len(data), data_start, chunk_bytes):
        first, owned = owned_bytes(fetch, _chunk(len(data), start, end))
        lines += split_lines(first, owned)
    return lines


def _expected(data: bytes, data_start: int) -> list[tuple[int, bytes]]:
    return split_lines(data_start, data[data_start:])


@pytest.mark.parametrize("seed", range(40))
def test_each_line_is_read_once_at_its_offset(seed):
    rng = random.Random(seed)
    ending = rng.choice([b"\n", b"\r\n"])
    lines = [bytes(rng.choice(b"abc,;0123456789") for _ in range(rng.choice([0, 1, 5, 40, 300])))
             for _ in range(rng.randint(1, 60))]
    data = ending.join(lines) + (ending if rng.random() < 0.5 else b"")
    header = rng.choice([0, len(lines[0]) + len(ending)]) if len(lines) > 1 else 0
    for chunk_bytes in (1, 2, 3, 7, 64, 1000, len(data) + 5):
        assert _owned_lines(data, header, chunk_bytes) == _expected(data, header), chunk_bytes


def test_offsets_point_at_the_lines_in_the_object():
    data = b"a,b\n1,2\r\n3,4\n\n5,6"
    for offset, line in _owned_lines(data, 4, 3):
        assert data[offset:offset + len(line)] == line


def test_a_line_longer_than_the_overshoot_is_read_whole():
    long_line = b"x" * (3 * OVERSHOOT)
    data = b"1\n" + long_line + b"\n2\n"
    assert [line for _, line in _owned_lines(data, 0, 1024)] == [b"1", long_line, b"2"]


def test_cut_covers_the_rows_after_the_header_without_gaps():
    assert cut(10, 3, 4) == [(3, 7), (7, 10)]
    assert cut(3, 3, 4) == []
