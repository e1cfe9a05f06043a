"""What the monitor reads from its environment (set by template.yaml parameters).

Thresholds are one JSON object (the MonitorThresholds parameter, env MONITOR_THRESHOLDS); any
key left out keeps the default below. Unknown keys or out-of-range values are refused, so a typo
fails the run loudly instead of silently monitoring with defaults.
"""
import os
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from modelops.statistics.drift import DriftThresholds

class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Drift (per feature and on predictions): drift needs effect AND significance.
    # min_count is also the fewest predictions for any verdict on the window: below it the report
    # says "insufficient_data" and gives no accuracy estimate (one record would print one).
    min_count: int = Field(100, ge=1, description="values a column (and predictions a window) needs for a verdict")
    # 0.1 = values moved a tenth of a training standard deviation on average: a mean shift of
    # 0.1 sd, or the spread changing by about 12%. The benchmark in docs/monitoring.md shows what
    # it catches at each window size (devtools/bench/drift_rates.py).
    wasserstein: float = Field(0.1, gt=0, description="normalised Wasserstein distance (training sds) at or above which the effect is large")
    psi: float = Field(0.2, gt=0, description="PSI at or above which the effect is large")
    js_distance: float = Field(0.1, gt=0, le=1, description="Jensen-Shannon distance at or above which the effect is large")
    alpha: float = Field(0.01, gt=0, lt=1, description="significance level (false discovery rate across features)")
    dataset_drift_share: float = Field(0.3, gt=0, le=1, description="share of drifted features that makes the dataset drift")
    # Data quality.
    max_invalid_share: float = Field(0.01, ge=0, le=1, description="share of capture records failing the schema")
    max_missing_increase: float = Field(0.1, ge=0, le=1, description="missing rate above the baseline's, per feature")
    max_out_of_range_share: float = Field(0.1, ge=0, le=1, description="share of values outside the training range, per feature")
    max_non_finite_share: float = Field(0.01, ge=0, le=1, description="share of +/-infinity values, per feature")
    # Categories training never saw (or beyond the 100 most frequent it tracks) are scored as
    # unknown by the one-hot encoder: the model sees nothing of them.
    max_unseen_category_share: float = Field(0.05, ge=0, le=1, description="share of a categorical feature's values in no training category, above training's own")
    min_records: int = Field(0, ge=0, description="predictions expected per window (0: no volume check)")
    # Above this share of the window's predictions from other versions, the report says the window
    # is mostly another version (expected right after a deploy; if it lasts, the monitor is
    # watching a version that no longer serves).
    max_other_version_share: float = Field(0.5, ge=0, le=1, description="share of predictions from other model versions")
    # Model quality.
    min_labels: int = Field(30, ge=1, description="matched labels needed before accuracy etc. are reported")
    max_accuracy_drop: float = Field(0.05, ge=0, le=1, description="accuracy below training's held-out accuracy")
    max_estimated_accuracy_drop: float = Field(0.05, ge=0, le=1, description="estimated accuracy below training's")
    # A regressor's error is in the target's units: the limit is relative to training's held-out MAE.
    max_error_increase: float = Field(0.2, ge=0, description="a regressor's MAE above training's held-out MAE, as a share of it")

    def drift_rule(self) -> DriftThresholds:
        return DriftThresholds(min_count=self.min_count, wasserstein=self.wasserstein, psi=self.psi,
                               js_distance=self.js_distance, alpha=self.alpha, dataset_share=self.dataset_drift_share)


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
    # Processes reading a window (monitoring/workers.py); 0: one per vCPU, for windows big enough.
    workers: int = Field(0, ge=0, le=64, alias="MONITOR_WORKERS")
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
