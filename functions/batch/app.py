"""Batch scoring's Lambda: the three tasks of the BatchScoringStateMachine (plan, score, summarise).

The state machine passes `action`; the logic lives in modelops.batch.steps, which `make batch` also
runs in-process. A job that cannot run raises BatchJobRefused: the execution fails with that error
name and the message as its cause.
"""
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from modelops.batch import steps
from modelops.batch.errors import BatchJobRefused
from modelops.batch.metrics import BatchMetric, record
from modelops.batch.settings import BatchSettings
from modelops.platform.aws_clients import client

logger = Logger()
metrics = Metrics()
settings = BatchSettings.from_environment()


@metrics.log_metrics
@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    s3 = client("s3")
    action = event.get("action")
    if action == "score":  # a Distributed Map child: one work item's chunks, and the job
        result = steps.score(event["job"], event["chunks"], settings, s3)
        record(metrics, BatchMetric.ROWS_SCORED, result["rows_scored"])
        record(metrics, BatchMetric.ROWS_REFUSED, result["rows_refused"])
        return result
    if action == "plan":
        try:
            planned = steps.plan(event["request"], event["job_id"], event["started_at"], settings, s3)
        except BatchJobRefused as refused:
            record(metrics, BatchMetric.JOBS_REFUSED)
            logger.error("batch job refused", extra={"reason": refused.reason, "detail": refused.message})
            raise
        logger.info("batch job planned", extra={"chunks": planned["chunks"], "objects": planned["objects"]})
        return planned
    if action == "summarise":
        summary = steps.summarise(event["planned"], s3)
        record(metrics, BatchMetric.FAILED_CHUNKS, summary["chunks"]["failed"])
        logger.info("batch job summarised", extra={k: summary[k] for k in ("rows_scored", "rows_refused", "status")})
        return summary
    raise BatchJobRefused("invalid_request", f"Unknown action {action!r}: plan, score or summarise.")
