"""`make deploy`: build, package and deploy the stack so that what you deploy is what serves.

    make deploy                                   # the stack, or its code and settings
    make deploy MODEL_VERSION=<version>           # serve a published model version
    make deploy CONFIG_ENV=prod PARAMS="AlertEmail=me@example.com"

What it does, in order, each step for a reason `sam deploy` alone gets wrong:
1. Parameter values, all of them, sent explicitly: template default < the stack's current value
   < samconfig.toml's list for CONFIG_ENV < PARAMS < the model pin. (`--parameter-overrides`
   alone replaces samconfig's whole list; here one value changes and the rest stay.)
2. The model pin from S3, the source of truth: the version's manifest gives the runtime training
   chose (MODEL_RUNTIME overrides) and the SHA-256 of the file that runtime loads, and that file is
   read and checked now, so a typo or a missing file fails here rather than as 503s after deploy.
3. Checks CloudFormation cannot make: provisioned concurrency within the reservation; the API
   Gateway logging role set by this stack only when the region has none (never overwritten).
4. `make build ARCH=<Architecture>`: the build always matches the stack's architecture; then the
   pinned model is packaged into the built inference function (up to 50 MiB), so its cold start
   reads no S3 (modelops/artifacts/bundle.py).
5. `sam package`, then DeployFingerprint over the packaged code, layers and parameter values
   (devtools/deploy/fingerprint.py), then `sam deploy` of exactly that package: a new version
   behind `live` exactly when one of them changed, through CodeDeploy's DeploymentPreference.
Confirms the change set when run at a terminal; with no terminal (CI, scripts) it does not ask.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError

from devtools.deploy.fingerprint import FINGERPRINT_PARAMETER, function_fingerprint
from modelops.artifacts.bundle import BUNDLE_DIR, MAX_BUNDLED_BYTES, BundlePin, write_bundle
from modelops.artifacts.integrity import sha256_hex
from modelops.artifacts.manifest import Manifest
from modelops.artifacts.store import MANIFEST_FILE, ModelStore

ROOT = Path(__file__).resolve().parents[2]
SAM = ROOT / ".venv-sam" / "bin" / "sam"
VERSIONED_FUNCTION = "InferenceFunction"


class DeployRefused(Exception):
    """A deploy that would not work, said in one line before anything changes."""


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make deploy", description=__doc__.split("\n")[0])
    parser.add_argument("--config-env", default="default", help="samconfig.toml environment (default, prod)")
    parser.add_argument("--stack-name", help="default: samconfig.toml's stack_name for the environment")
    parser.add_argument("--model-version", help="a version printed by training; 'none' serves no model")
    parser.add_argument("--model-name", help="default: the stack's ModelName")
    parser.add_argument("--model-runtime", choices=["onnx", "sklearn"], help="default: what training chose")
    parser.add_argument("--parameter", action="append", default=[], metavar="KEY=VALUE",
                        help="a template parameter (repeatable)")
    parser.add_argument("--no-build", action="store_true", help="deploy the existing build of the architecture")
    parser.add_argument("--dry-run", action="store_true", help="print the parameters and stop before sam")
    return parser.parse_args(argv)


def split_assignments(items: list[str]) -> dict[str, str]:
    values = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise DeployRefused(f"'{item}' is not KEY=VALUE")
        values[key.strip()] = value
    return values


def samconfig(config_env: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "samconfig.toml").read_text())
    env = config.get(config_env)
    if env is None:
        raise DeployRefused(f"samconfig.toml has no environment '{config_env}' (it has: {', '.join(config)})")
    merged: dict[str, Any] = {}
    for section in ("global", "deploy"):
        merged.update(env.get(section, {}).get("parameters", {}))
    return merged


def samconfig_overrides(text: str) -> dict[str, str]:
    """samconfig's `parameter_overrides`, space-separated KEY=VALUE (values here are unquoted)."""
    return split_assignments(text.split()) if text else {}


def template_defaults(template: dict) -> dict[str, str]:
    return {name: str(spec["Default"]) for name, spec in template["Parameters"].items() if "Default" in spec}


def existing_stack(cloudformation: Any, stack_name: str) -> dict[str, Any] | None:
    try:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" in str(error):
            return None
        raise
    return {
        "parameters": {p["ParameterKey"]: p.get("ParameterValue", "") for p in stack.get("Parameters", [])},
        "outputs": {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])},
        "status": stack["StackStatus"],
    }


def model_pin(s3: Any, bucket: str, name: str, version: str, runtime: str | None) -> dict[str, str]:
    """The parameters that pin `name/version`, after reading and verifying the file it will serve."""
    store = ModelStore(s3, bucket)
    try:
        manifest: Manifest = store.read_manifest(name, version)
    except ClientError as error:
        raise DeployRefused(f"no model {name}/{version} in s3://{bucket} ({error.response['Error'].get('Code')}): "
                            "publish it with training first, into the stack's ModelBucketName") from error
    runtime, record = manifest.serving_file(runtime)
    data = store.read(name, version, record.file)
    if sha256_hex(data) != record.sha256:
        raise DeployRefused(f"s3://{bucket}/{store.key(name, version, record.file)} does not match the SHA-256 "
                            "its manifest pins: the object was changed after publishing")
    return {"ModelName": name, "ModelVersion": version, "ModelRuntime": runtime, "ModelSha256": record.sha256}


def bundle_model(function_dir: Path, s3: Any, bucket: str | None, parameters: dict[str, str]) -> str:
    """Put the pinned model into the built function (modelops/artifacts/bundle.py), so its cold
    start reads no S3; or say why it stays in S3. Checked against the pin once more: what is
    packaged is exactly what the loader will verify."""
    directory = function_dir / BUNDLE_DIR
    shutil.rmtree(directory, ignore_errors=True)  # an earlier deploy's bundle: never serve a stale one
    name, version, sha256 = parameters["ModelName"], parameters["ModelVersion"], parameters["ModelSha256"]
    if not (version and sha256 and bucket):
        return "model bundle: no model pinned, nothing bundled"
    store = ModelStore(s3, bucket)
    manifest_bytes = store.read(name, version, MANIFEST_FILE)
    _, record = Manifest.from_json(manifest_bytes).serving_file(parameters["ModelRuntime"])
    if record.sha256 != sha256:
        raise DeployRefused(f"the manifest of {name}/{version} pins {record.file} to {record.sha256}, "
                            f"not ModelSha256={sha256}")
    if record.size_bytes > MAX_BUNDLED_BYTES:
        return (f"model bundle: {record.file} is {record.size_bytes / 2**20:.0f} MiB, over "
                f"{MAX_BUNDLED_BYTES / 2**20:.0f} MiB: the function reads it from S3 at init")
    data = store.read(name, version, record.file)
    if sha256_hex(data) != sha256:
        raise DeployRefused(f"s3://{bucket}/{store.key(name, version, record.file)} does not match ModelSha256")
    write_bundle(directory, BundlePin(name=name, version=version, sha256=sha256), manifest_bytes, record.file, data)
    return f"model bundle: {name}/{version} {record.file} ({len(data) / 1e6:.1f} MB) packaged with the function"


def check_concurrency(parameters: dict[str, str]) -> None:
    reserved, provisioned = int(parameters["ReservedConcurrency"]), int(parameters["ProvisionedConcurrency"])
    if provisioned and reserved and provisioned > reserved:
        raise DeployRefused(f"ProvisionedConcurrency={provisioned} is above ReservedConcurrency={reserved}: Lambda "
                            "refuses that; raise the reservation, or set ReservedConcurrency=0 (none)")


def region_has_logging_role(apigateway: Any) -> bool:
    return bool(apigateway.get_account().get("cloudwatchRoleArn"))


def quote(value: str) -> str:
    """A value for sam's --parameter-overrides (double-quoted, backslash escapes)."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run(command: list[str], env: dict[str, str] | None = None) -> None:
    print("+ " + " ".join(command), flush=True)
    completed = subprocess.run(command, cwd=ROOT, env=env)
    if completed.returncode:
        raise DeployRefused(f"{Path(command[0]).name} {command[1]} failed (exit {completed.returncode}); see above")


def load_template(path: Path) -> dict:
    from cfnlint.decode import cfn_yaml

    return cfn_yaml.load(str(path))


def resolve_parameters(args: argparse.Namespace, template: dict, stack: dict | None, config: dict[str, Any],
                       s3: Any, apigateway: Any) -> dict[str, str]:
    parameters = template_defaults(template)
    if stack:
        parameters.update({k: v for k, v in stack["parameters"].items() if k in template["Parameters"]})
    parameters.update(samconfig_overrides(config.get("parameter_overrides", "")))
    given = split_assignments(args.parameter)
    unknown = sorted(set(given) - set(template["Parameters"]))
    if unknown:
        raise DeployRefused(f"unknown parameter(s) {', '.join(unknown)}; the template has: "
                            + ", ".join(sorted(template["Parameters"])))
    parameters.update(given)
    if args.model_version == "none":
        parameters.update(ModelVersion="", ModelSha256="")
    elif args.model_version:
        if not stack or "ModelBucketName" not in stack["outputs"]:
            raise DeployRefused("deploy the stack first (make deploy), then publish a model into its ModelBucketName")
        name = args.model_name or parameters["ModelName"]
        parameters.update(model_pin(s3, stack["outputs"]["ModelBucketName"], name, args.model_version,
                                    args.model_runtime))
    elif args.model_runtime and args.model_runtime != parameters["ModelRuntime"]:
        raise DeployRefused("MODEL_RUNTIME changes the file that is pinned: give MODEL_VERSION with it")
    if "ManageApiGatewayAccount" not in given and not (stack and "ManageApiGatewayAccount" in stack["parameters"]):
        parameters["ManageApiGatewayAccount"] = "false" if region_has_logging_role(apigateway) else "true"
    check_concurrency(parameters)
    parameters.pop(FINGERPRINT_PARAMETER, None)
    return parameters


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        return deploy(args)
    except DeployRefused as refused:
        print(f"make deploy: {refused}", file=sys.stderr)
        return 2


def deploy(args: argparse.Namespace) -> int:
    from modelops.platform.aws_clients import client

    config = samconfig(args.config_env)
    stack_name = args.stack_name or config.get("stack_name")
    if not stack_name:
        raise DeployRefused(f"no stack name: set stack_name in samconfig.toml [{args.config_env}] or STACK_NAME")
    template = load_template(ROOT / "template.yaml")
    stack = existing_stack(client("cloudformation"), stack_name)
    parameters = resolve_parameters(args, template, stack, config, client("s3"), client("apigateway"))
    arch = parameters["Architecture"]
    build = ROOT / ".aws-sam" / arch / "build"
    if args.dry_run:
        print(json.dumps({"stack": stack_name, "parameters": parameters}, indent=2))
        return 0
    sam_env = {**os.environ, "SAM_CLI_TELEMETRY": "0"}
    if not args.no_build:
        run(["make", "--no-print-directory", "build", f"ARCH={arch}"])
    if not (build / "template.yaml").exists():
        raise DeployRefused(f"no {arch} build: run make build ARCH={arch}")
    print(bundle_model(build / VERSIONED_FUNCTION, client("s3"), (stack or {}).get("outputs", {}).get("ModelBucketName"),
                       parameters))
    packaged = ROOT / ".aws-sam" / arch / "packaged.yaml"
    bucket_flags = ["--s3-bucket", config["s3_bucket"]] if config.get("s3_bucket") else ["--resolve-s3"]
    run([str(SAM), "package", "--template-file", str(build / "template.yaml"), "--output-template-file",
         str(packaged), *bucket_flags, "--s3-prefix", stack_name], env=sam_env)
    parameters[FINGERPRINT_PARAMETER] = function_fingerprint(load_template(packaged), VERSIONED_FUNCTION, parameters)
    confirm = ["--confirm-changeset"] if sys.stdin.isatty() and config.get("confirm_changeset") else ["--no-confirm-changeset"]
    run([str(SAM), "deploy", "--template-file", str(packaged), "--stack-name", stack_name,
         "--config-env", args.config_env, "--no-fail-on-empty-changeset", *confirm, *bucket_flags,
         "--s3-prefix", stack_name, "--parameter-overrides",
         *(f"{key}={quote(value)}" for key, value in sorted(parameters.items()))], env=sam_env)
    deployed = existing_stack(client("cloudformation"), stack_name) or {"outputs": {}}
    for key in ("ApiUrl", "DeployedModel", "ModelBucketName"):
        if key in deployed["outputs"]:
            print(f"{key}: {deployed['outputs'][key]}")
    print(f"{FINGERPRINT_PARAMETER}: {parameters[FINGERPRINT_PARAMETER]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
