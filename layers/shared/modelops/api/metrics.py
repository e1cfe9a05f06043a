"""What the inference function publishes: every metric name and its unit, in one place.

Powertools Metrics writes them in CloudWatch's embedded metric format (namespace: the stack's name,
dimension service=inference). The template's alarms and dashboard may use only these names
(tests/unit/infra/test_template.py), and the functions name them only through this enum.
"""
from enum import StrEnum
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit


class InferenceMetric(StrEnum):
    COLD_START = "ColdStart"  # Powertools' own (capture_cold_start_metric)
    MODEL_LOAD_TIME = "ModelLoadTime"
    MODEL_LOAD_FAILURES = "ModelLoadFailures"
    MODEL_UNAVAILABLE = "ModelUnavailable"  # a 503: also per function_version, for the rollback alarm
    PREDICTIONS = "Predictions"
    INVALID_REQUESTS = "InvalidRequests"  # every 4xx the function answers
    CAPTURED_RECORDS = "CapturedRecords"
    CAPTURE_FAILURES = "CaptureFailures"
    FEEDBACK_LABELS = "FeedbackLabels"

    @property
    def unit(self) -> MetricUnit:  # Powertools' enum: a string unit is looked up in its list on every call
        return MetricUnit.Milliseconds if self is InferenceMetric.MODEL_LOAD_TIME else MetricUnit.Count


def record(metrics: Any, metric: InferenceMetric, value: float = 1) -> None:
    """Into Powertools `metrics`, flushed with the invocation's other metrics."""
    metrics.add_metric(name=metric.value, unit=metric.unit, value=value)


def record_for_version(metric: InferenceMetric, function_version: str, value: float = 1) -> None:
    """The metric again with a function_version dimension (written at once, on its own line), so an
    alarm can watch one published version: CodeDeploy's rollback alarm watches the new one only."""
    from aws_lambda_powertools import single_metric

    with single_metric(name=metric.value, unit=metric.unit, value=value,
                       default_dimensions={"function_version": function_version}):
        pass
