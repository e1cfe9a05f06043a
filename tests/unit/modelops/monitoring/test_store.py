from datetime import timedelta

import boto3
import pytest

from devtools.local.aws import create_monitoring_bucket
from modelops.monitoring.labels import LabelJoin
from modelops.monitoring.settings import Thresholds
from modelops.monitoring.report import build_report
from modelops.monitoring.store import MonitoringStore
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
    assert keys == [f"reports/{MODEL[0]}/{MODEL[1]}/2026/11/30/20261130T100000Z_20261130T110000Z.json",
                    f"reports/{MODEL[0]}/{MODEL[1]}/2026/11/30/20261130T100000Z_20261130T110000Z.md",
                    f"reports/{MODEL[0]}/latest.json", f"reports/{MODEL[0]}/latest.md"]
    stored = boto3.client("s3").get_object(Bucket=bucket, Key=keys[2])
    assert stored["ContentType"] == "application/json"
    assert type(report).model_validate_json(stored["Body"].read()) == report
