"""Stream capture records back from S3, one at a time, in constant memory.

Firehose writes gzip objects of JSON lines under capture/YYYY/MM/DD/HH/, the hour being when the
batch *arrived*, which is up to a buffer interval plus log delivery after the record's own time.
So a window [start, end) reads the hour prefixes from start's hour to (end + ARRIVAL_SLACK)'s
and keeps the records whose own "time" falls inside; a record is never lost across an hour line.
Objects are decompressed and split as they stream: nothing holds a whole object, let alone a
window. Bad input is counted, never raised: a corrupt object (`unreadable_objects`) or a line that
is not a JSON object (`malformed_lines`).

Speed (issue 17: the monitor reads each window twice, so this is most of its time): objects are
inflated by ISA-L when python-isal is installed (~2.7x zlib; a damaged object still yields what
the standard library's inflate yields: `_fast_blocks`) and split into lines a block at a time (not
a Python readline per line). A pass that only wants lines holding a marker (the feedback pass)
searches each block for it instead of splitting every line (`_complete_lines`). A line is parsed
by the caller's typed decoder when it answers (the prediction pass: monitoring/typed.py), else
with orjson when orjson can answer for the json module: strict JSON of one value, the only kind
our writers produce. (Fetching and decompressing in a second thread was tried: no gain measured
on 2 cores, the GIL hands the thread too little time.) Everything else, and the few lines where
the decoders could disagree (`_fast_decoded`), takes the json module's path, which is what
decides; tests check that every fast path gives the same records on mutated lines and objects.
"""
import gzip
import json
import zlib
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

import orjson

try:  # ISA-L's inflate: ~2.7x zlib's here, the same bytes out (python-isal, pinned in the layer)
    from isal.igzip import GzipFile as _FastGzipFile
    from isal.isal_zlib import error as _IsalError
except ImportError:  # not installed: the standard library's alone, as before
    _FastGzipFile = None
    _IsalError = zlib.error

CAPTURE_PREFIX = "capture/"
ARRIVAL_SLACK = timedelta(minutes=15)
_DECODER = json.JSONDecoder()
# Decompressed bytes split into lines at a time (a few hundred records).
BLOCK_BYTES = 1 << 18
# What the fast inflate keeps back from the lines until more follows: two of the reference path's
# decompression steps, more than it can lose to a damaged object's last step (`_fast_blocks`).
HOLDBACK_BYTES = 2 * BLOCK_BYTES
# orjson reads an integer literal beyond 64 bits as the nearest float where json keeps the int.
# The two only lead to different records in two places: a feedback label (an int is a label, a
# float is refused), and an input within half a float ulp above the largest float (json's int is
# refused as too large, orjson's float is the largest float). Such an input starts with these
# digits; feedback records are re-read with json (they are ~1% of lines and never the hot path).
NEAR_FLOAT_MAX = b"1797693134862315"
_FEEDBACK = "feedback"
# An object that cannot be read (bad gzip, truncated) is counted and skipped, as before.
UNREADABLE = (OSError, EOFError, zlib.error, _IsalError)


def hour_prefixes(start: datetime, end: datetime, prefix: str = CAPTURE_PREFIX) -> list[str]:
    hour = start.astimezone(timezone.utc).replace(minute=0, second=0, microsecond=0)
    last = (end + ARRIVAL_SLACK).astimezone(timezone.utc)
    prefixes = []
    while hour <= last:
        prefixes.append(f"{prefix}{hour:%Y/%m/%d/%H}/")
        hour += timedelta(hours=1)
    return prefixes


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _objects_in_line(line: bytes) -> Iterator[Any]:
    """Usually one JSON value per line; several back to back if a writer left out newlines."""
    text = line.decode("utf-8", errors="replace").strip()
    position = 0
    while position < len(text):
        value, position = _DECODER.raw_decode(text, position)
        yield value
        while position < len(text) and text[position].isspace():
            position += 1


@dataclass
class ReadStats:
    objects: int = 0
    unreadable_objects: int = 0
    lines: int = 0  # lines read (with `contains`: only those holding it)
    malformed_lines: int = 0


class CaptureReader:
    def __init__(self, s3: Any, bucket: str, prefix: str = CAPTURE_PREFIX):
        self.s3 = s3
        self.bucket = bucket
        self.prefix = prefix
        self.stats = ReadStats()

    def keys(self, start: datetime, end: datetime, prefixes: list[str] | None = None) -> Iterator[str]:
        """Keys under the window's hour prefixes, or only under `prefixes` (a share of them: the
        monitor's backfill reads each hour in a child of its own, monitoring/backfill)."""
        return (key for key, _ in self.objects(start, end, prefixes))

    def objects(self, start: datetime, end: datetime, prefixes: list[str] | None = None) -> Iterator[tuple[str, int]]:
        """`keys` with each object's size in bytes (monitoring/workers.py shares a window by bytes)."""
        paginator = self.s3.get_paginator("list_objects_v2")
        for hour in hour_prefixes(start, end, self.prefix) if prefixes is None else prefixes:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=hour):
                for item in page.get("Contents", []):
                    yield item["Key"], item.get("Size", 0)

    def _blocks(self, key: str) -> Iterator[bytes]:
        """The object's decompressed bytes, a block at a time (gzip sniffed by its magic bytes)."""
        stream, gzipped = self._opened(key)
        if not gzipped:
            while block := stream.read(BLOCK_BYTES):
                yield block
        elif _FastGzipFile is None:
            yield from _reference_blocks(stream)
        else:
            yield from self._fast_blocks(key, stream)

    def _opened(self, key: str) -> tuple["_Prefixed", bool]:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        head = body.read(2)
        return _Prefixed(head, body), head == b"\x1f\x8b"

    def _fast_blocks(self, key: str, stream: "_Prefixed") -> Iterator[bytes]:
        """`_reference_blocks`' bytes, inflated by ISA-L. How much of a *damaged* object is read
        is the standard library's answer: ISA-L may stop at other points, so it holds back
        HOLDBACK_BYTES (more than the reference path can lose to the damage), and on an error
        the object is read again the reference way, from where this left off."""
        held: deque[bytes] = deque()
        held_bytes = sent = 0
        try:
            read = _FastGzipFile(fileobj=stream).read1
            while block := read(BLOCK_BYTES):
                held.append(block)
                held_bytes += len(block)
                while held_bytes - len(held[0]) >= HOLDBACK_BYTES:
                    out = held.popleft()
                    held_bytes -= len(out)
                    sent += len(out)
                    yield out
        except UNREADABLE:
            yield from _skipped(_reference_blocks(self._opened(key)[0]), sent)  # raises where it fails
            return
        yield from held

    def _fetched(self, keys: Iterator[str]) -> Iterator[tuple[bytes | None, BaseException | None]]:
        """Per object: (None, None) when it starts, (block, None) for its data, then (b"", None)
        at its end or (None, error) if it turned out unreadable."""
        for key in keys:
            yield None, None
            try:
                for block in self._blocks(key):
                    yield block, None
            except UNREADABLE as error:
                yield None, error
            else:
                yield b"", None

    def records(self, start: datetime, end: datetime, contains: bytes = b"",
                prefixes: list[str] | None = None, keys: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """Records with start <= time < end (under `prefixes` only, if given: see `keys`; or in
        exactly the objects `keys`, in that order: a worker's share, monitoring/workers.py).
        `contains` skips lines without it before parsing (cheap pre-filter: a pass that only
        needs feedback need not parse every prediction)."""
        for batch in self.batches(start, end, contains, prefixes, keys=keys):
            yield from batch

    def batches(self, start: datetime, end: datetime, contains: bytes = b"",
                prefixes: list[str] | None = None, typed: Callable[[bytes], Any] | None = None,
                keys: list[str] | None = None) -> Iterator[list[Any]]:
        """`records`, a block's worth (a few hundred) at a time, in the same order: for consumers
        that take records in bulk (`WindowAccumulator.add_many`). `typed`: a decoder tried on each
        line first; what it returns (an object with a `time` string) stands for the line's record.
        It must answer only where the exact path would read one record with the same values, and
        None otherwise (monitoring/typed.py: a valid prediction of the monitored version)."""
        pending = b""
        for block, error in self._fetched(iter(keys) if keys is not None else self.keys(start, end, prefixes)):
            if error is not None:  # the line cut short by the damage is lost, as it was line by line
                self.stats.unreadable_objects += 1
                pending = b""
            elif block is None:
                self.stats.objects += 1
            elif block:
                # The unfinished last line's rest comes with the next block.
                lines, pending = _complete_lines(pending + block, contains)
                if batch := self._records_in(lines, start, end, contains, typed):
                    yield batch
            elif pending:  # the object's end: its last line had no newline
                lines, pending = [pending], b""
                if batch := self._records_in(lines, start, end, contains, typed):
                    yield batch

    def _records_in(self, lines: list[bytes], start: datetime, end: datetime, contains: bytes,
                    typed: Callable[[bytes], Any] | None) -> list[Any]:
        records = []
        for line in lines:
            if not line or line.isspace():  # what line.strip() leaves empty
                continue
            self.stats.lines += 1
            if contains and contains not in line:
                continue
            if typed is not None and (answer := typed(line)) is not None:
                moment = parse_time(answer.time)
                if moment is not None:  # (else the exact path counts the line as malformed)
                    if start <= moment < end:
                        records.append(answer)
                    continue
            value = _fast_decoded(line)
            if value is None:  # orjson could not answer for json: the exact path decides
                records.extend(self._parse(line, start, end))
                continue
            moment = parse_time(value.get("time"))
            if moment is None:
                self.stats.malformed_lines += 1
            elif start <= moment < end:
                records.append(value)
        return records

    def _parse(self, line: bytes, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        try:
            values = list(_objects_in_line(line))
        except ValueError:
            self.stats.malformed_lines += 1
            return
        for value in values:
            moment = parse_time(value.get("time")) if isinstance(value, dict) else None
            if moment is None:
                self.stats.malformed_lines += 1
            elif start <= moment < end:
                yield value


def _complete_lines(data: bytes, contains: bytes) -> tuple[list[bytes], bytes]:
    """The complete lines of `data` and its unfinished last line. With `contains`, only the lines
    holding it, found by searching the block for it: a feedback pass (~1% of lines) then does not
    split or look at every prediction line in Python."""
    if not contains:
        lines = data.split(b"\n")
        return lines, lines.pop()
    last = data.rfind(b"\n")
    if last < 0:
        return [], data
    lines = []
    hit = data.find(contains, 0, last)  # `contains` holds no newline: a hit lies within one line
    while hit >= 0:
        begin, finish = data.rfind(b"\n", 0, hit) + 1, data.find(b"\n", hit)
        lines.append(data[begin:finish])
        hit = data.find(contains, finish + 1, last)
    return lines, data[last + 1:]


def _reference_blocks(stream: Any) -> Iterator[bytes]:
    """The standard library's inflate. read1: one decompression step per block, so a damaged object
    yields the same lines before the damage as reading it line by line did (tests/unit/modelops/capture)."""
    read = gzip.GzipFile(fileobj=stream).read1
    while block := read(BLOCK_BYTES):
        yield block


def _skipped(blocks: Iterator[bytes], count: int) -> Iterator[bytes]:
    """`blocks` without their first `count` bytes."""
    for block in blocks:
        if count >= len(block):
            count -= len(block)
            continue
        yield block[count:] if count else block
        count = 0


def _fast_decoded(line: bytes) -> dict[str, Any] | None:
    """The line's one JSON object as `_objects_in_line` would read it, or None when only the json
    module's path can say what the line holds (not strict JSON of one object, several objects, or
    a case where orjson's reading differs: see NEAR_FLOAT_MAX)."""
    if NEAR_FLOAT_MAX in line:
        return None
    try:
        value = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    if type(value) is not dict or value.get("record_type") == _FEEDBACK:
        return None
    return value


class _Prefixed:
    """A stream with bytes already read put back in front (to sniff gzip without seeking)."""

    def __init__(self, head: bytes, body: Any):
        self._head = head
        self._body = body

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            data, self._head = self._head + self._body.read(), b""
            return data
        if not self._head:
            return self._body.read(size)
        data, self._head = self._head[:size], self._head[size:]
        return data + self._body.read(size - len(data)) if len(data) < size else data

    def readinto(self, buffer: Any) -> int:
        """What isal's GzipFile reads with (the standard library's calls `read`)."""
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)
