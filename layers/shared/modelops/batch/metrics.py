"""What the batch function publishes (namespace: the stack's name, dimension service=batch). The
template's alarms may use only these names and Step Functions' own ExecutionsFailed."""
from enum import StrEnum
from typing import Any


class BatchMetric(StrEnum):
    ROWS_SCORED = "BatchRowsScored"
    ROWS_REFUSED = "BatchRowsRefused"
    JOBS_REFUSED = "BatchJobsRefused"
    FAILED_CHUNKS = "BatchFailedChunks"

    @property
    def unit(self) -> str:
        return "Count"


def record(metrics: Any, metric: BatchMetric, value: float = 1) -> None:
    metrics.add_metric(name=metric.value, unit=metric.unit, value=value)
