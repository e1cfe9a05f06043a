"""Stream capture records back from S3, one at a time, in constant memory.

Firehose writes gzip objects of JSON lines under capture/YYYY/MM/DD/HH/, the hour being when the
batch *arrived*, which is up to a buffer interval plus log delivery after the record's own time.
So a window [start, end) reads the hour prefixes from start's hour to (end + ARRIVAL_SLACK)'s
and keeps the records whose own "time" falls inside; a record is never lost across an hour line.
Objects are decompressed and split as they stream: nothing holds a whole object, let alone a
window. Bad input is counted, never raised: a corrupt object (`unreadable_objects`) or a line that
is not a JSON object (`malformed_lines`).
"""
import gzip
import json
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

CAPTURE_PREFIX = "capture/"
ARRIVAL_SLACK = timedelta(minutes=15)
_DECODER = json.JSONDecoder()


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
    lines: int = 0
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
        paginator = self.s3.get_paginator("list_objects_v2")
        for hour in hour_prefixes(start, end, self.prefix) if prefixes is None else prefixes:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=hour):
                for item in page.get("Contents", []):
                    yield item["Key"]

    def _lines(self, key: str) -> Iterator[bytes]:
        body = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        head = body.read(2)
        stream = _Prefixed(head, body)
        return iter(gzip.GzipFile(fileobj=stream) if head == b"\x1f\x8b" else stream.lines())

    def records(self, start: datetime, end: datetime, contains: bytes = b"",
                prefixes: list[str] | None = None) -> Iterator[dict[str, Any]]:
        """Records with start <= time < end (under `prefixes` only, if given: see `keys`).
        `contains` skips lines without it before parsing (cheap pre-filter: a pass that only
        needs feedback need not parse every prediction)."""
        for key in self.keys(start, end, prefixes):
            self.stats.objects += 1
            try:
                for line in self._lines(key):
                    if not line.strip():
                        continue
                    self.stats.lines += 1
                    if contains and contains not in line:
                        continue
                    yield from self._parse(line, start, end)
            except (OSError, EOFError, zlib.error):
                self.stats.unreadable_objects += 1

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

    def lines(self) -> Iterator[bytes]:
        pending = b""
        while chunk := self.read(1 << 16):
            pending += chunk
            *complete, pending = pending.split(b"\n")
            yield from complete
        if pending:
            yield pending
