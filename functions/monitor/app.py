"""Scheduled model monitor (EventBridge Scheduler): one window per run, report to S3, metrics to
CloudWatch, and an SNS alert when a threshold is crossed. The work is in modelops.monitoring.run.

Returns the report's status: "ok", "alert", or "insufficient_data" (no check failed, but the
window held fewer than min_count predictions of the deployed version).

Event: {"scheduled_time": "2026-11-30T10:00:00Z"} (the schedule sends its own time); without it
the run uses now. Any other key is ignored, so a manual `aws lambda invoke` needs no special shape.
"""
from datetime import datetime, timezone

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ValidationError

from modelops.platform.aws_clients import client
from modelops.platform.tracing import traced
from modelops.monitoring.metrics import record_all
from modelops.monitoring.run import run_monitor
from modelops.monitoring.settings import MonitorSettings
from modelops.monitoring.summary import alert_message, alert_subject

logger = Logger()
metrics = Metrics()


class MonitorEvent(BaseModel):
    scheduled_time: datetime | None = None


def _scheduled_time(event: dict) -> datetime:
    try:
        moment = MonitorEvent.model_validate(event).scheduled_time
    except ValidationError as error:
        raise ValueError(f"scheduled_time must be an ISO 8601 time: {error.errors()[0]['msg']}") from error
    if moment is None:
        return datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


@logger.inject_lambda_context
@traced
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    # Read per run, not at import: the thresholds are validated here, and a bad value fails this
    # run with its message (Lambda retries the asynchronous invoke, then the dead-letter queue and
    # its alarm notify the topic).
    settings = MonitorSettings.from_environment()
    scheduled = _scheduled_time(event)
    if not settings.model_version:
        # A stack before its first model deploy: a normal state, not a failed run (no retries,
        # no dead letter, no alarm).
        logger.info("no model version deployed: nothing to monitor yet")
        return {"status": "no_model", "violations": 0, "notified": False}
    run = run_monitor(settings, client("s3"), scheduled)
    report = run.report
    record_all(metrics, report.metrics())
    # notes: "insufficient data", "mostly another version": what a reader of the log must not miss either.
    logger.info("monitoring report", extra={"status": report.status, "violations": [v.check for v in report.violations],
                                            "notes": report.notes, "keys": run.keys})
    notified = False
    if report.violations and settings.alert_topic_arn:
        client("sns").publish(TopicArn=settings.alert_topic_arn, Subject=alert_subject(report),
                              Message=alert_message(report, settings.monitoring_bucket, run.keys,
                                                    client("s3").meta.region_name))
        notified = True
    return {**run.outcome(), "notified": notified}
