"""The host-python Lambda runtime (devtools/emulator/runner.py): its pure parts, and one runner
process speaking LocalStack's executor protocol to a stand-in endpoint (no LocalStack needed)."""
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from queue import Queue
from urllib.request import Request, urlopen

import pytest

from devtools.emulator import runner


def test_the_import_path_is_lambdas_code_then_layers_in_order_then_the_runtime(tmp_path):
    code, first, second, runtime = (tmp_path / name for name in ("code", "first", "second", "runtime"))
    (second / "python" / "lib" / "python3.12" / "site-packages").mkdir(parents=True)
    assert runner.lambda_sys_path(code, [first, second], runtime) == [
        str(code), str(first / "python"),
        str(second / "python" / "lib" / "python3.12" / "site-packages"), str(second / "python"),
        str(runtime)]


def test_the_runner_sees_no_site_packages_nor_python_variables():
    command = runner.runner_command("/usr/bin/python3.12")
    assert command[:4] == ["/usr/bin/python3.12", "-I", "-S", "-B"]
    assert command[4].endswith("devtools/emulator/runner.py")


def localstack_env() -> dict[str, object]:
    """What LocalStack's ExecutionEnvironment hands an executor (abridged), function variables last."""
    return {"AWS_LAMBDA_FUNCTION_NAME": "fn", "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": 1024, "AWS_LAMBDA_FUNCTION_TIMEOUT": 3,
            "AWS_REGION": "us-east-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
            "AWS_ACCESS_KEY_ID": "LSIA", "AWS_SECRET_ACCESS_KEY": "secret", "AWS_SESSION_TOKEN": "token",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/fn", "AWS_LAMBDA_LOG_STREAM_NAME": "2026/01/01/[$LATEST]abc",
            "LAMBDA_TASK_ROOT": "/var/task", "_HANDLER": "app.handler", "MODEL_NAME": "breast-cancer"}


def test_the_environment_is_lambdas_with_this_hosts_paths_and_nothing_of_localstacks(tmp_path, monkeypatch):
    monkeypatch.setenv("GATEWAY_LISTEN", "127.0.0.1:4566")  # LocalStack's own config stays out
    env = runner.lambda_environment(localstack_env(), code_dir=tmp_path / "code", runtime_dir=tmp_path / "rt",
                                    sys_path=["a", "b"], port=9001, python="/opt/py/bin/python3.12")
    assert all(isinstance(value, str) for value in env.values())
    assert env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"] == "1024" and env["MODEL_NAME"] == "breast-cancer"
    assert env["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566" and env["AWS_SESSION_TOKEN"] == "token"
    assert env["LAMBDA_TASK_ROOT"] == str(tmp_path / "code") and env["LAMBDA_RUNTIME_DIR"] == str(tmp_path / "rt")
    assert env["AWS_CONFIG_FILE"] == env["AWS_SHARED_CREDENTIALS_FILE"] == os.devnull
    assert env["PATH"].startswith("/opt/py/bin:")
    assert env[runner.SYS_PATH_VARIABLE] == os.pathsep.join(["a", "b"]) and env[runner.PORT_VARIABLE] == "9001"
    assert "GATEWAY_LISTEN" not in env


def test_the_context_has_what_the_python_runtime_gives():
    env = {key: str(value) for key, value in localstack_env().items()}
    now = [100.0]
    context = runner.LambdaContext(env, "req-1", "arn:aws:lambda:us-east-1:000000000000:function:fn:live",
                                   deadline=103.0, clock=lambda: now[0])
    assert (context.function_name, context.function_version, context.aws_request_id) == ("fn", "$LATEST", "req-1")
    assert context.invoked_function_arn.endswith(":fn:live")
    assert context.memory_limit_in_mb == "1024"  # a string on Lambda too
    assert (context.log_group_name, context.log_stream_name) == ("/aws/lambda/fn", "2026/01/01/[$LATEST]abc")
    assert context.get_remaining_time_in_millis() == 3000
    now[0] = 104.0
    assert context.get_remaining_time_in_millis() == 0


def test_an_error_is_reported_in_the_runtimes_shape_with_the_users_frames_only():
    def handler() -> None:
        raise ValueError("bad input")

    try:
        handler()
    except ValueError as raised:
        error = raised
    payload = runner.error_payload(error, "req-1")
    assert payload["errorMessage"] == "bad input" and payload["errorType"] == "ValueError"
    assert payload["requestId"] == "req-1"
    assert len(payload["stackTrace"]) == 2 and "in handler" in payload["stackTrace"][-1]
    assert runner.error_log(error).startswith("[ERROR] ValueError: bad input\nTraceback")


@pytest.fixture
def function_dir(tmp_path, monkeypatch) -> Path:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return {'echo': event}\n")
    (tmp_path / "broken.py").write_text("import no_such_module\n")
    (tmp_path / "bad_syntax.py").write_text("def (:\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("app", "broken", "bad_syntax"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    return tmp_path


@pytest.mark.parametrize("handler, error_type, message", [
    ("broken.handler", "Runtime.ImportModuleError", "Unable to import module 'broken': No module named 'no_such_module'"),
    ("bad_syntax.handler", "Runtime.UserCodeSyntaxError", "Syntax error in module 'bad_syntax'"),
    ("app.missing", "Runtime.HandlerNotFound", "Handler 'missing' missing on module 'app'"),
    ("handler", "Runtime.MalformedHandlerName", "Bad handler 'handler'"),
])
def test_init_faults_carry_lambdas_runtime_error_types(function_dir, handler, error_type, message):
    with pytest.raises(runner.RuntimeFault) as raised:
        runner.load_handler(handler)
    payload = runner.error_payload(raised.value)
    assert payload["errorType"] == error_type and payload["errorMessage"].startswith(message)
    assert payload["stackTrace"] == []


def test_the_handler_loads_and_results_are_json(function_dir):
    context = runner.LambdaContext({}, "req-1", "arn:fn", deadline=0.0)
    assert runner.load_handler("app.handler")({"a": 1}, context) == {"echo": {"a": 1}}
    assert runner.encode_result({"a": [1, None]}) == b'{"a": [1, null]}'
    with pytest.raises(runner.RuntimeFault, match="Unable to marshal response") as raised:
        runner.encode_result({1, 2})
    assert raised.value.error_type == "Runtime.MarshalError"


def test_report_timeout_and_memory_lines(tmp_path):
    assert runner.report_line("r", 12.3456, "1024", 80) == (
        "REPORT RequestId: r\tDuration: 12.35 ms\tBilled Duration: 13 ms\tMemory Size: 1024 MB\tMax Memory Used: 80 MB")
    assert runner.timeout_payload("r", 20) == {
        "errorType": "Sandbox.Timedout", "errorMessage": "RequestId: r Error: Task timed out after 20.00 seconds"}
    status = tmp_path / "status"
    status.write_text("Name:\tpython3.12\nVmPeak:\t  900000 kB\nVmHWM:\t   81920 kB\nVmRSS:\t   70000 kB\n")
    assert runner.max_memory_mb(status) == 80


def test_the_tee_writes_to_the_stream_and_the_invocations_logs(tmp_path):
    sink: list[str] = []
    with (tmp_path / "out.log").open("w") as stream:
        tee = runner.Tee(stream, sink)
        print("hello", file=tee)
        assert tee.encoding == stream.encoding
    assert sink == ["hello", "\n"] and (tmp_path / "out.log").read_text() == "hello\n"


# --- One runner process against a stand-in for LocalStack's executor endpoint -------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def endpoint() -> Iterator[tuple[str, "Queue[tuple[str, bytes]]"]]:
    """Records every POST the runner makes: (path, body)."""
    posts: "Queue[tuple[str, bytes]]" = Queue()

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            posts.put((self.path, self.rfile.read(int(self.headers.get("Content-Length") or 0))))
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/_localstack_lambda/env1", posts
    server.shutdown()


def start_runner(code_dir: Path, endpoint_url: str, handler: str) -> tuple["subprocess.Popen[bytes]", int]:
    port = free_port()
    env = runner.lambda_environment(
        {**localstack_env(), "_HANDLER": handler, "LOCALSTACK_RUNTIME_ENDPOINT": endpoint_url,
         "LOCALSTACK_RUNTIME_ID": "env1"},
        code_dir=code_dir, runtime_dir=code_dir / "runtime", sys_path=runner.lambda_sys_path(code_dir, [], code_dir / "runtime"),
        port=port, python=sys.executable)
    process = subprocess.Popen(runner.runner_command(sys.executable), env=env, cwd=code_dir,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return process, port


def test_a_runner_reports_ready_then_logs_then_the_response(tmp_path, endpoint):
    url, posts = endpoint
    (tmp_path / "app.py").write_text(
        "import sys\nprint('init')\n"
        "def handler(event, context):\n"
        "    print('remaining', context.get_remaining_time_in_millis() > 0)\n"
        "    return {'event': event, 'function': context.function_name, 'path0': sys.path[0]}\n")
    process, port = start_runner(tmp_path, url, "app.handler")
    try:
        assert posts.get(timeout=10) == ("/_localstack_lambda/env1/status/env1/ready", b"")
        invoke = {"invoke-id": "req-1", "invoked-function-arn": "arn:fn", "payload": '{"x": 1}', "trace-id": "Root=1-a"}
        request = Request(f"http://127.0.0.1:{port}/invoke", data=json.dumps(invoke).encode(), method="POST")
        with urlopen(request, timeout=10) as answer:
            assert answer.read() == b"OK"
        logs_path, logs = posts.get(timeout=10)
        assert logs_path == "/_localstack_lambda/env1/invocations/req-1/logs"
        lines = json.loads(logs)["logs"].splitlines()
        assert lines[:3] == ["init", "START RequestId: req-1 Version: $LATEST", "remaining True"]
        assert lines[3] == "END RequestId: req-1" and lines[4].startswith("REPORT RequestId: req-1\tDuration: ")
        path, body = posts.get(timeout=10)
        assert path == "/_localstack_lambda/env1/invocations/req-1/response"
        assert json.loads(body) == {"event": {"x": 1}, "function": "fn", "path0": str(tmp_path)}
    finally:
        process.kill()
        process.wait()


def test_a_runner_whose_init_fails_reports_the_error_and_exits(tmp_path, endpoint):
    url, posts = endpoint
    (tmp_path / "app.py").write_text("import no_such_module\n")
    process, _ = start_runner(tmp_path, url, "app.handler")
    try:
        path, body = posts.get(timeout=10)
        assert path == "/_localstack_lambda/env1/status/env1/error"
        assert json.loads(body)["errorType"] == "Runtime.ImportModuleError"
        assert process.wait(timeout=10) == 1
    finally:
        process.kill()
