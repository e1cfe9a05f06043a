import pytest
from pydantic import ValidationError

from modelops.monitoring.settings import ENVIRONMENT_VARIABLES, MonitorSettings, Thresholds


def test_settings_come_from_the_environment_with_threshold_overrides(monkeypatch):
    values = {"MODEL_BUCKET": "m", "MODEL_NAME": "n", "MODEL_VERSION": "v", "MONITORING_BUCKET": "b",
              "ALERT_TOPIC_ARN": "arn:t", "WINDOW_MINUTES": "15", "LABEL_DELAY_MINUTES": "120",
              "MONITOR_THRESHOLDS": '{"psi": 0.25, "min_labels": 50}', "MONITOR_WORKERS": "3"}
    assert set(values) == set(ENVIRONMENT_VARIABLES)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    settings = MonitorSettings.from_environment()
    assert (settings.window_minutes, settings.label_delay_minutes, settings.workers) == (15, 120, 3)
    assert settings.thresholds == Thresholds(psi=0.25, min_labels=50)
    assert settings.thresholds.js_distance == Thresholds().js_distance


def test_an_empty_threshold_parameter_means_the_defaults(monkeypatch):
    monkeypatch.setenv("MONITOR_THRESHOLDS", "")
    assert MonitorSettings.from_environment().thresholds == Thresholds()


@pytest.mark.parametrize("overrides", ['{"psi_threshold": 0.2}', '{"alpha": 1.5}', '{"min_count": 0}', "not json"])
def test_typos_and_impossible_values_are_refused(monkeypatch, overrides):
    monkeypatch.setenv("MONITOR_THRESHOLDS", overrides)
    with pytest.raises(ValidationError):
        MonitorSettings.from_environment()
