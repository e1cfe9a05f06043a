"""What the monitor reads from its environment (set by template.yaml parameters).

Thresholds are one JSON object (the MonitorThresholds parameter, env MONITOR_THRESHOLDS); any
key left out keeps the default below. Unknown keys or out-of-range values are refused, so a typo
fails the run loudly instead of silently monitoring with defaults.
"""
import os
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

# Every variable the monitor reads; the template must set each (tests/unit/test_template.py).
ENVIRONMENT_VARIABLES = ("MODEL_BUCKET", "MODEL_NAME", "MODEL_VERSION", "MONITORING_BUCKET", "ALERT_TOPIC_ARN",
                         "WINDOW_MINUTES", "LABEL_DELAY_MINUTES", "MONITOR_THRESHOLDS")
# What the monitor publishes (Powertools Metrics, service dimension "monitor"); alarms and the
# dashboard may only use these names.
METRIC_NAMES = ("Records", "InvalidRecords", "DataQualityViolations", "DriftedFeatures", "WorstPsi",
                "PredictionDrift", "Accuracy", "EstimatedAccuracy", "LabelledFraction", "ModelQualityViolations",
                "Violations")


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Drift (per feature and on predictions): drift needs effect AND significance.
    min_count: int = Field(100, ge=1, description="values a column needs in the window for a drift verdict")
    psi: float = Field(0.2, gt=0, description="PSI at or above which the effect is large")
    js_distance: float = Field(0.1, gt=0, le=1, description="Jensen-Shannon distance at or above which the effect is large")
    alpha: float = Field(0.01, gt=0, lt=1, description="significance level (false discovery rate across features)")
    dataset_drift_share: float = Field(0.3, gt=0, le=1, description="share of drifted features that makes the dataset drift")
    # Data quality.
    max_invalid_share: float = Field(0.01, ge=0, le=1, description="share of capture records failing the schema")
    max_missing_increase: float = Field(0.1, ge=0, le=1, description="missing rate above the baseline's, per feature")
    max_out_of_range_share: float = Field(0.1, ge=0, le=1, description="share of values outside the training range, per feature")
    min_records: int = Field(0, ge=0, description="predictions expected per window (0: no volume check)")
    # Model quality.
    min_labels: int = Field(30, ge=1, description="matched labels needed before accuracy etc. are reported")
    max_accuracy_drop: float = Field(0.05, ge=0, le=1, description="accuracy below training's held-out accuracy")
    max_estimated_accuracy_drop: float = Field(0.05, ge=0, le=1, description="estimated accuracy below training's")


@dataclass(frozen=True)
class MonitorSettings:
    model_bucket: str
    model_name: str
    model_version: str
    monitoring_bucket: str
    alert_topic_arn: str  # empty: report and metrics only, no notification
    window_minutes: int
    label_delay_minutes: int
    thresholds: Thresholds

    @classmethod
    def from_environment(cls) -> "MonitorSettings":
        return cls(
            model_bucket=os.environ.get("MODEL_BUCKET", ""),
            model_name=os.environ.get("MODEL_NAME", ""),
            model_version=os.environ.get("MODEL_VERSION", ""),
            monitoring_bucket=os.environ.get("MONITORING_BUCKET", ""),
            alert_topic_arn=os.environ.get("ALERT_TOPIC_ARN", ""),
            window_minutes=int(os.environ.get("WINDOW_MINUTES", "60")),
            label_delay_minutes=int(os.environ.get("LABEL_DELAY_MINUTES", "0")),
            thresholds=Thresholds.model_validate_json(os.environ.get("MONITOR_THRESHOLDS") or "{}"),
        )
