"""One monitoring run: the deployed version's baseline, its window of capture records, the labels
that arrived for it, then report, summary and window profile written to the monitoring bucket.

Window: [T - delay - length, T - delay) for a run scheduled at T, so labels get `delay` to arrive
(LABEL_DELAY_MINUTES); labels are read up to T. Two streaming passes over S3: the first keeps only
labels (lines without "feedback" are skipped unparsed), the second profiles every prediction and
joins the labelled ones.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from modelops.artifacts.baseline import Baseline
from modelops.capture.reader import CaptureReader
from modelops.monitoring.labels import LabelJoin
from modelops.artifacts.manifest import Manifest
from modelops.artifacts.store import MISSING_OBJECT_CODES, ModelStore
from modelops.monitoring.settings import MonitorSettings
from modelops.monitoring.report import Report, build_report
from modelops.monitoring.store import MonitoringStore
from modelops.platform.errors import ReasonedError
from modelops.monitoring.summary import summary_markdown
from modelops.monitoring.window import WindowAccumulator

FEEDBACK_MARKER = b'"record_type":"feedback"'  # capture.CaptureWriter writes compact JSON


class MonitorUnavailable(ReasonedError):
    """The run cannot start or finish; `reason` is stable (for logs and alarms)."""


@dataclass(frozen=True)
class MonitorRun:
    report: Report
    summary: str
    keys: list[str]


def window_for(scheduled: datetime, settings: MonitorSettings) -> tuple[datetime, datetime]:
    end = scheduled.astimezone(timezone.utc) - timedelta(minutes=settings.label_delay_minutes)
    return end - timedelta(minutes=settings.window_minutes), end


def deployed_baseline(store: ModelStore, settings: MonitorSettings) -> tuple[Manifest, Baseline]:
    name, version = settings.model_name, settings.model_version
    if not (settings.model_bucket and settings.monitoring_bucket and name and version):
        raise MonitorUnavailable("not_configured", "MODEL_BUCKET, MONITORING_BUCKET, MODEL_NAME and MODEL_VERSION "
                                                   "must be set (deploy a model version first).")
    try:
        manifest = store.read_manifest(name, version)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in MISSING_OBJECT_CODES | {"NoSuchBucket"}:
            raise  # throttling, 500s, access denied: S3's fault, a storage_error below, not a missing manifest
        raise MonitorUnavailable("manifest_missing", f"cannot read the manifest of {name}/{version}: {error}") from error
    if "baseline" not in manifest.files:
        raise MonitorUnavailable("baseline_missing", f"{name}/{version} was published without a baseline; "
                                                     "retrain and publish a new version to monitor it.")
    try:
        return manifest, Baseline.from_json(store.read_pinned(manifest, "baseline"))
    except ValueError as error:  # hash mismatch or not a baseline
        raise MonitorUnavailable("baseline_invalid", str(error)) from error


def run_monitor(settings: MonitorSettings, s3: Any, scheduled: datetime, now: datetime | None = None) -> MonitorRun:
    try:
        manifest, baseline = deployed_baseline(ModelStore(s3, settings.model_bucket), settings)
        start, end = window_for(scheduled, settings)
        name, version = manifest.name, manifest.version
        join = LabelJoin(baseline.classes, name, version, start, end)
        for record in CaptureReader(s3, settings.monitoring_bucket).records(start, scheduled, contains=FEEDBACK_MARKER):
            join.add_feedback(record)
        reader = CaptureReader(s3, settings.monitoring_bucket)
        window = WindowAccumulator(baseline, name, version, start, end)
        for record in reader.records(start, end):
            window.add(record)
            join.add_prediction(record)
        profile = window.finish(reader.stats.malformed_lines, reader.stats.unreadable_objects)
        quality = join.finish(profile.volume.predictions, settings.thresholds.min_labels, manifest.metrics["model"])
        report = build_report(profile, baseline, quality, settings.thresholds, now or datetime.now(timezone.utc))
        summary = summary_markdown(report)
        store = MonitoringStore(s3, settings.monitoring_bucket)
        return MonitorRun(report, summary, [store.save_profile(profile)] + store.save_report(report, summary))
    except (ClientError, BotoCoreError) as error:
        raise MonitorUnavailable("storage_error", f"S3 failed during the run (it is retried): {error}") from error
