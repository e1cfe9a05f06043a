"""`make e2e`'s driver (devtools/emulator/e2e.py): the parts that need no LocalStack. The run
itself is `make e2e` (docs/testing.md)."""
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from devtools.emulator import e2e
from modelops.monitoring.run import window_for
from tests.support.manifests import small_manifest
from training.publish import deploy_command


def test_commands_reach_localstack_with_test_credentials_and_never_the_callers_account():
    env = e2e.emulator_env({"PATH": "/bin", "AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "real",
                            "AWS_ACCESS_KEY_ID": "AKIAREAL", "AWS_REGION": "eu-west-1"})
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    assert (env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]) == ("test", "test")
    assert env["AWS_REGION"] == env["AWS_DEFAULT_REGION"] == "us-east-1"
    assert "AWS_PROFILE" not in env and "AWS_SESSION_TOKEN" not in env
    assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"] == "/dev/null"
    assert env["PATH"] == "/bin"


def test_the_deploy_line_training_prints_is_what_runs():
    manifest = small_manifest(name="breast-cancer", version="20261204T161349Z-2248b51f")
    output = f"Published ...\nDeploy it with:\n  {deploy_command(manifest)}\n"
    argv = e2e.printed_deploy_command(output)
    assert argv == ["make", "deploy", "MODEL_NAME=breast-cancer", "MODEL_VERSION=20261204T161349Z-2248b51f"]
    assert e2e.assignment(argv, "MODEL_VERSION") == "20261204T161349Z-2248b51f"


@pytest.mark.parametrize("output", ["nothing printed",
                                    "make deploy MODEL_NAME=a MODEL_VERSION=1\nmake deploy MODEL_NAME=a MODEL_VERSION=2"])
def test_no_single_deploy_line_fails_the_step(output):
    with pytest.raises(e2e.StepFailed, match="printed"):
        e2e.printed_deploy_command(output)


def test_a_missing_assignment_fails_the_step():
    with pytest.raises(e2e.StepFailed, match="MODEL_VERSION"):
        e2e.assignment(["make", "deploy"], "MODEL_VERSION")


def test_the_stacks_api_url_is_called_through_localstacks_gateway():
    url = e2e.emulator_api_url("https://kp943khdg0.execute-api.localhost.localstack.cloud:4566/dev/")
    assert url == "http://127.0.0.1:4566/restapis/kp943khdg0/dev/_user_request_"


def test_an_unexpected_api_url_fails_the_step():
    with pytest.raises(e2e.StepFailed, match="ApiUrl"):
        e2e.emulator_api_url("http://example.com/dev/")


@pytest.mark.parametrize("delay, window", [(60, 60), (0, 60), (15, 5)])
def test_the_monitor_window_holds_the_requests_just_made(delay, window):
    now = datetime(2026, 12, 4, 16, 15, 17, 500000, tzinfo=timezone.utc)
    event = e2e.monitor_event(now, delay)
    scheduled = datetime.fromisoformat(event["scheduled_time"].replace("Z", "+00:00"))
    monitored = window_for(scheduled, SimpleNamespace(label_delay_minutes=delay, window_minutes=window))
    assert monitored.start <= now.replace(second=0) and now < monitored.end  # the last minute's requests are inside


def test_bad_options_are_one_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        e2e.main(["--no-such-option"])
    assert exited.value.code == 2
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err
