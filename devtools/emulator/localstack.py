"""Start, stop and check LocalStack on 127.0.0.1:4566, on this host, without Docker.

    python -m devtools.emulator.localstack start [--python PY312] [--timeout 90]
    python -m devtools.emulator.localstack status
    python -m devtools.emulator.localstack stop

LocalStack runs from .venv-localstack (`make .venv-localstack/.installed`) in the background, in its
own process group, with its log in .cache/localstack/localstack.log and every file it writes under
.cache/localstack (wiped at each start: every start is a fresh, empty AWS). Lambda functions run as
host python3.12 processes (the "host-python" executor, devtools/emulator/executor.py). Standard
library only: any python3 runs it."""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENV_PYTHON = ROOT / ".venv-localstack" / "bin" / "python"
STATE = ROOT / ".cache" / "localstack"
LOG = STATE / "localstack.log"
PID_FILE = STATE / "localstack.pid"
RUNTIME_DIR = ROOT / ".cache" / "lambda-runtime"  # the runtime's boto3 (make .cache/lambda-runtime/.installed)
HOST, PORT = "127.0.0.1", 4566
ENDPOINT = f"http://{HOST}:{PORT}"

# LocalStack's settings, each for a reason.
SETTINGS = {
    "GATEWAY_LISTEN": f"{HOST}:{PORT}",  # this host only
    "LAMBDA_RUNTIME_EXECUTOR": "host-python",  # no Docker: functions run as host processes
    # Its default (20 s) is for a container start; a cold scikit-learn import on 2 busy cores is slower.
    "LAMBDA_RUNTIME_ENVIRONMENT_TIMEOUT": "60",
    "DNS_ADDRESS": "0",  # no DNS server: it would bind port 53 on this host, and nothing needs it
    "DISABLE_EVENTS": "1",  # no analytics (there is no network but the package mirrors)
    "SKIP_SSL_CERT_DOWNLOAD": "1",  # it would try to download a certificate; plain HTTP is used
    "PERSISTENCE": "0",
    # CodeDeploy and CloudWatch dashboards have no provider in the community edition: create them as
    # no-ops (the default today, announced to become an error).
    "CFN_IGNORE_UNSUPPORTED_RESOURCE_TYPES": "1",
    "EMULATOR_PATCHES": "1",  # fixes to LocalStack bugs this stack meets: devtools/emulator/patches.py
}


def find_python312() -> str:
    """The Makefile's rule: a python3.12 on PATH that runs (a pyenv shim may exist and fail), else pyenv's 3.12.1."""
    pyenv_root = subprocess.run(["pyenv", "root"], capture_output=True, text=True).stdout.strip() \
        if shutil.which("pyenv") else ""
    for candidate in ("python3.12", f"{pyenv_root}/versions/3.12.1/bin/python3.12"):
        try:
            found = subprocess.run([candidate, "-c", "import sys; assert sys.version_info[:2] == (3, 12); print(sys.executable)"],
                                   capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if found.returncode == 0:
            return found.stdout.strip()
    raise SystemExit("No working python3.12 on PATH or in pyenv: install Python 3.12 (the Lambda runtime)")


def localstack_env(python312: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("AWS_", "LOCALSTACK_"))}
    env.update(SETTINGS)
    env.update({
        # Everything LocalStack writes (state, unzipped functions, its plugin cache) stays under .cache.
        "FILESYSTEM_ROOT": str(STATE / "filesystem"),
        # Where LocalStack unzips functions and layers (tempfile); it logs "TMPDIR is deprecated",
        # meaning its own old setting of that name: harmless.
        "TMPDIR": str(STATE / "tmp"),
        "XDG_CACHE_HOME": str(STATE / "xdg-cache"),
        "HOST_LAMBDA_PYTHON": python312,
        "HOST_LAMBDA_RUNTIME_DIR": str(RUNTIME_DIR),
        "HOST_LAMBDA_LOG_DIR": str(STATE / "lambda"),
    })
    return env


def running_pid() -> int | None:
    """The pid recorded at start, if that process is still LocalStack (pids are reused)."""
    try:
        pid = int(PID_FILE.read_text())
        return pid if b"localstack.runtime.main" in Path(f"/proc/{pid}/cmdline").read_bytes() else None
    except (FileNotFoundError, ValueError, ProcessLookupError):
        return None


def health() -> dict | None:
    try:
        with urllib.request.urlopen(f"{ENDPOINT}/_localstack/health", timeout=2) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def start(python312: str, timeout: float) -> int:
    if running_pid():
        print(f"LocalStack already running (pid {running_pid()}), {ENDPOINT}")
        return 0
    if health() is not None:
        print(f"Something else answers on {ENDPOINT}: stop it first", file=sys.stderr)
        return 1
    if not VENV_PYTHON.exists():
        print("No .venv-localstack: make .venv-localstack/.installed", file=sys.stderr)
        return 1
    if not (RUNTIME_DIR / ".installed").exists():
        print("No Lambda runtime packages: make .cache/lambda-runtime/.installed", file=sys.stderr)
        return 1
    shutil.rmtree(STATE, ignore_errors=True)
    for directory in ("tmp", "lambda", "filesystem"):
        (STATE / directory).mkdir(parents=True)
    started = time.monotonic()
    with LOG.open("wb") as log:
        # Own session: stop() can end LocalStack and the function runners it started, and nothing else.
        process = subprocess.Popen([str(VENV_PYTHON), "-m", "localstack.runtime.main"], cwd=STATE,
                                   env=localstack_env(python312), stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    PID_FILE.write_text(str(process.pid))
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            print(f"LocalStack exited ({process.returncode}) while starting; {LOG}:\n{LOG.read_text()[-3000:]}", file=sys.stderr)
            PID_FILE.unlink(missing_ok=True)
            return 1
        if health() is not None and b"Ready." in LOG.read_bytes():
            print(f"LocalStack ready on {ENDPOINT} in {time.monotonic() - started:.1f} s (pid {process.pid}, log {LOG})")
            return 0
        time.sleep(0.5)
    print(f"LocalStack not ready after {timeout:.0f} s; stopping it. {LOG}:\n{LOG.read_text()[-3000:]}", file=sys.stderr)
    stop()
    return 1


def stop(timeout: float = 30) -> int:
    pid = running_pid()
    if pid is None:
        print("LocalStack is not running")
        PID_FILE.unlink(missing_ok=True)
        return 0
    os.kill(pid, signal.SIGTERM)  # LocalStack stops its services and the function runners
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and running_pid() is not None:
        time.sleep(0.5)
        try:
            os.waitpid(pid, os.WNOHANG)  # reap it when this process started it (start's timeout)
        except ChildProcessError:
            pass
    try:
        os.killpg(pid, signal.SIGKILL)  # whatever of its group is left (a runner that ignored SIGTERM)
    except ProcessLookupError:
        pass
    PID_FILE.unlink(missing_ok=True)
    print(f"LocalStack stopped (pid {pid})")
    return 0


def status() -> int:
    pid, state = running_pid(), health()
    if pid is None:
        print("LocalStack is not running")
        return 1
    services = {name: value for name, value in (state or {}).get("services", {}).items() if value != "disabled"}
    print(f"LocalStack running (pid {pid}) on {ENDPOINT}: {'healthy' if state else 'not answering'}; "
          f"services: {', '.join(sorted(services)) or '?'}")
    return 0 if state else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["start", "stop", "status"])
    parser.add_argument("--python", help="the Lambda runtime's python3.12 (default: found as the Makefile does)")
    parser.add_argument("--timeout", type=float, default=90, help="seconds to wait for readiness (start)")
    args = parser.parse_args(argv)
    if args.command == "start":
        return start(args.python or find_python312(), args.timeout)
    return stop() if args.command == "stop" else status()


if __name__ == "__main__":
    sys.exit(main())
