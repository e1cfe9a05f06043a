"""The state machine's five tasks as functions of plain JSON (the Lambda and the tests run these)."""
from datetime import datetime, timedelta
from typing import Any

from modelops.artifacts.baseline import Baseline
from modelops.artifacts.manifest import Manifest
from modelops.artifacts.store import ModelStore
from modelops.capture.reader import CaptureReader
from modelops.monitoring.backfill import partials
from modelops.monitoring.backfill.plan import MAX_CONCURRENCY, BackfillPlan, BackfillRequest, plan_backfill
from modelops.monitoring.backfill.errors import BackfillIncomplete
from modelops.monitoring.labels import CollectedLabels
from modelops.monitoring.run import (MonitorRun, label_join, pinned_baseline, profile_predictions, publish_report,
                                     read_labels, require_configured, storage_errors)
from modelops.monitoring.settings import MonitorSettings


def plan(request: Any, settings: MonitorSettings, s3: Any, now: datetime) -> dict[str, Any]:
    """Check the request and that the version has a baseline; the partitions are list indexes
    (the Map's items), the plan itself goes to every child."""
    checked = BackfillRequest.parse(request)
    require_configured(settings)
    version = checked.model_version or settings.model_version
    with storage_errors():
        pinned_baseline(ModelStore(s3, settings.model_bucket), settings.model_name, version)
    planned = plan_backfill(checked, settings.model_name, version, timedelta(minutes=settings.label_delay_minutes), now)
    return {"plan": planned.model_dump(mode="json"), "label_partitions": list(range(len(planned.label_prefixes))),
            "profile_partitions": list(range(len(planned.profile_prefixes))),
            "limits": {"max_concurrency": MAX_CONCURRENCY}}


def _pinned(planned: BackfillPlan, settings: MonitorSettings, s3: Any) -> tuple[Manifest, Baseline]:
    return pinned_baseline(ModelStore(s3, settings.model_bucket), planned.model_name, planned.model_version)


def collect_labels(plan_json: dict[str, Any], partition: int, settings: MonitorSettings, s3: Any) -> dict[str, Any]:
    planned = BackfillPlan.model_validate(plan_json)
    with storage_errors():
        manifest, baseline = _pinned(planned, settings, s3)
        join = label_join(manifest, baseline, planned.window)
        read_labels(join, CaptureReader(s3, settings.monitoring_bucket), planned.window,
                    [planned.label_prefixes[partition]])
        collected = join.collected()
        partials.write(s3, settings.monitoring_bucket, partials.partial_key(planned, partials.LABELS, partition),
                       collected)
    return {"partition": partition, "labels": len(collected.labels)}


def merge_labels(plan_json: dict[str, Any], settings: MonitorSettings, s3: Any) -> dict[str, Any]:
    """One object for the profile children to read, instead of every child reading every hour's."""
    planned = BackfillPlan.model_validate(plan_json)
    merged = CollectedLabels()
    with storage_errors():
        for partition in range(len(planned.label_prefixes)):
            key = partials.partial_key(planned, partials.LABELS, partition)
            merged = merged.merge(partials.read(s3, settings.monitoring_bucket, key, CollectedLabels))
        partials.write(s3, settings.monitoring_bucket, partials.partial_key(planned, partials.MERGED_LABELS), merged)
    return {"labels": len(merged.labels)}


def _merged_labels(planned: BackfillPlan, settings: MonitorSettings, s3: Any) -> CollectedLabels:
    return partials.read(s3, settings.monitoring_bucket, partials.partial_key(planned, partials.MERGED_LABELS),
                         CollectedLabels)


def profile_partition(plan_json: dict[str, Any], partition: int, settings: MonitorSettings, s3: Any) -> dict[str, Any]:
    planned = BackfillPlan.model_validate(plan_json)
    with storage_errors():
        manifest, baseline = _pinned(planned, settings, s3)
        join = label_join(manifest, baseline, planned.window, _merged_labels(planned, settings, s3))
        profile = profile_predictions(baseline, manifest, planned.window, join,
                                      CaptureReader(s3, settings.monitoring_bucket),
                                      [planned.profile_prefixes[partition]])
        partials.write(s3, settings.monitoring_bucket, partials.partial_key(planned, partials.PROFILES, partition),
                       partials.PartitionResult(profile=profile, matches=join.matches()))
    return {"partition": partition, "predictions": profile.volume.predictions}


def report(plan_json: dict[str, Any], settings: MonitorSettings, s3: Any, now: datetime | None = None) -> MonitorRun:
    """Every hour's partial merged in hour order, then the single run's report from it."""
    planned = BackfillPlan.model_validate(plan_json)
    with storage_errors():
        manifest, baseline = _pinned(planned, settings, s3)
        join = label_join(manifest, baseline, planned.window, _merged_labels(planned, settings, s3))
        profile = None
        for partition in range(len(planned.profile_prefixes)):
            key = partials.partial_key(planned, partials.PROFILES, partition)
            result = partials.read(s3, settings.monitoring_bucket, key, partials.PartitionResult)
            profile = result.profile if profile is None else profile.merge(result.profile)
            join.add_matches(result.matches)
        if profile is None:  # cannot happen for a checked request: a window has at least one hour prefix
            raise BackfillIncomplete("partial_missing", "the plan has no hour prefixes to profile")
        return publish_report(settings, s3, manifest, baseline, profile, join, now)
