import gzip
import json
from datetime import datetime, timedelta, timezone

import boto3
import pytest

from devtools.local.capture_delivery import capture_lines, deliver_lines
from devtools.local.aws import create_monitoring_bucket
from modelops.capture.reader import CaptureReader, hour_prefixes, parse_time

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)


def record(minutes: float, kind: str = "prediction", **extra) -> str:
    moment = (T0 + timedelta(minutes=minutes)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return json.dumps({"record_type": kind, "time": moment, **extra}, separators=(",", ":"))


@pytest.fixture
def capture_bucket(aws, request):
    return create_monitoring_bucket(f"capture-{request.node.name.replace('_', '-')[:40]}")


def test_hour_prefixes_cover_the_window_and_the_arrival_slack():
    assert hour_prefixes(T0 + timedelta(minutes=30), T0 + timedelta(minutes=50)) == [
        "capture/2026/11/30/10/", "capture/2026/11/30/11/"]  # 10:50 + 15 min slack reaches 11:05
    assert hour_prefixes(T0, T0 + timedelta(minutes=40)) == ["capture/2026/11/30/10/"]


def test_parse_time_accepts_z_and_offsets_and_refuses_the_rest():
    assert parse_time("2026-11-30T10:00:00.000Z") == T0
    assert parse_time("2026-11-30T10:00:00") == T0  # naive: taken as UTC
    assert parse_time("yesterday") is None and parse_time(None) is None and parse_time(5) is None


def test_records_are_kept_by_their_own_time_even_when_they_arrive_in_the_next_hour(capture_bucket):
    s3 = boto3.client("s3")
    deliver_lines(s3, capture_bucket, [record(-1), record(10), record(59.9)], arrival=T0 + timedelta(minutes=59))
    deliver_lines(s3, capture_bucket, [record(59.95), record(60)], arrival=T0 + timedelta(minutes=61))
    reader = CaptureReader(s3, capture_bucket)
    times = [r["time"] for r in reader.records(T0, T0 + timedelta(hours=1))]
    assert times == ["2026-11-30T10:10:00.000Z", "2026-11-30T10:59:54.000Z", "2026-11-30T10:59:57.000Z"]
    assert reader.stats.objects == 2 and reader.stats.lines == 5


def test_malformed_lines_and_corrupt_objects_are_counted_not_raised(capture_bucket):
    s3 = boto3.client("s3")
    lines = [record(1), "not json", "[1, 2]", '{"no_time": 1}', record(2) + record(3), ""]
    deliver_lines(s3, capture_bucket, lines, arrival=T0 + timedelta(minutes=5))
    s3.put_object(Bucket=capture_bucket, Key="capture/2026/11/30/10/corrupt.gz", Body=b"\x1f\x8b" + b"garbage" * 10)
    s3.put_object(Bucket=capture_bucket, Key="capture/2026/11/30/10/plain", Body=(record(4) + "\n").encode())
    reader = CaptureReader(s3, capture_bucket)
    kept = list(reader.records(T0, T0 + timedelta(hours=1)))
    # Two records written back to back without a newline are both recovered.
    assert [r["time"][14:16] for r in kept] == ["01", "02", "03", "04"]
    assert reader.stats.malformed_lines == 3 and reader.stats.unreadable_objects == 1


def test_the_prefilter_skips_lines_without_the_marker_before_parsing(capture_bucket):
    s3 = boto3.client("s3")
    deliver_lines(s3, capture_bucket, [record(1), record(2, kind="feedback"), "garbage"], arrival=T0)
    reader = CaptureReader(s3, capture_bucket)
    kept = list(reader.records(T0, T0 + timedelta(hours=1), contains=b'"record_type":"feedback"'))
    assert [r["record_type"] for r in kept] == ["feedback"] and reader.stats.malformed_lines == 0


def test_local_delivery_selects_exactly_the_capture_records():
    output = "\n".join([record(1), record(2, kind="feedback"), '{"level":"INFO","message":"x"}',
                        '{"_aws":{}}', "START RequestId: 1", record(3, kind="other")])
    assert [json.loads(line)["record_type"] for line in capture_lines(output)] == ["prediction", "feedback"]


def test_delivered_objects_are_gzip_json_lines_under_the_arrival_hour(capture_bucket):
    s3 = boto3.client("s3")
    key = deliver_lines(s3, capture_bucket, [record(1)], arrival=T0 + timedelta(minutes=70))
    assert key.startswith("capture/2026/11/30/11/")
    body = gzip.decompress(s3.get_object(Bucket=capture_bucket, Key=key)["Body"].read())
    assert body.decode() == record(1) + "\n"
    assert deliver_lines(s3, capture_bucket, []) is None


def _same(a, b) -> bool:
    """Equal values of equal types all the way down (1 == 1.0 == True would hide a change)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return a == b or (a != a and b != b)  # NaN


def test_the_fast_decoder_answers_only_where_it_reads_a_line_as_the_json_module_does():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from modelops.capture.reader import _fast_decoded, _objects_in_line

    base = record(1, inputs={"f0": 1.5, "f1": None, "f2": -3}, output={"probabilities": {"0": 0.25, "1": 0.75}})
    pieces = st.sampled_from(["1" * 25, "-" + "9" * 21, "1797693134862315" + "0" * 293, "1e400", "NaN", "Infinity",
                              "\\ud800", "\ufeff", "\x85", "\x0b", " ", "}{", ",", "\"", "01", "-0", "1e-400", "tru",
                              '"feedback"', "\\u0000", "\xff", "null", "[]", '{"a":1,"a":2.5}'])

    @settings(derandomize=True, database=None, deadline=None, max_examples=400,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.lists(st.tuples(st.integers(0, len(base)), st.integers(0, 3), pieces | st.text(max_size=3)), max_size=3))
    def check(edits):
        line = base
        for position, cut, piece in edits:
            line = line[:position] + piece + line[position + cut:]
        raw = line.encode("utf-8", errors="surrogatepass")
        fast = _fast_decoded(raw)
        if fast is not None:
            assert _same([fast], list(_objects_in_line(raw)))

    check()
    assert _fast_decoded(base.encode()) is not None  # the usual line does take the fast path
    for slow in ('{"time":"x","label":' + "1" * 25 + ',"record_type":"feedback"}', '{"x":1e400}', '{"x":1}{"y":2}'):
        assert _fast_decoded(slow.encode()) is None


def test_a_damaged_object_yields_the_lines_before_the_damage_as_reading_line_by_line_did(capture_bucket):
    import io
    import random
    import zlib

    lines = [record(minute / 100, pad="x" * (minute % 700)) for minute in range(3000)]
    data = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1)
    rng = random.Random(3)
    s3 = boto3.client("s3")
    for trial in range(12):
        damaged = bytearray(data)
        if trial % 2:
            damaged = damaged[:rng.randint(10, len(damaged))]
        else:
            damaged[rng.randint(10, len(damaged) - 1)] ^= rng.randint(1, 255)
        recovered = []  # what GzipFile line iteration (the reader before issue 17) recovered
        try:
            recovered.extend(gzip.GzipFile(fileobj=io.BytesIO(bytes(damaged))))
        except (OSError, EOFError, zlib.error):
            pass
        expected = []
        for line in recovered:
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict) and parse_time(value.get("time")):
                expected.append(value["time"])
        key = f"capture/2026/11/30/10/damaged-{trial}.gz"
        s3.put_object(Bucket=capture_bucket, Key=key, Body=bytes(damaged))
        reader = CaptureReader(s3, capture_bucket)
        got = [r["time"] for r in reader.records(T0, T0 + timedelta(hours=1), prefixes=["capture/2026/11/30/10/damaged-" + str(trial)])]
        assert got == expected
        s3.delete_object(Bucket=capture_bucket, Key=key)
