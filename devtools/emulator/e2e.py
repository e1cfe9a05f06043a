"""`make e2e`: the README's four deploy steps, run with the real commands against LocalStack on
127.0.0.1:4566 (no Docker, no AWS account), then a second model version, checking at each step
what a user would see.

    make e2e                                  # or: .venv/bin/python -m devtools.emulator.e2e
    make e2e E2E_ARGS='--keep'                # leave the stack (and LocalStack) up to look at it
    make e2e E2E_ARGS='--hold-fingerprint'    # the version defect put back: must FAIL at step 5

Steps (each printed with its time and the time since the start):
1. `make deploy STACK_NAME=<stack> PARAMS="Architecture=x86_64"`: the stack is created, and
   through the API stage GET /model and POST /predict answer 503 model_unavailable.not_configured.
2. `make train ARGS='--bucket <ModelBucketName>'`: the printed `make deploy MODEL_NAME=...
   MODEL_VERSION=...` line is read from its output.
3. That printed line, run as printed (plus the same STACK_NAME and PARAMS): POST /predict answers
   200 from that version, through the `live` alias; POST /feedback of its prediction_id 202.
4. The monitor invoked (as `aws lambda invoke` would) on a window that holds those requests: its
   report is in the monitoring bucket, for that version, and counts the requests that reached it.
   Then the MonitorBackfillStateMachine over the same requests (`aws stepfunctions
   start-execution`): its Distributed Maps run on LocalStack and the report counts the same. Then
   the BatchScoringStateMachine over a CSV of 250 patients and one bad row put in the batch
   bucket's input/: its Distributed Map runs there too, and the summary and the predictions
   account for every row (250 scored by the deployed version, 1 refused).
5. A second version trained and deployed the same way: the API serves it (`live` moved).

x86_64, whatever the samconfig default: the functions run as processes on this x86_64 host, and
arm64 wheels do not load here. `--hold-fingerprint` deploys step 5 with DeployFingerprint held at
step 3's value (the real deploy command, with only its fingerprint function replaced), i.e. the
defect of issue 12 (a new model pin but the same function version): step 5 must then fail.

LocalStack is started when it is not running, and stopped at the end (even on failure or Ctrl-C);
stopping it discards the stack, since every start is a fresh, empty AWS. One already running is
left running, and the stack is deleted instead. Each command's output goes to .cache/e2e/<step>.log,
and its last lines are printed when it fails."""
import argparse
import functools
import gzip
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from devtools.emulator import localstack

ROOT = Path(__file__).resolve().parents[2]
LOG_DIR = ROOT / ".cache" / "e2e"
PYTHON = ROOT / ".venv" / "bin" / "python"
REGION = "us-east-1"
DEFAULT_STACK = "modelops-e2e"
PARAMS = "Architecture=x86_64"
# One instance with two features sent (the rest imputed), as in the README's curl.
PREDICT_BODY = {"mean_radius": 17.99, "mean_texture": 10.38}
PRINTED_DEPLOY = re.compile(r"^\s*(make deploy\s+MODEL_NAME=\S+\s+MODEL_VERSION=\S+)", re.MULTILINE)
# ApiUrl as the stack outputs it: https://<api-id>.execute-api.<host>/<stage>/
API_URL = re.compile(r"^https://(?P<api>[a-z0-9]+)\.execute-api\.[^/]+/(?P<stage>[^/]+)/?$")


class StepFailed(Exception):
    """What a user would have seen go wrong, in one line."""


# ----------------------------------------------------------------------------- pure helpers


def emulator_env(base: Mapping[str, str]) -> dict[str, str]:
    """The environment of every command: LocalStack's endpoint and test credentials only. The
    caller's AWS_* settings (a profile, a session token, another region) are dropped, and the
    host's ~/.aws files are not read, so nothing can reach a real account."""
    env = {key: value for key, value in base.items() if not key.startswith("AWS_")}
    env.update({
        "AWS_ENDPOINT_URL": localstack.ENDPOINT,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    })
    return env


def printed_deploy_command(train_output: str) -> list[str]:
    """The `make deploy MODEL_NAME=... MODEL_VERSION=...` line training printed, as argv."""
    found = PRINTED_DEPLOY.findall(train_output)
    if len(found) != 1:
        raise StepFailed(f"make train printed {len(found)} 'make deploy MODEL_NAME=... MODEL_VERSION=...' lines, not 1")
    return shlex.split(found[0])


def assignment(argv: Sequence[str], key: str) -> str:
    values = [arg.partition("=")[2] for arg in argv if arg.startswith(f"{key}=")]
    if len(values) != 1:
        raise StepFailed(f"'{shlex.join(argv)}' has no single {key}=")
    return values[0]


def emulator_api_url(api_url: str) -> str:
    """The stack's ApiUrl output as LocalStack serves it on 127.0.0.1 (no DNS for its host names)."""
    match = API_URL.match(api_url)
    if not match:
        raise StepFailed(f"ApiUrl output '{api_url}' is not https://<api-id>.execute-api.<host>/<stage>/")
    return f"{localstack.ENDPOINT}/restapis/{match['api']}/{match['stage']}/_user_request_"


def monitor_event(now: datetime, label_delay_minutes: int) -> dict[str, str]:
    """A scheduled time whose window (it ends label_delay_minutes before it) ends a minute from
    now: the requests just made are inside it."""
    scheduled = now.astimezone(timezone.utc) + timedelta(minutes=label_delay_minutes + 1)
    return {"scheduled_time": scheduled.strftime("%Y-%m-%dT%H:%M:%SZ")}


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


# ----------------------------------------------------------------------------- the run


class Run:
    def __init__(self, stack: str, hold_fingerprint: bool, out: Callable[[str], None]) -> None:
        import boto3
        from botocore.config import Config

        self.stack = stack
        self.hold_fingerprint = hold_fingerprint
        self.out = out
        self.env = emulator_env(os.environ)
        self.started = time.monotonic()
        session = boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION)
        # A cold start of the inference function imports scikit-learn on 2 busy cores: give it time.
        config = Config(read_timeout=300, retries={"max_attempts": 1})
        self.credentials = session.get_credentials()
        self.clients = {name: session.client(name, endpoint_url=localstack.ENDPOINT, config=config)
                        for name in ("cloudformation", "lambda", "s3", "stepfunctions")}
        self.api = ""
        self.captured = {"prediction": 0, "feedback": 0}  # capture records the calls so far should produce
        self.first_call: datetime | None = None  # when the first prediction was asked for

    # --- plumbing

    def command(self, name: str, argv: list[str]) -> str:
        """Run one command as a user would type it; its output to .cache/e2e/<name>.log."""
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = LOG_DIR / f"{name}.log"
        self.out(f"    $ {shlex.join(argv)}")
        with log.open("w") as handle:
            completed = subprocess.run(argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=handle,
                                       stderr=subprocess.STDOUT, text=True)
        if completed.returncode:
            self.out(f"    ... last lines of {log.relative_to(ROOT)}:\n{tail(log)}")
            raise StepFailed(f"`{shlex.join(argv)}` exited {completed.returncode} (log: {log.relative_to(ROOT)})")
        return log.read_text(errors="replace")

    def stack_outputs(self) -> dict[str, str]:
        stack = self.clients["cloudformation"].describe_stacks(StackName=self.stack)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])} | {"_status": stack["StackStatus"]}

    def stack_parameter(self, key: str) -> str:
        stack = self.clients["cloudformation"].describe_stacks(StackName=self.stack)["Stacks"][0]
        return {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack["Parameters"]}[key]

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, dict]:
        """One request through the API stage, SigV4-signed as the README's step 4 signs it
        (LocalStack does not check signatures; AWS does)."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        data = None if body is None else json.dumps(body).encode()
        request = AWSRequest(method=method, url=f"{self.api}/{path}", data=data,
                             headers={"Content-Type": "application/json"} if data else {})
        SigV4Auth(self.credentials, "execute-api", REGION).add_auth(request)
        prepared = urllib.request.Request(request.url, data=data, method=method, headers=dict(request.headers))
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1: never a proxy
        try:
            with opener.open(prepared, timeout=300) as response:
                status, text = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read()
        try:
            return status, json.loads(text)
        except ValueError:
            raise StepFailed(f"{method} /{path} answered {status} with a body that is not JSON: {text[:200]!r}") from None

    def expect(self, method: str, path: str, status: int, body: Any = None) -> dict:
        got, answer = self.call(method, path, body)
        self.out(f"    {method} /{path} -> {got} {json.dumps(answer)[:160]}")
        if got != status:
            raise StepFailed(f"{method} /{path} answered {got}, expected {status}: {json.dumps(answer)[:300]}")
        return answer

    def live_alias(self) -> tuple[str, str]:
        """(the version `live` points at, the MODEL_VERSION that version runs with)."""
        function = self.stack_outputs()["InferenceFunctionName"]
        version = self.clients["lambda"].get_alias(FunctionName=function, Name="live")["FunctionVersion"]
        config = self.clients["lambda"].get_function_configuration(FunctionName=function, Qualifier=version)
        return version, config.get("Environment", {}).get("Variables", {}).get("MODEL_VERSION", "")

    # --- the steps

    def deploy_stack(self) -> None:
        self.command("1-deploy", ["make", "--no-print-directory", "deploy", f"STACK_NAME={self.stack}", f"PARAMS={PARAMS}"])
        outputs = self.stack_outputs()
        if outputs["_status"] != "CREATE_COMPLETE":
            raise StepFailed(f"stack {self.stack} is {outputs['_status']}, expected CREATE_COMPLETE")
        self.api = emulator_api_url(outputs["ApiUrl"])
        self.out(f"    stack {self.stack} CREATE_COMPLETE; API {self.api}")
        for method, path, body in (("GET", "model", None), ("POST", "predict", PREDICT_BODY)):
            answer = self.expect(method, path, 503, body)
            if answer.get("error", {}).get("code") != "model_unavailable.not_configured":
                raise StepFailed(f"{method} /{path} 503 is not model_unavailable.not_configured: {answer}")

    def train(self, name: str) -> list[str]:
        bucket = self.stack_outputs()["ModelBucketName"]
        output = self.command(name, ["make", "--no-print-directory", "train", f"ARGS=--bucket {bucket}"])
        printed = printed_deploy_command(output)
        self.out(f"    printed: {shlex.join(printed)}")
        return printed

    def deploy_version(self, name: str, printed: list[str], hold_fingerprint: str | None = None) -> str:
        argv = [*printed, f"STACK_NAME={self.stack}", f"PARAMS={PARAMS}"]
        if hold_fingerprint is None:
            self.command(name, [argv[0], "--no-print-directory", *argv[1:]])
        else:
            self.deploy_with_fingerprint(name, argv, hold_fingerprint)
        return assignment(printed, "MODEL_VERSION")

    def deploy_with_fingerprint(self, name: str, argv: list[str], fingerprint: str) -> None:
        """What `make deploy` runs (its recipe: python -m devtools.deploy with these options), with
        DeployFingerprint held at `fingerprint` whatever changed: the version defect put back."""
        self.out(f"    (DeployFingerprint held at {fingerprint[:12]}... instead of computed)")
        options = ["--stack-name", assignment(argv, "STACK_NAME"), "--model-name", assignment(argv, "MODEL_NAME"),
                   "--model-version", assignment(argv, "MODEL_VERSION"), "--parameter", PARAMS]
        script = ("import sys; from devtools.deploy import command; "
                  f"command.function_fingerprint = lambda *args, **kwargs: {fingerprint!r}; "
                  "sys.exit(command.main(sys.argv[1:]))")
        python_dir = str(Path(localstack.find_python312()).parent)  # sam build needs python3.12 on PATH
        self.env = {**self.env, "PATH": f"{python_dir}:{self.env.get('PATH', '')}"}
        self.command(name, [str(PYTHON), "-c", script, *options])

    def serves(self, version: str) -> str:
        self.first_call = self.first_call or datetime.now(timezone.utc)
        answer = self.expect("POST", "predict", 200, PREDICT_BODY)
        self.captured["prediction"] += len(answer.get("predictions", []))
        served = answer.get("model", {}).get("version")
        live, live_model = self.live_alias()
        self.out(f"    live -> function version {live} (MODEL_VERSION={live_model or '<none>'})")
        if served != version:
            raise StepFailed(f"POST /predict is served by model version {served}, expected {version} "
                             f"(`live` is on function version {live}, which runs MODEL_VERSION={live_model or '<none>'})")
        return answer["predictions"][0]["prediction_id"]

    def feedback(self, prediction_id: str) -> None:
        answer = self.expect("POST", "feedback", 202, {"labels": [{"prediction_id": prediction_id, "label": 1}]})
        if answer.get("accepted") != 1:
            raise StepFailed(f"POST /feedback accepted {answer.get('accepted')} labels, expected 1")
        self.captured["feedback"] += 1

    def capture_lines(self, bucket: str) -> int:
        """Non-empty lines under capture/: what Firehose has delivered so far."""
        s3, lines = self.clients["s3"], 0
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="capture/"):
            for item in page.get("Contents", []):
                data = s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()
                data = gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data
                lines += sum(1 for line in data.splitlines() if line.strip())
        return lines

    def wait_for_capture(self, bucket: str, timeout: float = 60) -> None:
        """Log delivery is asynchronous (on AWS, Firehose also buffers up to a minute): wait until
        every record the calls produced is in S3 before the monitor reads the window."""
        expected, deadline = sum(self.captured.values()), time.monotonic() + timeout
        while (delivered := self.capture_lines(bucket)) < expected and time.monotonic() < deadline:
            time.sleep(1)
        self.out(f"    s3://{bucket}/capture/: {delivered} record(s) delivered, {expected} expected")
        if delivered != expected:
            raise StepFailed(f"{delivered} capture records in s3://{bucket}/capture/ after {timeout:.0f} s, expected "
                             f"{expected} (function log group -> subscription filter -> Firehose -> S3)")

    def monitor(self, version: str) -> None:
        outputs = self.stack_outputs()
        self.wait_for_capture(outputs["MonitoringBucketName"])
        function = outputs["MonitorFunctionName"]
        variables = self.clients["lambda"].get_function_configuration(FunctionName=function)["Environment"]["Variables"]
        event = monitor_event(datetime.now(timezone.utc), int(variables["LABEL_DELAY_MINUTES"]))
        self.out(f"    lambda invoke {function} {json.dumps(event)}")
        invoked = self.clients["lambda"].invoke(FunctionName=function, Payload=json.dumps(event).encode())
        result = json.loads(invoked["Payload"].read())
        self.out(f"    -> {json.dumps(result)[:300]}")
        if invoked.get("FunctionError"):
            raise StepFailed(f"the monitor failed: {result.get('errorType')}: {result.get('errorMessage')}")
        if "report" not in result:
            raise StepFailed(f"the monitor returned no report key: {result}")
        self.check_report(outputs["MonitoringBucketName"], result["report"], version)

    def check_report(self, bucket: str, key: str, version: str) -> None:
        report = json.loads(self.clients["s3"].get_object(Bucket=bucket, Key=key)["Body"].read())
        volume = report["volume"]
        self.out(f"    s3://{bucket}/{key}: status {report['status']}, volume {json.dumps(volume)}")
        if report["model_version"] != version:
            raise StepFailed(f"the report is for model version {report['model_version']}, expected {version}")
        counted = {"prediction": volume["predictions"], "feedback": volume["feedback"]}
        if counted != self.captured or volume["invalid"] or volume["malformed_lines"] or volume["unreadable_objects"]:
            raise StepFailed(f"the report counts {json.dumps(volume)}; expected exactly {json.dumps(self.captured)} "
                             "and nothing invalid, malformed or unreadable")

    def backfill(self, version: str, timeout: float = 240) -> None:
        """The backfill state machine over a window holding the requests made so far (capture is
        already in S3: the monitor step waited for it): the same counts as the monitor's report."""
        outputs = self.stack_outputs()
        start = (self.first_call or datetime.now(timezone.utc)).replace(second=0, microsecond=0) - timedelta(minutes=1)
        # The next whole second after the last request (whose record may carry this very second),
        # and a backfill only takes windows that are over: wait for it.
        end = datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=1)
        time.sleep(max(0.0, (end - datetime.now(timezone.utc)).total_seconds()) + 0.1)
        request = {"start": start.isoformat(), "end": end.isoformat()}
        outcome = self.execute(outputs["MonitorBackfillStateMachineArn"], request, timeout)
        self.check_report(outputs["MonitoringBucketName"], outcome["report"], version)

    def batch(self, version: str, rows: int = 250, timeout: float = 240) -> None:
        """The batch scoring state machine over a CSV in the batch bucket's input/ (the README's
        `aws s3 cp` then `start-execution`), with an id column and one bad row: its Distributed Map
        runs on LocalStack, and the summary and predictions account for every row."""
        from training.data import load_bundled

        outputs = self.stack_outputs()
        table = load_bundled()
        bucket = outputs["BatchBucketName"]
        lines = [",".join(["patient", *table.feature_names])]
        lines += [",".join([f"p{index}", *map(repr, row)]) for index, row in enumerate(table.rows[:rows])]
        lines.append(",".join(["bad", *["x"] * len(table.feature_names)]))
        self.clients["s3"].put_object(Bucket=bucket, Key="input/e2e/patients.csv", Body="\n".join(lines).encode() + b"\n")
        request = {"input": f"s3://{bucket}/input/e2e/", "output": f"s3://{bucket}/output/e2e/", "id_column": "patient"}
        summary = self.execute(outputs["BatchStateMachineArn"], request, timeout)
        if (summary["status"], summary["rows_scored"], summary["rows_refused"]) != ("succeeded", rows, 1) or \
                summary["model"]["version"] != version:
            raise StepFailed(f"the batch summary is not {rows} rows scored and 1 refused by {version}: "
                             f"{json.dumps(summary)[:600]}")
        listed = self.clients["s3"].list_objects_v2(Bucket=bucket, Prefix="output/e2e/predictions/")
        scored = sum(self.clients["s3"].get_object(Bucket=bucket, Key=item["Key"])["Body"].read().count(b"\n") - 1
                     for item in listed.get("Contents", []))
        if scored != rows:
            raise StepFailed(f"the predictions under s3://{bucket}/output/e2e/predictions/ hold {scored} rows, not {rows}")

    def execute(self, machine: str, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """start-execution, wait for it to end; its output, or StepFailed with its error."""
        self.out(f"    stepfunctions start-execution {machine.rsplit(':', 1)[-1]} {json.dumps(request)}")
        sfn = self.clients["stepfunctions"]
        execution = sfn.start_execution(stateMachineArn=machine, input=json.dumps(request))["executionArn"]
        deadline = time.monotonic() + timeout
        while (described := sfn.describe_execution(executionArn=execution))["status"] == "RUNNING":
            if time.monotonic() > deadline:
                raise StepFailed(f"the execution is still running after {timeout:.0f} s")
            time.sleep(2)
        if described["status"] != "SUCCEEDED":
            raise StepFailed(f"the execution {described['status']}: {described.get('error')}: "
                             f"{described.get('cause', '')[:400]}")
        outcome = json.loads(described["output"])
        self.out(f"    -> {json.dumps(outcome)[:300]}")
        return outcome

    def run(self) -> None:
        self.step(1, "make deploy: the stack, no model yet", self.deploy_stack)
        printed = self.step(2, "make train into the stack's bucket", lambda: self.train("2-train"))
        first = self.step(3, "make deploy of the printed version", lambda: self.deploy_version("3-deploy", printed))
        fingerprint = self.stack_parameter("DeployFingerprint")

        def call_first() -> None:
            self.feedback(self.serves(first))
            self.serves(first)  # a second prediction, warm: the monitor sees more than one

        self.step(3, "POST /predict 200 from it, POST /feedback 202", call_first)
        self.step(4, "the monitor's report in the monitoring bucket", lambda: self.monitor(first))
        self.step(4, "the monitor backfill state machine's report", lambda: self.backfill(first))
        self.step(4, "the batch scoring state machine scores a CSV", lambda: self.batch(first))
        second_printed = self.step(5, "make train: a second version", lambda: self.train("5-train"))
        second = self.step(5, "make deploy of the second version", lambda: self.deploy_version(
            "5-deploy", second_printed, fingerprint if self.hold_fingerprint else None))
        self.step(5, "the API serves the second version", lambda: self.serves(second))

    def step(self, number: int, title: str, action: Callable[[], Any]) -> Any:
        self.out(f"[{self.elapsed()}] step {number}: {title}")
        began = time.monotonic()
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            result = action()
        except StepFailed as failed:
            raise StepFailed(f"step {number} ({title}): {failed}") from None
        except (BotoCoreError, ClientError) as error:  # LocalStack refused or failed a call
            raise StepFailed(f"step {number} ({title}): {error}") from None
        self.out(f"[{self.elapsed()}] step {number} done in {time.monotonic() - began:.1f} s")
        return result

    def elapsed(self) -> str:
        seconds = time.monotonic() - self.started
        return f"{int(seconds // 60)}:{seconds % 60:04.1f}"

    def delete_stack(self) -> None:
        cloudformation = self.clients["cloudformation"]
        try:
            cloudformation.describe_stacks(StackName=self.stack)
        except cloudformation.exceptions.ClientError:
            return
        cloudformation.delete_stack(StackName=self.stack)
        cloudformation.get_waiter("stack_delete_complete").wait(StackName=self.stack,
                                                                WaiterConfig={"Delay": 2, "MaxAttempts": 150})


@contextmanager
def emulator(python312: str, out: Callable[[str], None], keep: bool) -> Iterator[bool]:
    """LocalStack for the run: started (and stopped after it) unless one is already running.
    Yields whether this run owns it."""
    if localstack.running_pid():
        out(f"LocalStack already running on {localstack.ENDPOINT}: using it, and leaving it running")
        yield False
        return
    if localstack.start(python312, timeout=90):
        raise StepFailed("LocalStack did not start (see above)")
    try:
        yield True
    finally:
        if keep:
            out("LocalStack left running (--keep): make localstack-stop")
        else:
            localstack.stop()


def terminate_as_exit(signum: int, frame: Any) -> None:
    raise SystemExit(128 + signum)  # runs the `finally`s: LocalStack is stopped on `kill` too


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make e2e", description=__doc__.split("\n")[0])
    parser.add_argument("--stack-name", default=DEFAULT_STACK)
    parser.add_argument("--python", help="the Lambda runtime's python3.12 (default: found as the Makefile does)")
    parser.add_argument("--keep", action="store_true", help="leave the stack and LocalStack up at the end")
    parser.add_argument("--hold-fingerprint", action="store_true",
                        help="deploy step 5 with step 3's DeployFingerprint (the version defect): step 5 must fail")
    args = parser.parse_args(argv)
    out = functools.partial(print, flush=True)  # in order with the commands' own output
    signal.signal(signal.SIGTERM, terminate_as_exit)
    started = time.monotonic()
    outcome = 0
    try:
        with emulator(args.python or localstack.find_python312(), out, args.keep) as owned:
            run = Run(args.stack_name, args.hold_fingerprint, out)
            run.step(0, f"no stack {args.stack_name} left by an earlier run", run.delete_stack)
            try:
                run.run()
            finally:
                if not owned and not args.keep:
                    run.step(6, f"delete stack {args.stack_name}", run.delete_stack)
    except StepFailed as failed:
        print(f"make e2e: FAILED {failed}", file=sys.stderr)
        outcome = 1
    except KeyboardInterrupt:
        print("make e2e: interrupted", file=sys.stderr)
        outcome = 130
    except SystemExit as terminated:  # SIGTERM (terminate_as_exit), after the cleanup above
        print("make e2e: terminated", file=sys.stderr)
        outcome = int(terminated.code or 1)
    total = time.monotonic() - started
    out(f"make e2e: {'passed' if outcome == 0 else 'failed'} in {int(total // 60)} min {total % 60:.0f} s")
    return outcome


if __name__ == "__main__":
    sys.exit(main())
