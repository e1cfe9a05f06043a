"""The monitor over a window too big for one run: the tasks of the MonitorBackfillStateMachine.

The state machine passes `action` (plan, labels, merge_labels, profile, report); the logic lives
in modelops.monitoring.backfill.steps. A backfill writes the report, summary and profile a single
run over the same window would, at the same keys. It sends no alert and no CloudWatch metrics:
those describe the latest window, and the alarms on them must not fire for last month.
A request that cannot run raises BackfillRefused (the execution fails with its reason).
"""
from datetime import datetime, timezone
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.monitoring.backfill import steps
from modelops.monitoring.backfill.errors import BackfillRefused
from modelops.monitoring.settings import MonitorSettings
from modelops.platform.aws_clients import client

logger = Logger()


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    settings = MonitorSettings.from_environment()  # per run, as the scheduled monitor: a bad value fails this run
    s3 = client("s3")
    action = event.get("action")
    if action == "plan":
        planned = steps.plan(event.get("request"), settings, s3, datetime.now(timezone.utc))
        logger.info("backfill planned", extra={"hours": len(planned["profile_partitions"]),
                                               "model_version": planned["plan"]["model_version"]})
        return planned
    if action == "labels":
        return steps.collect_labels(event["plan"], event["partition"], settings, s3)
    if action == "merge_labels":
        return steps.merge_labels(event["plan"], settings, s3)
    if action == "profile":
        return steps.profile_partition(event["plan"], event["partition"], settings, s3)
    if action == "report":
        run = steps.report(event["plan"], settings, s3)
        logger.info("backfill report", extra={"status": run.report.status, "keys": run.keys,
                                              "violations": [v.check for v in run.report.violations]})
        return run.outcome()
    raise BackfillRefused("invalid_request", f"Unknown action {action!r}: plan, labels, merge_labels, profile or report.")
