import subprocess
import sys

from modelops.platform.tracing import traced, tracing_enabled


def handler(event, context):
    return "handled"


def test_with_tracing_off_the_handler_is_returned_as_is(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    assert not tracing_enabled() and traced(handler) is handler


def test_with_tracing_on_the_handler_is_wrapped_by_powertools_tracer(monkeypatch):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    wrapped = traced(handler)
    assert tracing_enabled() and wrapped is not handler


def test_with_tracing_off_the_xray_sdk_is_never_imported():
    script = ("import os, sys; os.environ['POWERTOOLS_TRACE_DISABLED'] = 'true'\n"
              "from modelops.platform.tracing import traced; traced(lambda e, c: None)\n"
              "assert not [m for m in sys.modules if m.startswith('aws_xray_sdk')], 'imported'")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
