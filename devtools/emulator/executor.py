"""LocalStack Lambda executor "host-python": each execution environment is a python3.12 process on
this host (runner.py) instead of a Docker container, which LocalStack 4.x otherwise requires.

Imported by LocalStack only (its venv, .venv-localstack), found through the entry point
`localstack.lambda.runtime_executor` that devtools/emulator/plugin/pyproject.toml declares, and
selected with LAMBDA_RUNTIME_EXECUTOR=host-python. Configured by the start helper (localstack.py):
HOST_LAMBDA_PYTHON (the runtime's interpreter), HOST_LAMBDA_RUNTIME_DIR (the runtime's own boto3,
.cache/lambda-runtime), HOST_LAMBDA_LOG_DIR (each environment's output, for get_logs)."""
import json
import logging
import os
import platform
import subprocess
import threading
from concurrent.futures import Future
from pathlib import Path

from localstack import config
from localstack.services.lambda_.invocation.executor_endpoint import ExecutorEndpoint, StatusErrorException
from localstack.services.lambda_.invocation.lambda_models import (
    FunctionVersion,
    HotReloadingCode,
    InvocationResult,
    S3Code,
)
from localstack.services.lambda_.invocation.plugins import RuntimeExecutorPlugin
from localstack.services.lambda_.invocation.runtime_executor import LambdaRuntimeException, RuntimeExecutor
from localstack.utils.net import get_free_tcp_port

from devtools.emulator.runner import lambda_environment, lambda_sys_path, runner_command

LOG = logging.getLogger(__name__)
HOST_ARCHITECTURE = {"x86_64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(platform.machine())


def _setting(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise LambdaRuntimeException(f"{name} is not set: start LocalStack with `python -m devtools.emulator.localstack start`")
    return value


def _unzipped(code: S3Code | HotReloadingCode | None) -> Path:
    if code is None:
        raise LambdaRuntimeException("Container images need Docker: only zip functions and layers run here")
    return code.get_unzipped_code_location()


class HostPythonExecutor(RuntimeExecutor):
    def __init__(self, id: str, function_version: FunctionVersion) -> None:
        super().__init__(id=id, function_version=function_version)
        self.port = get_free_tcp_port()
        self.executor_endpoint = ExecutorEndpoint(id, container_address="127.0.0.1", container_port=self.port)
        self.process: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] = {}
        self.python = ""
        self.stopping = False
        name, qualifier = function_version.id.function_name, function_version.id.qualifier.replace("$", "")
        self.log_path = Path(_setting("HOST_LAMBDA_LOG_DIR")) / f"{name}-{qualifier}-{id}.log"

    def start(self, env_vars: dict[str, str]) -> None:
        config_ = self.function_version.config
        self.python, runtime_dir = _setting("HOST_LAMBDA_PYTHON"), Path(_setting("HOST_LAMBDA_RUNTIME_DIR"))
        code_dir = _unzipped(config_.code)
        layer_dirs = [_unzipped(layer.code) for layer in config_.layers]
        self.env = lambda_environment(env_vars, code_dir=code_dir, runtime_dir=runtime_dir, python=self.python,
                                      sys_path=lambda_sys_path(code_dir, layer_dirs, runtime_dir), port=self.port)
        self.executor_endpoint.start()
        self._spawn()
        self.executor_endpoint.wait_for_startup()

    def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(runner_command(self.python), env=self.env, cwd=self.env["LAMBDA_TASK_ROOT"],
                                            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        threading.Thread(target=self._watch, args=(self.process,), daemon=True,
                         name=f"lambda-host-python-{self.id}").start()

    def _watch(self, process: "subprocess.Popen[bytes]") -> None:
        """A runner that dies (crash, out of memory, timeout) must not leave LocalStack waiting on
        the startup or the invocation for ever: settle whichever is pending with an error."""
        code = process.wait()
        if self.stopping:
            return
        error = json.dumps({"errorType": "Runtime.ExitError",
                            "errorMessage": f"RequestId: Error: Runtime exited with error: exit status {code}"}).encode()
        endpoint = self.executor_endpoint
        if endpoint.startup_future and not endpoint.startup_future.done():
            endpoint.startup_future.set_exception(StatusErrorException("Runner exited during init", payload=error))
        elif endpoint.invocation_future and not endpoint.invocation_future.done():
            endpoint.invocation_future.set_result(InvocationResult("", error, is_error=True, logs=self.get_logs()[-4000:]))

    def stop(self) -> None:
        self.stopping = True
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
        try:
            self.executor_endpoint.shutdown()
        except Exception as error:  # not registered when startup failed early
            LOG.debug("Shutting down the executor endpoint of %s: %s", self.id, error)

    def invoke(self, payload: dict[str, str]) -> InvocationResult:
        if self.process and self.process.poll() is not None:
            # The runner ended after a timeout: Lambda resets the environment, i.e. a new init.
            self.executor_endpoint.startup_future = Future()
            self._spawn()
            self.executor_endpoint.wait_for_startup()
        return self.executor_endpoint.invoke(payload)

    def get_address(self) -> str:
        return "127.0.0.1"

    def get_endpoint_from_executor(self) -> str:
        """LocalStack as the function sees it: this host (AWS_ENDPOINT_URL=http://127.0.0.1:4566)."""
        return "127.0.0.1"

    def get_runtime_endpoint(self) -> str:
        return f"http://127.0.0.1:{config.GATEWAY_LISTEN[0].port}{self.executor_endpoint.get_endpoint_prefix()}"

    def get_logs(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "Runner was not started"

    @classmethod
    def prepare_version(cls, function_version: FunctionVersion) -> None:
        """Unzip the function's code and its layers where the runner will find them."""
        config_ = function_version.config
        _unzipped(config_.code)  # refuses container images
        architecture = config_.architectures[0] if config_.architectures else "x86_64"
        if architecture != HOST_ARCHITECTURE:
            LOG.warning("%s is built for %s but runs on this %s host: its compiled wheels will not load",
                        function_version.qualified_arn, architecture, HOST_ARCHITECTURE)
        for code in [config_.code, *(layer.code for layer in config_.layers)]:
            if code:
                code.prepare_for_execution()

    @classmethod
    def cleanup_version(cls, function_version: FunctionVersion) -> None:
        pass  # the unzipped code is LocalStack's (it deletes it with the function)

    @classmethod
    def validate_environment(cls) -> bool:
        python = os.environ.get("HOST_LAMBDA_PYTHON", "")
        if not os.access(python, os.X_OK):
            LOG.warning("HOST_LAMBDA_PYTHON=%r is not an executable python3.12: Lambda functions cannot run", python)
            return False
        return True


class HostPythonExecutorPlugin(RuntimeExecutorPlugin):
    name = "host-python"

    def load(self, *args: object, **kwargs: object) -> type[RuntimeExecutor]:
        return HostPythonExecutor
