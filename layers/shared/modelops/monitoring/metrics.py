"""What the monitor publishes, one value per run: every metric name and its unit, in one place.
Namespace: the stack's name, dimension service=monitor; the template's alarms and dashboard may
use only these names (tests/unit/infra/test_template.py)."""
from enum import StrEnum
from typing import Any


class MonitorMetric(StrEnum):
    RECORDS = "Records"
    INVALID_RECORDS = "InvalidRecords"
    DATA_QUALITY_VIOLATIONS = "DataQualityViolations"
    DRIFTED_FEATURES = "DriftedFeatures"
    WORST_PSI = "WorstPsi"
    PREDICTION_DRIFT = "PredictionDrift"
    ACCURACY = "Accuracy"
    MEAN_ABSOLUTE_ERROR = "MeanAbsoluteError"  # a regressor's, from labels
    ESTIMATED_ACCURACY = "EstimatedAccuracy"
    LABELLED_FRACTION = "LabelledFraction"
    OTHER_VERSION_SHARE = "OtherVersionShare"  # share of the window's predictions from other versions
    MODEL_QUALITY_VIOLATIONS = "ModelQualityViolations"
    VIOLATIONS = "Violations"

    @property
    def unit(self) -> str:  # CloudWatch's unit names, as Powertools takes them
        return "Count" if self in COUNTS else "None"


COUNTS = {MonitorMetric.RECORDS, MonitorMetric.INVALID_RECORDS, MonitorMetric.DATA_QUALITY_VIOLATIONS,
          MonitorMetric.DRIFTED_FEATURES, MonitorMetric.PREDICTION_DRIFT, MonitorMetric.MODEL_QUALITY_VIOLATIONS,
          MonitorMetric.VIOLATIONS}


def record_all(metrics: Any, values: dict[str, float]) -> None:
    """A run's figures (Report.metrics()) into Powertools `metrics`; a name that is not a MonitorMetric
    is a bug: ValueError."""
    for name, value in values.items():
        metric = MonitorMetric(name)
        metrics.add_metric(name=metric.value, unit=metric.unit, value=value)
