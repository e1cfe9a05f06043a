from datetime import timedelta

import boto3
import pytest

from devtools.local.aws import create_monitoring_bucket
from modelops.monitoring.labels import LabelJoin
from modelops.monitoring.settings import Thresholds
from modelops.monitoring.report import build_report
from modelops.monitoring.store import MonitoringStore, page_key
from modelops.monitoring.summary import summary_markdown
from modelops.monitoring.window import WindowAccumulator
from tests.unit.modelops.conftest import MODEL, WINDOW_START

HOUR = timedelta(hours=1)


def hourly_profile(synthetic, hour, rows):
    start = WINDOW_START + hour * HOUR
    window = WindowAccumulator(synthetic.baseline, *MODEL, start, start + HOUR)
    for record in synthetic.records(rows, start=start):
        window.add(record)
    return window.finish()


def test_a_day_is_the_merge_of_its_stored_windows_without_rereading_records(aws, synthetic):
    store = MonitoringStore(boto3.client("s3"), create_monitoring_bucket("store-merge"))
    chunks = [synthetic.fresh[i * 100:(i + 1) * 100] for i in range(26)]
    for hour, rows in enumerate(chunks):
        store.save_profile(hourly_profile(synthetic, hour, rows))  # 26 hours: crosses midnight
    day = store.merged_profile(*MODEL, WINDOW_START, WINDOW_START + 24 * HOUR)
    everything = hourly_profile(synthetic, 0, synthetic.fresh[:2400])
    assert day.volume.predictions == 2400 and (day.start, day.end) == (WINDOW_START, WINDOW_START + 24 * HOUR)
    for name, column in everything.features.columns.items():
        assert day.features.columns[name].counts == column.counts
        assert day.features.columns[name].mean == pytest.approx(column.mean)
    assert store.merged_profile(*MODEL, WINDOW_START - 48 * HOUR, WINDOW_START) is None


def test_reports_are_written_under_the_window_and_as_latest(aws, synthetic):
    bucket = create_monitoring_bucket("store-reports")
    store = MonitoringStore(boto3.client("s3"), bucket)
    profile = hourly_profile(synthetic, 0, synthetic.fresh[:200])
    quality = LabelJoin([0, 1], *MODEL, profile.start, profile.end).finish(200, 30, {})
    report = build_report(profile, synthetic.baseline, quality, Thresholds(), profile.end)
    keys = store.save_report(report, summary_markdown(report))
    window = f"reports/{MODEL[0]}/{MODEL[1]}/2026/11/30/20261130T100000Z_20261130T110000Z"
    assert keys == [f"{window}.json", f"{window}.md", f"reports/{MODEL[0]}/latest.json", f"reports/{MODEL[0]}/latest.md",
                    f"{window}.html", f"reports/{MODEL[0]}/latest.html"]
    assert keys[4] == page_key(report)
    stored = boto3.client("s3").get_object(Bucket=bucket, Key=keys[2])
    assert stored["ContentType"] == "application/json"
    assert type(report).model_validate_json(stored["Body"].read()) == report
    for key, href in ((keys[4], "20261130T100000Z_20261130T110000Z.json"),
                      (keys[5], f"{MODEL[1]}/2026/11/30/20261130T100000Z_20261130T110000Z.json")):
        page = boto3.client("s3").get_object(Bucket=bucket, Key=key)
        assert page["ContentType"] == "text/html; charset=utf-8"
        # The link to the JSON is relative to where the page is, so each copy has its own.
        assert f'href="{href}"' in page["Body"].read().decode()


def test_the_trend_reads_a_bounded_number_of_earlier_reports_of_the_same_version(aws, synthetic):
    bucket = create_monitoring_bucket("store-history")
    store = MonitoringStore(boto3.client("s3"), bucket)
    quality = LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_START + HOUR).finish(0, 30, {})
    reports = []
    for hour in range(-30, 1):  # 31 hourly windows over two days; the last is "now"
        profile = hourly_profile(synthetic, hour, synthetic.fresh[:120])
        reports.append(build_report(profile, synthetic.baseline, quality, Thresholds(), profile.end))
    for report in reports[:-1]:  # stored without a page, as before the page existed
        boto3.client("s3").put_object(Bucket=bucket, Key=page_key(report)[:-5] + ".json", Body=report.model_dump_json())
    other = reports[5].model_copy(update={"model_version": "20261201T000000Z-fedcba98"})
    boto3.client("s3").put_object(Bucket=bucket, Key=page_key(other)[:-5] + ".json", Body=other.model_dump_json())
    boto3.client("s3").put_object(Bucket=bucket, Key=page_key(reports[-2])[:-5] + "x.json", Body=b"{}")  # not a report

    earlier, unreadable = store.earlier_reports(reports[-1], 24)
    assert [r.window_end for r in earlier] == [r.window_end for r in reports[-25:-1]]  # the newest 24, oldest first
    assert {r.model_version for r in earlier} == {MODEL[1]} and unreadable == 0
    assert store.earlier_reports(reports[-1], 24, days=1)[0] == reports[-11:-1]  # today's 10 only: bounded by days
    # A window that has not ended by this one's start (the run itself, overlapping windows) is not history.
    assert store.earlier_reports(reports[-2], 3)[0] == reports[-5:-2]
