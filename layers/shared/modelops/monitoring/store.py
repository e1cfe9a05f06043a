"""Where the monitor keeps its results in the monitoring bucket.

    profiles/NAME/VERSION/YYYY/MM/DD/<window start>_<window end>.json   one per window
    reports/NAME/VERSION/YYYY/MM/DD/<window start>_<window end>.json    the report
    reports/NAME/VERSION/YYYY/MM/DD/<window start>_<window end>.md      its summary
    reports/NAME/VERSION/YYYY/MM/DD/<window start>_<window end>.html    its page, with charts (page/)
    reports/NAME/latest.json, .md, .html                                 the newest run's, for people

Keys sort by time. Longer views are merges of stored window profiles (`merged_profile`).
"""
import posixpath
import re
from datetime import datetime, timedelta, timezone
from typing import Any

from pydantic import ValidationError

from modelops.artifacts.store import version_prefix
from modelops.monitoring.page.data import TREND_WINDOWS, PageLinks, page_data
from modelops.monitoring.page.render import render_page
from modelops.monitoring.report import Report
from modelops.monitoring.window import WindowProfile

STAMP = "%Y%m%dT%H%M%SZ"
# Day folders earlier_reports looks back through: a month, so 24 daily windows fit, and a run
# makes at most this many list calls however sparse the history is.
HISTORY_DAYS = 31
HTML = "text/html; charset=utf-8"
REPORT_NAME = re.compile(r"\d{8}T\d{6}Z_(\d{8}T\d{6}Z)\.json")  # <start>_<end>.json, window_path's STAMPs


def window_path(root: str, name: str, version: str, start: datetime, end: datetime) -> str:
    start, end = start.astimezone(timezone.utc), end.astimezone(timezone.utc)
    return f"{root}/{name}/{version}/{start:%Y/%m/%d}/{start:{STAMP}}_{end:{STAMP}}"


def report_path(report: Report) -> str:
    """The window's report key without its extension: .json, .md and .html share it."""
    return window_path("reports", report.model_name, report.model_version, report.window_start, report.window_end)


def page_key(report: Report) -> str:
    return report_path(report) + ".html"


def _page(report: Report, history: list[Report], unreadable: int, page: str) -> bytes:
    """The page at key `page`; its link to the report JSON is relative, so it works from a download
    of the folder as well as from S3."""
    json_key = report_path(report) + ".json"
    links = PageLinks(report_json=posixpath.relpath(json_key, posixpath.dirname(page)), report_key=json_key,
                      model_prefix=version_prefix(report.model_name, report.model_version))
    return render_page(page_data(report, history, links, unreadable)).encode()


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
        """Report, summary and page under the window, and the latest copies. The pages come last in
        the list: callers index the first four."""
        path = report_path(report)
        body = report.model_dump_json(indent=1).encode()
        latest = f"reports/{report.model_name}/latest"
        history, unreadable = self.earlier_reports(report, TREND_WINDOWS)
        return [self._put(path + ".json", body, "application/json"),
                self._put(path + ".md", summary.encode(), "text/markdown; charset=utf-8"),
                self._put(latest + ".json", body, "application/json"),
                self._put(latest + ".md", summary.encode(), "text/markdown; charset=utf-8"),
                self._put(page_key(report), _page(report, history, unreadable, page_key(report)), HTML),
                self._put(latest + ".html", _page(report, history, unreadable, latest + ".html"), HTML)]

    def earlier_reports(self, report: Report, limit: int, days: int = HISTORY_DAYS) -> tuple[list[Report], int]:
        """Up to `limit` reports of the same model version whose windows ended by this one's start,
        oldest first, from at most `days` day folders back: a run's reads stay bounded however
        long the monitor has run. Also how many of those could not be read (left out, counted)."""
        start = report.window_start.astimezone(timezone.utc)
        before = f"{start:{STAMP}}"
        day = start.replace(hour=0, minute=0, second=0, microsecond=0)
        keys: list[str] = []
        paginator = self.s3.get_paginator("list_objects_v2")
        for _ in range(days):
            prefix = f"reports/{report.model_name}/{report.model_version}/{day:%Y/%m/%d}/"
            found = [item["Key"] for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix)
                     for item in page.get("Contents", [])]
            ends = {key: match.group(1) for key in found if (match := REPORT_NAME.fullmatch(posixpath.basename(key)))}
            keys = sorted(key for key, end in ends.items() if end <= before) + keys
            if len(keys) >= limit:
                break
            day -= timedelta(days=1)
        reports, unreadable = [], 0
        for key in keys[-limit:] if limit else []:
            try:
                reports.append(Report.model_validate_json(self.s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()))
            except ValidationError:
                unreadable += 1
        return reports, unreadable

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
