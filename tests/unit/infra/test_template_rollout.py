"""Safe rollout in the template: the live alias, the canary and its rollback alarms, SnapStart and
provisioned concurrency, and the deploy-time rules that refuse combinations that cannot work."""
import tomllib
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import cfn_yaml

from modelops.api.metrics import InferenceMetric

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def template() -> dict:
    return cfn_yaml.load(str(ROOT / "template.yaml"))


def function(template: dict) -> dict:
    return template["Resources"]["InferenceFunction"]["Properties"]


def test_the_api_calls_a_published_alias_that_codedeploy_shifts(template):
    properties = function(template)
    assert properties["AutoPublishAlias"] == "live"
    preference = properties["DeploymentPreference"]
    assert preference["Type"] == {"Ref": "DeploymentType"}
    assert sorted(alarm["Ref"] for alarm in preference["Alarms"]) == [
        "LiveAliasErrorsAlarm", "LiveAliasLatencyAlarm", "ModelUnavailableAlarm"]


@pytest.mark.parametrize("alarm", ["LiveAliasErrorsAlarm", "LiveAliasLatencyAlarm"])
def test_error_and_latency_alarms_watch_the_new_version_only(template, alarm):
    dimensions = {d["Name"]: d["Value"] for d in template["Resources"][alarm]["Properties"]["Dimensions"]}
    assert dimensions["ExecutedVersion"] == {"Fn::GetAtt": ["InferenceFunction", "Version.Version"]}
    assert dimensions["Resource"] == {"Fn::Sub": "${InferenceFunction}:live"}


def test_the_model_unavailable_alarm_reads_the_metric_the_function_emits(template):
    alarm = template["Resources"]["ModelUnavailableAlarm"]["Properties"]
    app = (ROOT / "functions" / "inference" / "app.py").read_text()
    assert alarm["MetricName"] == InferenceMetric.MODEL_UNAVAILABLE
    assert "record_for_version(InferenceMetric.MODEL_UNAVAILABLE, settings.function_version)" in app
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "inference"}, {
        "Name": "function_version", "Value": {"Fn::GetAtt": ["InferenceFunction", "Version.Version"]}}]
    assert alarm["Namespace"] == {"Ref": "AWS::StackName"}
    assert template["Globals"]["Function"]["Environment"]["Variables"]["POWERTOOLS_METRICS_NAMESPACE"] == {
        "Fn::Sub": "${AWS::StackName}"}


def test_prod_deploys_by_canary_and_dev_all_at_once(template):
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    prod = config["prod"]["deploy"]["parameters"]["parameter_overrides"]
    assert "DeploymentType=Canary10Percent10Minutes" in prod.split()
    assert "DeploymentType" not in config["default"]["deploy"]["parameters"]["parameter_overrides"]
    assert template["Parameters"]["DeploymentType"]["Default"] == "AllAtOnce"


def test_the_runtime_parameter_picks_the_layer_and_tells_the_function(template):
    properties = function(template)
    assert properties["Layers"][0] == {"Fn::If": ["ServeWithOnnx", {"Ref": "OnnxRuntimeLayer"}, {"Ref": "DependenciesLayer"}]}
    assert properties["Environment"]["Variables"]["MODEL_RUNTIME"] == {"Ref": "ModelRuntime"}
    assert template["Conditions"]["ServeWithOnnx"] == {"Fn::Equals": [{"Ref": "ModelRuntime"}, "onnx"]}
    assert template["Parameters"]["Architecture"]["Default"] == "arm64"


def _evaluate(expression: Any, parameters: dict[str, str]) -> Any:
    """The rule functions this template uses (Fn::Equals, Fn::Not over Ref), as CloudFormation does."""
    if isinstance(expression, dict) and "Ref" in expression:
        return parameters[expression["Ref"]]
    if isinstance(expression, dict) and "Fn::Equals" in expression:
        left, right = (_evaluate(side, parameters) for side in expression["Fn::Equals"])
        return str(left) == str(right)
    if isinstance(expression, dict) and "Fn::Not" in expression:
        return not _evaluate(expression["Fn::Not"][0], parameters)
    return expression


def refused(template: dict, **overrides: str) -> list[str]:
    parameters = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
    parameters.update(overrides)
    messages = []
    for rule in template["Rules"].values():
        if _evaluate(rule.get("RuleCondition", True), parameters):
            messages += [a["AssertDescription"] for a in rule["Assertions"] if not _evaluate(a["Assert"], parameters)]
    return messages


def test_invalid_snapstart_combinations_are_refused_before_deploying(template):
    assert refused(template) == []
    assert refused(template, SnapStart="true", ModelRuntime="sklearn") == []
    assert refused(template, ProvisionedConcurrency="5", ModelRuntime="onnx") == []
    assert refused(template, SnapStart="true", ModelRuntime="onnx") == [
        "SnapStart=true needs ModelRuntime=sklearn (ONNX Runtime starts fast without it)."]
    assert len(refused(template, SnapStart="true", ModelRuntime="sklearn", ProvisionedConcurrency="2")) == 1


def test_a_half_model_pin_is_refused_before_deploying(template):
    assert refused(template, ModelVersion="20261204T120000Z-0123abcd", ModelSha256="ab" * 32) == []
    assert refused(template, ModelVersion="20261204T120000Z-0123abcd") == [
        "ModelVersion needs ModelSha256 (the hash training printed); `make deploy MODEL_VERSION=...` reads it from "
        "the manifest."]
    assert refused(template, ModelSha256="ab" * 32) == ["ModelSha256 without ModelVersion pins nothing; set both or neither."]


def test_snapstart_and_provisioned_concurrency_follow_their_parameters(template):
    properties = function(template)
    assert properties["SnapStart"] == {"ApplyOn": {"Fn::If": ["UseSnapStart", "PublishedVersions", "None"]}}
    config = properties["ProvisionedConcurrencyConfig"]["Fn::If"]
    assert config[0] == "HasProvisionedConcurrency"
    assert config[1] == {"ProvisionedConcurrentExecutions": {"Ref": "ProvisionedConcurrency"}}


def test_tracing_mode_turns_the_functions_tracer_on_or_off(template):
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables["POWERTOOLS_TRACE_DISABLED"] == {"Fn::If": ["TracingOn", "false", "true"]}
    assert template["Globals"]["Function"]["Tracing"] == {"Ref": "TracingMode"}
    assert template["Conditions"]["TracingOn"] == {"Fn::Equals": [{"Ref": "TracingMode"}, "Active"]}
    assert template["Parameters"]["TracingMode"]["Default"] == "Active"
