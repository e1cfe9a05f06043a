"""The Lambda runtime of one execution environment, started by the host-python executor
(executor.py) as `python3.12 -I -S -B runner.py` instead of LocalStack's Docker container.

It does what the container's init (localstack/lambda-runtime-init) and the Python runtime client
do together, in LocalStack's executor protocol:
- listens on 127.0.0.1:<port> for LocalStack's `POST /invoke` ({"invoke-id", "invoked-function-arn",
  "payload", "trace-id"}), answers 200 at once and runs the invocation on the main thread;
- imports the handler (init), then posts `<endpoint>/status/<runtime id>/ready`, or
  `.../status/<runtime id>/error` with the init error (LocalStack returns it as the invoke's error);
- per invocation posts `<endpoint>/invocations/<id>/logs` ({"logs": ...}) and then
  `.../response` (the handler's JSON) or `.../error` (the runtime's error document).

Standard library only: it runs under the Lambda runtime's python3.12 with nothing but the function,
its layers and the runtime's boto3 on sys.path, and the unit tests import it from the dev venv."""
import importlib
import io
import json
import math
import os
import queue
import sys
import threading
import time
import traceback
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, TextIO

# What the executor hands the runner beside Lambda's own variables.
SYS_PATH_VARIABLE = "HOST_LAMBDA_SYS_PATH"
PORT_VARIABLE = "HOST_LAMBDA_PORT"

Handler = Callable[[Any, "LambdaContext"], Any]


def runner_command(python: str) -> list[str]:
    """-I: no PYTHON* variables, no user site, not this directory on sys.path; -S: not the
    interpreter's site-packages either (Lambda has none of the host's packages); -B: no .pyc written
    into the function's code (read-only /var/task on Lambda)."""
    return [python, "-I", "-S", "-B", str(Path(__file__).resolve())]


def lambda_sys_path(code_dir: Path, layer_dirs: Sequence[Path], runtime_dir: Path) -> list[str]:
    """Lambda's import order: the function's code (/var/task), the layers in the function's order
    (each extracted to /opt: /opt/python/lib/python3.12/site-packages, then /opt/python), then the
    runtime's own packages (/var/runtime: boto3 and botocore)."""
    path = [str(code_dir)]
    for layer in layer_dirs:
        site_packages = layer / "python" / "lib" / "python3.12" / "site-packages"
        path += [str(site_packages)] if site_packages.is_dir() else []
        path.append(str(layer / "python"))
    return [*path, str(runtime_dir)]


def lambda_environment(localstack_env: Mapping[str, object], *, code_dir: Path, runtime_dir: Path,
                       sys_path: Sequence[str], port: int, python: str) -> dict[str, str]:
    """The runner's whole environment: LocalStack's (Lambda's reserved variables, role credentials,
    AWS_ENDPOINT_URL, the function's own variables), nothing of LocalStack's own process (its config,
    its venv), as in a Lambda sandbox. LocalStack's values are not all strings (memory, timeout)."""
    env = {key: str(value) for key, value in localstack_env.items()}
    env.update({
        # LocalStack names the container's paths; the code and the runtime live elsewhere here.
        "LAMBDA_TASK_ROOT": str(code_dir),
        "LAMBDA_RUNTIME_DIR": str(runtime_dir),
        "PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        # Without these botocore would read the host's ~/.aws files (profiles, regions, endpoints).
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        SYS_PATH_VARIABLE: os.pathsep.join(sys_path),
        PORT_VARIABLE: str(port),
    })
    return env


class LambdaContext:
    """The Python runtime's context object. memory_limit_in_mb is a string, as on Lambda (the
    runtime client copies AWS_LAMBDA_FUNCTION_MEMORY_SIZE as it is)."""

    def __init__(self, env: Mapping[str, str], request_id: str, invoked_function_arn: str, deadline: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.aws_request_id = request_id
        self.invoked_function_arn = invoked_function_arn
        self.function_name = env.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = env.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = env.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = env.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = None
        self._deadline = deadline
        self._clock = clock

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - self._clock()) * 1000))


class RuntimeFault(Exception):
    """An error of the runtime, not of the function's code: reported with Lambda's "Runtime.*" type."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type


def user_frames(error: BaseException) -> list[str]:
    """The traceback without the runtime's own frames, as Lambda shows it."""
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename != __file__]
    return traceback.format_list(frames)


def error_payload(error: BaseException, request_id: str = "") -> dict[str, Any]:
    """The Python runtime's error document (what `Invoke` returns with FunctionError=Unhandled)."""
    if isinstance(error, RuntimeFault):  # the runtime's own: no user frames to show
        return {"errorMessage": str(error), "errorType": error.error_type, "requestId": request_id, "stackTrace": []}
    return {"errorMessage": str(error), "errorType": type(error).__name__, "requestId": request_id,
            "stackTrace": user_frames(error)}


def error_log(error: BaseException) -> str:
    """The line (and traceback) the runtime logs for an error."""
    payload = error_payload(error)
    trace = "".join(payload["stackTrace"])
    return f"[ERROR] {payload['errorType']}: {error}" + (f"\nTraceback (most recent call last):\n{trace}" if trace else "")


def load_handler(handler: str) -> Handler:
    """Import the handler's module (the init phase), with the Python runtime's fault types."""
    module_name, _, function_name = handler.rpartition(".")
    if not module_name:
        raise RuntimeFault("Runtime.MalformedHandlerName", f"Bad handler '{handler}': not enough values to unpack")
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as error:
        raise RuntimeFault("Runtime.ImportModuleError", f"Unable to import module '{module_name}': {error}") from error
    except SyntaxError as error:
        raise RuntimeFault("Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {error}") from error
    try:
        return getattr(module, function_name)
    except AttributeError:
        raise RuntimeFault("Runtime.HandlerNotFound", f"Handler '{function_name}' missing on module '{module_name}'") from None


def encode_result(result: Any) -> bytes:
    try:
        return json.dumps(result).encode()
    except (TypeError, ValueError) as error:
        raise RuntimeFault("Runtime.MarshalError", f"Unable to marshal response: {error}") from error


def report_line(request_id: str, duration_ms: float, memory_mb: str, max_memory_mb: int) -> str:
    return (f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\tBilled Duration: "
            f"{math.ceil(duration_ms)} ms\tMemory Size: {memory_mb} MB\tMax Memory Used: {max_memory_mb} MB")


def max_memory_mb(status: Path = Path("/proc/self/status")) -> int:
    """The process's peak resident memory. Not getrusage's ru_maxrss: Linux carries it across
    fork and exec, so a runner would report LocalStack's size."""
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024  # kB
    return 0


def timeout_payload(request_id: str, timeout_seconds: float) -> dict[str, str]:
    return {"errorType": "Sandbox.Timedout",
            "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout_seconds:.2f} seconds"}


class Tee(io.TextIOBase):
    """sys.stdout/sys.stderr of the function: every write goes to the process's own output (the
    environment's log file) and to the current invocation's logs (what LocalStack stores in
    CloudWatch Logs and returns for LogType=Tail). Installed before init, so that loggers created
    at import time (Powertools binds sys.stdout then) write through it."""

    def __init__(self, stream: TextIO, sink: list[str]) -> None:
        super().__init__()
        self._stream = stream
        self._sink = sink

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._stream.encoding

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._stream.write(text)
        self._stream.flush()
        self._sink.append(text)
        return len(text)

    def flush(self) -> None:
        self._stream.flush()


# LocalStack is on this host: never reach it through a proxy named in the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(url: str, body: bytes) -> None:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    with _OPENER.open(request, timeout=30) as response:
        response.read()


def serve_invokes(port: int, invocations: "queue.Queue[dict[str, str]]") -> HTTPServer:
    """LocalStack's side of an invoke: it posts the invocation and waits for our 200, then for the
    result on its own endpoint. The main thread runs the queued invocation (one at a time: an
    execution environment serves one request at a time)."""

    class InvokeHandler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path != "/invoke":
                self.send_error(404)
                return
            invocations.put(json.loads(body))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"OK")

        def log_message(self, format: str, *args: Any) -> None:
            pass  # access lines would land in the function's logs

    server = HTTPServer(("127.0.0.1", port), InvokeHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def exit_with_parent() -> None:
    """A runner whose LocalStack died without stopping it (SIGKILL) would hold its port forever."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()


class Runtime:
    def __init__(self, env: Mapping[str, str], logs: list[str]) -> None:
        self.env = env
        self.logs = logs
        self.endpoint = env["LOCALSTACK_RUNTIME_ENDPOINT"]
        self.timeout = float(env.get("AWS_LAMBDA_FUNCTION_TIMEOUT") or 3)

    def report(self, request_id: str, outcome: str, body: bytes) -> None:
        """Logs first: LocalStack attaches the logs it holds when the result arrives."""
        post(f"{self.endpoint}/invocations/{request_id}/logs", json.dumps({"logs": "".join(self.logs)}).encode())
        self.logs.clear()
        post(f"{self.endpoint}/invocations/{request_id}/{outcome}", body)

    def invoke(self, handler: Handler, invocation: Mapping[str, str]) -> None:
        request_id = invocation["invoke-id"]
        started = time.monotonic()
        reporting = threading.Lock()  # the result or the timeout, whichever comes first

        def time_out() -> None:
            # The handler cannot be stopped: report the timeout and end the process, as Lambda
            # resets the environment (the executor starts a new runner for the next invoke).
            if reporting.acquire(blocking=False):
                print(f"{time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} {request_id} "
                      f"Task timed out after {self.timeout:.2f} seconds")
                self.report(request_id, "error", json.dumps(timeout_payload(request_id, self.timeout)).encode())
                os._exit(1)

        os.environ["_X_AMZN_TRACE_ID"] = invocation.get("trace-id", "")
        print(f"START RequestId: {request_id} Version: {self.env.get('AWS_LAMBDA_FUNCTION_VERSION')}")
        timer = threading.Timer(self.timeout, time_out)
        timer.daemon = True
        timer.start()
        context = LambdaContext(self.env, request_id, invocation["invoked-function-arn"], started + self.timeout)
        try:
            body, outcome = encode_result(handler(json.loads(invocation["payload"]), context)), "response"
        except Exception as error:
            print(error_log(error), file=sys.stderr)
            body, outcome = json.dumps(error_payload(error, request_id)).encode(), "error"
        timer.cancel()
        if not reporting.acquire(blocking=False):
            threading.Event().wait()  # the timeout is being reported; the process ends with it
        duration_ms = (time.monotonic() - started) * 1000
        print(f"END RequestId: {request_id}")
        print(report_line(request_id, duration_ms, self.env.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "?"), max_memory_mb()))
        self.report(request_id, outcome, body)


def main() -> int:
    env = os.environ
    sys.path[:0] = env[SYS_PATH_VARIABLE].split(os.pathsep)
    os.chdir(env["LAMBDA_TASK_ROOT"])  # Lambda's working directory is the code's
    logs: list[str] = []  # init's output goes with the first invocation's logs, as in LocalStack
    sys.stdout = Tee(sys.stdout, logs)
    sys.stderr = Tee(sys.stderr, logs)
    exit_with_parent()
    invocations: "queue.Queue[dict[str, str]]" = queue.Queue()
    serve_invokes(int(env[PORT_VARIABLE]), invocations)  # listening before "ready": invokes follow at once
    status = f"{env['LOCALSTACK_RUNTIME_ENDPOINT']}/status/{env['LOCALSTACK_RUNTIME_ID']}"
    try:
        handler = load_handler(env["_HANDLER"])
    except Exception as error:
        print(error_log(error), file=sys.stderr)
        post(f"{status}/error", json.dumps(error_payload(error)).encode())
        return 1
    post(f"{status}/ready", b"")
    runtime = Runtime(env, logs)
    while True:
        runtime.invoke(handler, invocations.get())


if __name__ == "__main__":
    sys.exit(main())
