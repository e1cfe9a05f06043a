"""Cutting objects into byte ranges and reading back exactly the lines a range owns.

The rule Hadoop's line reader uses: a chunk [start, end) owns every line whose first byte lies in
it. A reader fetches from start - 1 (to see whether start is itself a line start), skips the
partial line it lands in, and reads past `end` to the end of the last line it owns. Every line is
owned by exactly one chunk, whatever the chunk size, so chunks can be scored in any order and in
parallel. Lines are records: a quoted CSV field that contains a line break is not supported.
"""
from typing import Any, Callable

from modelops.batch.job import Chunk

# Enough to finish the last line of almost any chunk in the first request; longer lines fetch more.
OVERSHOOT = 64 * 1024

Fetch = Callable[[int, int], bytes]  # bytes [first, last_exclusive) of the chunk's object


def cut(size: int, data_start: int, chunk_bytes: int) -> list[tuple[int, int]]:
    """Byte ranges covering [data_start, size) (after a CSV header), each at most chunk_bytes."""
    return [(start, min(start + chunk_bytes, size)) for start in range(data_start, size, chunk_bytes)]


def owned_bytes(fetch: Fetch, chunk: Chunk) -> tuple[int, bytes]:
    """(offset of the first owned line in the object, the owned lines' bytes)."""
    low = chunk.start - 1 if chunk.start > 0 else 0
    data = fetch(low, min(chunk.end + OVERSHOOT, chunk.size))
    begin = 0
    if chunk.start > 0:
        newline = data.find(b"\n")
        if newline == -1 or low + newline + 1 >= chunk.end:
            return chunk.end, b""  # no line starts inside this chunk
        begin = newline + 1
    # The last owned line is the one holding byte end - 1; it ends at the next newline (or EOF).
    search_from = max(chunk.end - 1 - low, begin)
    newline = data.find(b"\n", search_from)
    while newline == -1 and low + len(data) < chunk.size:
        searched = len(data)
        data += fetch(low + len(data), min(low + len(data) + OVERSHOOT, chunk.size))
        newline = data.find(b"\n", searched)
    stop = newline + 1 if newline != -1 else len(data)
    return low + begin, data[begin:stop]


def s3_fetch(s3: Any, chunk: Chunk) -> Fetch:
    """Ranged GETs conditional on the planned ETag (a changed object is a PreconditionFailed)."""
    def fetch(first: int, stop: int) -> bytes:
        if stop <= first:
            return b""
        response = s3.get_object(Bucket=chunk.bucket, Key=chunk.key, Range=f"bytes={first}-{stop - 1}",
                                 IfMatch=chunk.etag)
        return response["Body"].read()
    return fetch


def split_lines(first_offset: int, data: bytes) -> list[tuple[int, bytes]]:
    """(offset in the object, line without its newline) for each line; CRLF endings lose the CR."""
    if not data:
        return []
    lines, offset = [], first_offset
    for line in data.split(b"\n"):
        length = len(line) + 1
        if line.endswith(b"\r"):
            line = line[:-1]
        lines.append((offset, line))
        offset += length
    if lines and lines[-1][1] == b"" and data.endswith(b"\n"):
        lines.pop()  # the split's empty tail after the final newline is not a line
    return lines
