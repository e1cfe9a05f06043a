"""The capture path as LocalStack is patched to deliver it (devtools/emulator/delivery.py), checked
against the template's own filter pattern, processors and prefix, and against what the monitor's
reader expects."""
import base64
import gzip
import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from cfnlint.decode import cfn_yaml

from devtools.emulator import delivery
from modelops.capture.reader import hour_prefixes

TEMPLATE = Path(__file__).resolve().parents[3] / "template.yaml"


@pytest.fixture(scope="module")
def resources() -> dict:
    return cfn_yaml.load(str(TEMPLATE))["Resources"]


def capture_filter(resources: dict) -> delivery.Matcher:
    matcher = delivery.json_filter(resources["CaptureSubscriptionFilter"]["Properties"]["FilterPattern"])
    assert matcher is not None
    return matcher


def test_the_capture_filter_passes_capture_records_and_nothing_else_the_function_logs(resources):
    matches = capture_filter(resources)
    assert matches(json.dumps({"record_type": "prediction", "prediction_id": "01", "inputs": {}}))
    assert matches(json.dumps({"record_type": "feedback", "prediction_id": "01", "label": 1}))
    # Powertools' JSON logs, metrics (EMF), the runtime's own lines, and JSON that is not an object.
    assert not matches(json.dumps({"level": "INFO", "message": "monitoring report"}))
    assert not matches(json.dumps({"record_type": "prediction_batch"}))
    assert not matches(json.dumps({"_aws": {"CloudWatchMetrics": []}, "Predictions": 1}))
    assert not matches("START RequestId: 1f Version: 2")
    assert not matches('["record_type", "prediction"]')
    assert not matches("")


def test_and_binds_tighter_than_or_and_numbers_compare_as_numbers():
    matches = delivery.json_filter('{ $.a = "x" && $.n = 1 || $.c.d != "y" }')
    assert matches('{"a": "x", "n": 1.0}')
    assert not matches('{"a": "x", "n": 2}')
    assert not matches('{"a": "x", "n": "1"}')  # a string is not the number 1
    assert matches('{"c": {"d": "z"}}')
    assert not matches('{"c": {"d": "y"}}')
    assert not matches('{"c": {}}')  # a missing field matches neither = nor !=


def test_string_values_take_wildcards():
    matches = delivery.json_filter('{ $.path = "/pre*" }')
    assert matches('{"path": "/predict"}') and not matches('{"path": "/feedback"}')


@pytest.mark.parametrize("pattern", ['{ ($.a = 1) }', '{ $.a > 1 }', '{ $.a IS NULL }', '{ $.a[0] = 1 }',
                                     'ERROR', '"quoted term"', '', '{ }', '{ $.a = 1 && }'])
def test_patterns_it_does_not_emulate_are_refused_not_guessed(pattern):
    assert delivery.json_filter(pattern) is None


def cloudwatch_envelope(messages: list[str], message_type: str = "DATA_MESSAGE") -> bytes:
    """What CloudWatch Logs (and LocalStack's logs provider) puts into the stream: gzip'd JSON."""
    return gzip.compress(json.dumps({
        "messageType": message_type, "owner": "000000000000", "logGroup": "/stack/inference",
        "logStream": "s", "subscriptionFilters": ["f"],
        "logEvents": [{"id": str(i), "timestamp": 0, "message": m} for i, m in enumerate(messages)]}).encode())


def run_processors(resources: dict, data: bytes) -> bytes | None:
    """The template's processors, in its order, as the patched Firehose runs them."""
    configuration = resources["CaptureDeliveryStream"]["Properties"]["ExtendedS3DestinationConfiguration"]
    for processor in configuration["ProcessingConfiguration"]["Processors"]:
        data = delivery.PROCESSORS[processor["Type"]](data)
        if data is None:
            return None
    return data


def test_the_templates_processors_turn_a_log_batch_into_newline_delimited_capture_lines(resources):
    lines = ['{"record_type": "prediction", "prediction_id": "a"}', '{"record_type": "feedback", "prediction_id": "a"}']
    assert run_processors(resources, cloudwatch_envelope(lines)) == ("\n".join(lines) + "\n").encode()


def test_a_control_message_is_dropped(resources):
    assert run_processors(resources, cloudwatch_envelope(["CWL CONTROL MESSAGE"], "CONTROL_MESSAGE")) is None


def test_every_processor_of_the_template_is_emulated(resources):
    configuration = resources["CaptureDeliveryStream"]["Properties"]["ExtendedS3DestinationConfiguration"]
    assert {p["Type"] for p in configuration["ProcessingConfiguration"]["Processors"]} <= set(delivery.PROCESSORS)
    assert configuration["CompressionFormat"] == "GZIP"  # what the patch writes (.gz objects)


def test_the_templates_prefix_lands_where_the_monitor_lists(resources):
    prefix = resources["CaptureDeliveryStream"]["Properties"]["ExtendedS3DestinationConfiguration"]["Prefix"]
    now = datetime(2026, 12, 4, 16, 5, 9, tzinfo=timezone.utc)
    evaluated, dynamic = delivery.evaluate_prefix(prefix, now)
    assert (evaluated, dynamic) == ("capture/2026/12/04/16/", True)
    assert evaluated in hour_prefixes(now, now)


def test_a_prefix_without_expressions_is_left_to_firehose():
    assert delivery.evaluate_prefix("plain/", datetime(2026, 1, 2, tzinfo=timezone.utc)) == ("plain/", False)


def test_the_processor_output_is_a_firehose_record_payload():
    # Firehose records carry base64 data; a processor works on the decoded bytes.
    data = base64.b64encode(cloudwatch_envelope(['{"record_type": "prediction"}']))
    out = delivery.append_delimiter(delivery.extract_messages(delivery.decompress(base64.b64decode(data))))
    assert out == b'{"record_type": "prediction"}\n'
