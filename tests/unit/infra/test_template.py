"""The template against the code's contracts: the capture filter pattern, the monitor's environment
and metric names, and the security rules a linter does not check. Each test takes the decoded
template as an argument, so it can be run against a broken copy to see it fail."""
import json
import re
from pathlib import Path
from typing import Any, Iterator

import pytest
from cfnlint.decode import cfn_yaml

from modelops.capture import records as capture
from modelops.api.metrics import InferenceMetric
from modelops.monitoring.metrics import MonitorMetric
from modelops.monitoring.settings import ENVIRONMENT_VARIABLES

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"
STACK_NAMESPACE = {"Fn::Sub": "${AWS::StackName}"}
METRICS_BY_SERVICE = {"monitor": set(MonitorMetric), "inference": set(InferenceMetric)}


@pytest.fixture(scope="module")
def template() -> dict:
    return cfn_yaml.load(str(TEMPLATE))


def resources(template: dict, resource_type: str) -> dict[str, dict]:
    return {name: resource for name, resource in template["Resources"].items() if resource["Type"] == resource_type}


def only(template: dict, resource_type: str) -> tuple[str, dict]:
    found = resources(template, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


def get_att(value: Any) -> tuple[str, str] | None:
    """('Resource', 'Attribute') for !GetAtt in either of its decoded forms, else None."""
    if isinstance(value, dict) and list(value) == ["Fn::GetAtt"]:
        target = value["Fn::GetAtt"]
        parts = target.split(".", 1) if isinstance(target, str) else list(target)
        return parts[0], parts[1]
    return None


def test_subscription_filter_sends_exactly_the_capture_lines_of_the_inference_function(template):
    _, subscription = only(template, "AWS::Logs::SubscriptionFilter")
    props = subscription["Properties"]
    assert props["FilterPattern"] == capture.FILTER_PATTERN
    assert props["LogGroupName"] == {"Ref": "InferenceLogGroup"}
    assert template["Resources"]["InferenceFunction"]["Properties"]["LoggingConfig"]["LogGroup"] == {
        "Ref": "InferenceLogGroup"}
    stream_name, _ = only(template, "AWS::KinesisFirehose::DeliveryStream")
    assert get_att(props["DestinationArn"]) == (stream_name, "Arn")


def test_firehose_unwraps_cloudwatch_logs_into_gzipped_newline_delimited_hourly_objects(template):
    _, stream = only(template, "AWS::KinesisFirehose::DeliveryStream")
    assert stream["Properties"]["DeliveryStreamType"] == "DirectPut"
    destination = stream["Properties"]["ExtendedS3DestinationConfiguration"]
    assert destination["CompressionFormat"] == "GZIP"
    assert destination["Prefix"] == "capture/!{timestamp:yyyy/MM/dd/HH}/"
    assert destination["ErrorOutputPrefix"].startswith("capture-errors/")
    processing = destination["ProcessingConfiguration"]
    assert processing["Enabled"] is True
    processors = {p["Type"]: {q["ParameterName"]: q["ParameterValue"] for q in p.get("Parameters", [])}
                  for p in processing["Processors"]}
    order = [p["Type"] for p in processing["Processors"]]
    assert processors.get("Decompression") == {"CompressionFormat": "GZIP"}
    assert processors.get("CloudWatchLogProcessing") == {"DataMessageExtraction": "true"}
    assert order.index("Decompression") < order.index("CloudWatchLogProcessing")
    # The monitor's reader splits objects on newlines: the delimiter must not depend on extraction.
    assert "AppendDelimiterToRecord" in processors


def test_schedule_retries_and_dead_letters_into_the_templates_own_queue(template):
    events = template["Resources"]["MonitorFunction"]["Properties"]["Events"]
    schedules = [event["Properties"] for event in events.values() if event["Type"] == "ScheduleV2"]
    assert len(schedules) == 1
    schedule = schedules[0]
    assert schedule["ScheduleExpression"] == {"Fn::Sub": "rate(${MonitorRateMinutes} minutes)"}
    assert json.loads(schedule["Input"]) == {"scheduled_time": "<aws.scheduler.scheduled-time>"}
    retry = schedule.get("RetryPolicy", {})
    assert retry.get("MaximumRetryAttempts", 0) >= 1 and retry.get("MaximumEventAgeInSeconds", 0) > 0, retry
    queue = get_att(schedule["DeadLetterConfig"].get("Arn"))
    assert queue is not None and queue[1] == "Arn", "the DLQ must be the template's queue, not SAM's implicit one"
    assert template["Resources"][queue[0]]["Type"] == "AWS::SQS::Queue"


@pytest.mark.parametrize("function, service", [("MonitorFunction", "monitor"),
                                               ("MonitorBackfillFunction", "monitor-backfill")])
def test_monitor_environment_sets_exactly_what_the_monitor_reads(template, function, service):
    variables = template["Resources"][function]["Properties"]["Environment"]["Variables"]
    assert variables.get("POWERTOOLS_SERVICE_NAME") == service
    assert set(variables) - {"POWERTOOLS_SERVICE_NAME"} == set(ENVIRONMENT_VARIABLES)


def test_the_monitors_memory_sets_its_workers_and_any_account_can_deploy_the_default(template):
    """monitoring/workers.py counts one vCPU per 1,769 MB of AWS_LAMBDA_FUNCTION_MEMORY_SIZE."""
    import tomllib

    from modelops.monitoring.workers import LAMBDA_MB_PER_VCPU

    properties = template["Resources"]["MonitorFunction"]["Properties"]
    assert properties["MemorySize"] == {"Ref": "MonitorMemorySize"}
    assert properties["Environment"]["Variables"]["MONITOR_WORKERS"] == "0"  # automatic
    parameter = template["Parameters"]["MonitorMemorySize"]
    assert parameter["Default"] == LAMBDA_MB_PER_VCPU <= 3008  # one vCPU, within new accounts' memory quota
    config = tomllib.loads((Path(__file__).resolve().parents[3] / "samconfig.toml").read_text())
    prod = config["prod"]["deploy"]["parameters"]["parameter_overrides"].split()
    assert f"MonitorMemorySize={2 * LAMBDA_MB_PER_VCPU}" in prod  # two vCPUs: two processes


def stack_metrics(template: dict) -> Iterator[tuple[str, str, dict]]:
    """(where, metric name, dimensions) of every alarm and dashboard metric in the stack's namespace."""
    for name, alarm in resources(template, "AWS::CloudWatch::Alarm").items():
        props = alarm["Properties"]
        if props.get("Namespace") == STACK_NAMESPACE:
            yield name, props["MetricName"], {d["Name"]: d["Value"] for d in props.get("Dimensions", [])}
    for name, dashboard in resources(template, "AWS::CloudWatch::Dashboard").items():
        body = dashboard["Properties"]["DashboardBody"]
        if isinstance(body, dict):
            body = body["Fn::Sub"]
            body = body[0] if isinstance(body, list) else body
        body = re.sub(r"\$\{[^}]+\}", "0", body.replace("${AWS::StackName}", "STACK"))
        for widget in json.loads(body)["widgets"]:
            previous: list = []
            for row in widget["properties"].get("metrics", []) if widget["type"] == "metric" else []:
                fields = [f for f in row if not isinstance(f, dict)]
                fields = [previous[i] if f == "." else f for i, f in enumerate(fields)]  # "." = same as above
                previous = fields
                if fields[0] == "STACK":
                    yield name, fields[1], dict(zip(fields[2::2], fields[3::2]))


def test_alarms_and_dashboard_use_only_published_metric_names(template):
    found = list(stack_metrics(template))
    assert {name for _, name, _ in found} >= {"DriftedFeatures", "Predictions"}, "no metrics found: parser broken?"
    for where, name, dimensions in found:
        service = dimensions.get("service")
        assert service in METRICS_BY_SERVICE, f"{where}: {name} without a known service dimension"
        assert name in METRICS_BY_SERVICE[service], f"{where}: {name} is not a metric the {service} publishes"


def test_only_the_failure_alarms_notify_and_the_topic_key_lets_cloudwatch_publish(template):
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    notifying = {name for name, alarm in alarms.items() if alarm["Properties"].get("AlarmActions")}
    assert notifying == {"MonitorFailingAlarm", "MonitorDeadLettersAlarm", "BatchJobsFailingAlarm", "MonitorBackfillFailingAlarm"}
    for name in notifying:
        assert alarms[name]["Properties"]["AlarmActions"] == [{"Ref": "AlertTopic"}]
    # alias/aws/sns would silently drop every alarm notification (its key policy cannot grant CloudWatch).
    key = template["Resources"]["AlertTopic"]["Properties"]["KmsMasterKeyId"]
    assert key == {"Ref": "EncryptionKey"}
    statements = template["Resources"]["EncryptionKey"]["Properties"]["KeyPolicy"]["Statement"]
    assert any(s["Effect"] == "Allow" and s.get("Principal", {}).get("Service") == "cloudwatch.amazonaws.com"
               and {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(s["Action"]) for s in statements)


def test_every_log_group_expires_and_every_function_logs_to_one_of_them(template):
    log_groups = resources(template, "AWS::Logs::LogGroup")
    assert log_groups
    for name, group in log_groups.items():
        assert "RetentionInDays" in group.get("Properties", {}), f"{name} keeps logs forever"
    # A function without its own group logs to one Lambda creates, which never expires.
    for name, function in resources(template, "AWS::Serverless::Function").items():
        target = function["Properties"].get("LoggingConfig", {}).get("LogGroup")
        assert isinstance(target, dict) and target.get("Ref") in log_groups, f"{name} logs to an unmanaged group"


# The template's policy statements (wildcard actions and resources, key use, each function's own
# role) are checked in test_template_security.py.
