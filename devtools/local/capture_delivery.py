"""Locally, what the template's log subscription filter and Firehose stream do in AWS.

In AWS the inference function's log lines go to CloudWatch Logs; the subscription filter keeps
the capture records (capture.FILTER_PATTERN) and Firehose writes them, gzip JSON lines, under
capture/YYYY/MM/DD/HH/ of the monitoring bucket (HH: arrival hour). Here the function's stdout
is captured in-process and this module does the selection and the write into the moto server,
so the monitor reads exactly the objects it reads in AWS.
"""
import gzip
import json
import uuid
from datetime import datetime, timezone
from typing import Any

from modelops.capture.records import FEEDBACK, PREDICTION
from modelops.capture.reader import CAPTURE_PREFIX


def capture_lines(log_output: str) -> list[str]:
    """The lines FILTER_PATTERN matches: JSON objects whose record_type is prediction or feedback."""
    selected = []
    for line in log_output.splitlines():
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict) and value.get("record_type") in (PREDICTION, FEEDBACK):
            selected.append(line)
    return selected


def deliver_lines(s3: Any, bucket: str, lines: list[str], arrival: datetime | None = None) -> str | None:
    """One Firehose object (newline-delimited messages, gzip) at the arrival hour's prefix."""
    if not lines:
        return None
    moment = (arrival or datetime.now(timezone.utc)).astimezone(timezone.utc)
    key = f"{CAPTURE_PREFIX}{moment:%Y/%m/%d/%H}/capture-local-{moment:%Y-%m-%d-%H-%M-%S}-{uuid.uuid4()}.gz"
    body = gzip.compress("".join(line + "\n" for line in lines).encode())
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return key


def deliver(s3: Any, bucket: str, log_output: str, arrival: datetime | None = None) -> str | None:
    return deliver_lines(s3, bucket, capture_lines(log_output), arrival)
