"""Where the monitor keeps its results in the monitoring bucket.

    profiles/NAME/VERSION/YYYY/MM/DD/<window start>_<window end>.json   one per window
    reports/NAME/VERSION/YYYY/MM/DD/<window start>_<window end>.json    the report
    reports/NAME/VERSION/YYYY/MM/DD/<window start>_<window end>.md      its summary
    reports/NAME/latest.json, reports/NAME/latest.md                     the newest run's, for people

Keys sort by time. Longer views are merges of stored window profiles (`merged_profile`).
"""
from datetime import datetime, timedelta, timezone
from typing import Any

from modelops.monitoring.report import Report
from modelops.monitoring.window import WindowProfile

STAMP = "%Y%m%dT%H%M%SZ"


def window_path(root: str, name: str, version: str, start: datetime, end: datetime) -> str:
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    return f"{root}/{name}/{version}/{start:%Y/%m/%d}/{start:{STAMP}}_{end:{STAMP}}"


class MonitoringStore:
    def __init__(self, s3: Any, bucket: str):
        self.s3 = s3
        self.bucket = bucket

    def _put(self, key: str, body: bytes, content_type: str) -> str:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)
        return key

    def save_profile(self, profile: WindowProfile) -> str:
        key = window_path("profiles", profile.model_name, profile.model_version, profile.start, profile.end) + ".json"
        return self._put(key, profile.model_dump_json().encode(), "application/json")

    def save_report(self, report: Report, summary: str) -> list[str]:
        path = window_path("reports", report.model_name, report.model_version, report.window_start, report.window_end)
        body = report.model_dump_json(indent=1).encode()
        latest = f"reports/{report.model_name}/latest"
        return [self._put(path + ".json", body, "application/json"),
                self._put(path + ".md", summary.encode(), "text/markdown; charset=utf-8"),
                self._put(latest + ".json", body, "application/json"),
                self._put(latest + ".md", summary.encode(), "text/markdown; charset=utf-8")]

    def merged_profile(self, name: str, version: str, start: datetime, end: datetime) -> WindowProfile | None:
        """The merge of every stored window profile inside [start, end): a day or a week without
        re-reading a single capture record. None when no window was stored."""
        merged = None
        paginator = self.s3.get_paginator("list_objects_v2")
        day = start.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
        while day < end:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=f"profiles/{name}/{version}/{day:%Y/%m/%d}/"):
                for item in page.get("Contents", []):
                    body = self.s3.get_object(Bucket=self.bucket, Key=item["Key"])["Body"].read()
                    profile = WindowProfile.model_validate_json(body)
                    if start <= profile.start and profile.end <= end:
                        merged = profile if merged is None else merged.merge(profile)
            day += timedelta(days=1)
        return merged
