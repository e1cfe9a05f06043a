"""One monitoring run: the deployed version's baseline, its window of capture records, the labels
that arrived for it, then report, summary and window profile written to the monitoring bucket.

Window: [T - delay - length, T - delay) for a run scheduled at T, so labels get `delay` to arrive
(LABEL_DELAY_MINUTES); labels are read up to T. Two streaming passes over S3: the first keeps only
labels (each decompressed block is searched for the feedback marker; other lines are never split
off or parsed), the second profiles every prediction (typed-decoded where it can be:
monitoring/typed.py) and joins the labelled ones. Two passes because a label arrives after its
prediction, and keeping every prediction until its label might come would grow with the window.
Each pass is spread over the function's CPUs (monitoring/workers.py). A window too big for one run
runs the same passes per hour prefix on Step Functions and merges them (monitoring/backfill).
"""
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator

from botocore.exceptions import BotoCoreError, ClientError

from modelops.artifacts.baseline import Baseline
from modelops.capture.reader import CaptureReader
from modelops.monitoring import workers
from modelops.monitoring.labels import CollectedLabels, JoinedPredictions, LabelJoin
from modelops.artifacts.manifest import Manifest
from modelops.artifacts.store import MISSING_OBJECT_CODES, ModelStore
from modelops.monitoring.settings import MonitorSettings
from modelops.monitoring.report import Report, build_report
from modelops.monitoring.store import MonitoringStore, page_key
from modelops.platform.errors import ReasonedError
from modelops.monitoring.summary import summary_markdown
from modelops.monitoring.window import WindowAccumulator, WindowProfile

FEEDBACK_MARKER = b'"record_type":"feedback"'  # capture.CaptureWriter writes compact JSON


class MonitorUnavailable(ReasonedError):
    """The run cannot start or finish; `reason` is stable (for logs and alarms)."""


@dataclass(frozen=True)
class MonitorRun:
    report: Report
    summary: str
    keys: list[str]  # profile, report JSON, summary, then the latest copies (MonitoringStore)

    def outcome(self) -> dict[str, Any]:
        """What the run returns to whoever invoked it (the schedule, a state machine, a person)."""
        return {"status": self.report.status, "violations": len(self.report.violations),
                "window_start": self.report.window_start.isoformat(), "window_end": self.report.window_end.isoformat(),
                "report": self.keys[1], "summary": self.keys[2], "page": page_key(self.report)}


@dataclass(frozen=True)
class MonitorWindow:
    start: datetime  # predictions made in [start, end) are profiled
    end: datetime
    labels_until: datetime  # labels are read from start up to here: they arrive after their prediction


def window_for(scheduled: datetime, settings: MonitorSettings) -> MonitorWindow:
    end = scheduled.astimezone(timezone.utc) - timedelta(minutes=settings.label_delay_minutes)
    return MonitorWindow(end - timedelta(minutes=settings.window_minutes), end, scheduled)


def require_configured(settings: MonitorSettings) -> None:
    if not (settings.model_bucket and settings.monitoring_bucket and settings.model_name and settings.model_version):
        raise MonitorUnavailable("not_configured", "MODEL_BUCKET, MONITORING_BUCKET, MODEL_NAME and MODEL_VERSION "
                                                   "must be set (deploy a model version first).")


def pinned_baseline(store: ModelStore, name: str, version: str) -> tuple[Manifest, Baseline]:
    """A published version's manifest and its hash-pinned baseline."""
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


def deployed_baseline(store: ModelStore, settings: MonitorSettings) -> tuple[Manifest, Baseline]:
    require_configured(settings)
    return pinned_baseline(store, settings.model_name, settings.model_version)


def label_join(manifest: Manifest, baseline: Baseline, window: MonitorWindow,
               collected: CollectedLabels | None = None) -> LabelJoin:
    """An empty join, or one whose feedback pass ran elsewhere (`collected`: a backfill's labels)."""
    regression = baseline.task == "regression"
    if collected is None:
        return LabelJoin(baseline.classes, manifest.name, manifest.version, window.start, window.end, regression)
    return LabelJoin.with_labels(baseline.classes, manifest.name, manifest.version, window.start, window.end, collected,
                                 regression)


def read_labels(join: LabelJoin, reader: CaptureReader, window: MonitorWindow,
                prefixes: list[str] | None = None, keys: list[str] | None = None) -> None:
    """The first pass: labels only (lines without the feedback marker are skipped unparsed)."""
    for record in reader.records(window.start, window.labels_until, contains=FEEDBACK_MARKER, prefixes=prefixes,
                                 keys=keys):
        join.add_feedback(record)


def profile_predictions(baseline: Baseline, manifest: Manifest, window: MonitorWindow, join: LabelJoin,
                        reader: CaptureReader, prefixes: list[str] | None = None,
                        keys: list[str] | None = None) -> WindowProfile:
    """The second pass: every prediction profiled, the labelled ones joined."""
    accumulator = WindowAccumulator(baseline, manifest.name, manifest.version, window.start, window.end)
    typed = accumulator.typed.decode if accumulator.typed is not None else None
    for batch in reader.batches(window.start, window.end, prefixes=prefixes, typed=typed, keys=keys):  # a block at once
        accumulator.add_many(batch)
        join.add_predictions(batch)
    return accumulator.finish(reader.stats.malformed_lines, reader.stats.unreadable_objects)


def read_window(settings: MonitorSettings, s3: Any, manifest: Manifest, baseline: Baseline,
                window: MonitorWindow) -> tuple[WindowProfile, LabelJoin]:
    """Both passes, each spread over the run's workers (monitoring/workers.py) and merged in
    object order, as the backfill merges its hours."""
    bucket = settings.monitoring_bucket

    def shares_until(end: datetime) -> list[list[str]]:
        objects = list(CaptureReader(s3, bucket).objects(window.start, end))
        count = workers.share_count(settings.workers, sum(size for _, size in objects), len(objects))
        return workers.shares(objects, count)

    def labels(keys: list[str], s3: Any) -> CollectedLabels:
        join = label_join(manifest, baseline, window)
        read_labels(join, CaptureReader(s3, bucket), window, keys=keys)
        return join.collected()

    collected = reduce(CollectedLabels.merge, workers.run_shares(labels, shares_until(window.labels_until), s3))

    def predictions(keys: list[str], s3: Any) -> tuple[WindowProfile, JoinedPredictions]:
        join = label_join(manifest, baseline, window, collected)
        profile = profile_predictions(baseline, manifest, window, join, CaptureReader(s3, bucket), keys=keys)
        return profile, join.matches()

    join = label_join(manifest, baseline, window, collected)
    profiles = []
    for profile, matches in workers.run_shares(predictions, shares_until(window.end), s3):
        profiles.append(profile)
        join.add_matches(matches)
    return reduce(WindowProfile.merge, profiles), join


def publish_report(settings: MonitorSettings, s3: Any, manifest: Manifest, baseline: Baseline,
                   profile: WindowProfile, join: LabelJoin, now: datetime | None = None) -> MonitorRun:
    """Report, summary and window profile of a profiled window, written to the monitoring bucket."""
    quality = join.finish(profile.volume.predictions, settings.thresholds.min_labels, manifest.metrics["model"])
    report = build_report(profile, baseline, quality, settings.thresholds, now or datetime.now(timezone.utc))
    summary = summary_markdown(report)
    store = MonitoringStore(s3, settings.monitoring_bucket)
    return MonitorRun(report, summary, [store.save_profile(profile)] + store.save_report(report, summary))


@contextmanager
def storage_errors() -> Iterator[None]:
    """S3 failing mid-run is one stable reason, retried by whoever runs the monitor."""
    try:
        yield
    except (ClientError, BotoCoreError) as error:
        raise MonitorUnavailable("storage_error", f"S3 failed during the run (it is retried): {error}") from error


def run_monitor(settings: MonitorSettings, s3: Any, scheduled: datetime, now: datetime | None = None) -> MonitorRun:
    """The scheduled run: the window `scheduled` is due for, in one process."""
    with storage_errors():
        manifest, baseline = deployed_baseline(ModelStore(s3, settings.model_bucket), settings)
        window = window_for(scheduled, settings)
        profile, join = read_window(settings, s3, manifest, baseline, window)
        return publish_report(settings, s3, manifest, baseline, profile, join, now)
