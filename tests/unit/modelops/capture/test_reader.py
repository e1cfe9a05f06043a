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
