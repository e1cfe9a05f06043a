"""What the monitor reads from its environment (set by template.yaml parameters).

Thresholds are one JSON object (the MonitorThresholds parameter, env MONITOR_THRESHOLDS); any
key left out keeps the default below. Unknown keys or out-of-range values are refused, so a typo
fails the run loudly instead of silently monitoring with defaults.
"""
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

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


class MonitorSettings(BaseModel):
    """The monitor's settings, read once per run from its environment (names: the aliases)."""
    model_config = ConfigDict(frozen=True, extra="ignore")

    model_bucket: str = Field("", alias="MODEL_BUCKET")
    model_name: str = Field("", alias="MODEL_NAME")
    model_version: str = Field("", alias="MODEL_VERSION")  # empty: no model deployed yet, nothing to monitor
    monitoring_bucket: str = Field("", alias="MONITORING_BUCKET")
    alert_topic_arn: str = Field("", alias="ALERT_TOPIC_ARN")  # empty: report and metrics only, no notification
    window_minutes: int = Field(60, ge=1, alias="WINDOW_MINUTES")
    label_delay_minutes: int = Field(0, ge=0, alias="LABEL_DELAY_MINUTES")
    thresholds: Thresholds = Field(default_factory=Thresholds, alias="MONITOR_THRESHOLDS")

    @field_validator("thresholds", mode="before")
    @classmethod
    def _thresholds_from_json(cls, value: Any) -> Any:
        if isinstance(value, str):  # the parameter's JSON text; empty means the defaults
            return Thresholds.model_validate_json(value or "{}")
        return value

    @classmethod
    def from_environment(cls) -> "MonitorSettings":
        return cls.model_validate(os.environ)


# Every variable the monitor reads; the template sets exactly these (tests/unit/infra/test_template.py).
ENVIRONMENT_VARIABLES = tuple(field.alias for field in MonitorSettings.model_fields.values())
