"""make deploy's decisions before it calls SAM: parameter values and their precedence, the model
pin read and verified from S3 (the moto server), and the refusals, each one clear line."""
import argparse

import boto3
import pytest

from devtools.deploy import command as deploy
from devtools.deploy.command import DeployRefused, resolve_parameters
from devtools.build.pin_architecture import RULE, pin
from tests.support.sam_translator import source_template


class Apigateway:
    def __init__(self, role: str | None):
        self.role = role

    def get_account(self) -> dict:
        return {"cloudwatchRoleArn": self.role} if self.role else {}


def args(*parameters: str, **options) -> argparse.Namespace:
    return deploy.parse_args([*(f"--parameter={p}" for p in parameters),
                              *(f"--{k.replace('_', '-')}={v}" for k, v in options.items())])


@pytest.fixture(scope="module")
def template() -> dict:
    return source_template()


def resolve(template, arguments, stack=None, config=None, s3=None, role="arn:aws:iam::1:role/logs"):
    return resolve_parameters(arguments, template, stack, config or {}, s3, Apigateway(role))


def test_every_parameter_is_sent_and_later_sources_win(template):
    stack = {"parameters": {"LogLevel": "WARNING", "AlertEmail": "a@example.com", "StageName": "old"},
             "outputs": {}}
    config = {"parameter_overrides": "StageName=dev LogLevel=DEBUG"}
    values = resolve(template, args("LogLevel=ERROR"), stack, config)
    assert values["LogLevel"] == "ERROR"  # the command line beats samconfig
    assert values["StageName"] == "dev"  # samconfig beats the stack's value
    assert values["AlertEmail"] == "a@example.com"  # the stack's value is kept (no UsePreviousValue surprise)
    assert values["MaxBatchSize"] == "100"  # the template's default
    assert set(values) == set(template["Parameters"]) - {"DeployFingerprint"}


def test_an_unknown_parameter_is_refused_with_the_known_ones(template):
    with pytest.raises(DeployRefused, match=r"unknown parameter\(s\) MaxBatch; the template has: .*MaxBatchSize"):
        resolve(template, args("MaxBatch=5"))


def test_the_model_pin_comes_from_the_manifest_in_s3(template, bucket, published_model):
    stack = {"parameters": {}, "outputs": {"ModelBucketName": bucket}}
    s3 = boto3.client("s3")
    values = resolve(template, args(model_version=published_model.version, model_name=published_model.name), stack, s3=s3)
    assert (values["ModelName"], values["ModelVersion"]) == (published_model.name, published_model.version)
    assert (values["ModelRuntime"], values["ModelSha256"]) == ("onnx", published_model.files["onnx"].sha256)
    values = resolve(template, args(model_version=published_model.version, model_name=published_model.name,
                                    model_runtime="sklearn"), stack, s3=s3)
    assert (values["ModelRuntime"], values["ModelSha256"]) == ("sklearn", published_model.artifact.sha256)


def test_a_version_that_is_not_in_the_bucket_is_refused(template, bucket):
    stack = {"parameters": {}, "outputs": {"ModelBucketName": bucket}}
    with pytest.raises(DeployRefused, match=r"no model breast-cancer/20990101T000000Z-00000000 in s3://test-models "
                                            r"\(NoSuchKey\): publish it with training first"):
        resolve(template, args(model_version="20990101T000000Z-00000000"), stack, s3=boto3.client("s3"))


def test_a_changed_model_file_is_refused_before_deploying(template, bucket, published_model):
    s3 = boto3.client("s3")
    key = f"models/{published_model.name}/{published_model.version}/{published_model.files['onnx'].file}"
    original = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    s3.put_object(Bucket=bucket, Key=key, Body=original + b"tampered")
    try:
        with pytest.raises(DeployRefused, match="does not match the SHA-256 its manifest pins"):
            resolve(template, args(model_version=published_model.version, model_name=published_model.name),
                    {"parameters": {}, "outputs": {"ModelBucketName": bucket}}, s3=s3)
    finally:
        s3.put_object(Bucket=bucket, Key=key, Body=original)


def _pinned(published_model, runtime="onnx") -> dict[str, str]:
    record = published_model.files["onnx"] if runtime == "onnx" else published_model.artifact
    return {"ModelName": published_model.name, "ModelVersion": published_model.version, "ModelRuntime": runtime,
            "ModelSha256": record.sha256}


@pytest.mark.parametrize("runtime", ["onnx", "sklearn"])
def test_the_pinned_model_is_packaged_with_the_function_and_a_stale_bundle_goes(tmp_path, bucket, published_model,
                                                                                 runtime):
    from modelops.artifacts.bundle import bundled_store

    stale = tmp_path / "model"
    stale.mkdir()
    (stale / "old.onnx").write_bytes(b"an earlier deploy's model")
    said = deploy.bundle_model(tmp_path, boto3.client("s3"), bucket, _pinned(published_model, runtime))
    assert said.startswith(f"model bundle: {published_model.name}/{published_model.version}")
    pin = _pinned(published_model, runtime)
    assert bundled_store(stale, pin["ModelName"], pin["ModelVersion"], pin["ModelSha256"]) is not None
    assert not (stale / "old.onnx").exists()


def test_no_model_pinned_means_no_bundle_and_no_stale_one(tmp_path, bucket):
    (tmp_path / "model").mkdir()
    said = deploy.bundle_model(tmp_path, boto3.client("s3"), bucket,
                               {"ModelName": "breast-cancer", "ModelVersion": "", "ModelSha256": "", "ModelRuntime": "onnx"})
    assert said == "model bundle: no model pinned, nothing bundled" and not (tmp_path / "model").exists()


def test_a_model_over_the_bundle_limit_stays_in_s3(tmp_path, bucket, published_model, monkeypatch):
    monkeypatch.setattr(deploy, "MAX_BUNDLED_BYTES", 10)
    said = deploy.bundle_model(tmp_path, boto3.client("s3"), bucket, _pinned(published_model))
    assert "the function reads it from S3 at init" in said and not (tmp_path / "model").exists()


def test_a_bundle_that_does_not_match_the_pin_is_refused(tmp_path, bucket, published_model):
    with pytest.raises(DeployRefused, match="not ModelSha256=0000"):
        deploy.bundle_model(tmp_path, boto3.client("s3"), bucket, {**_pinned(published_model), "ModelSha256": "0" * 64})


def test_a_model_needs_the_stack_first(template):
    with pytest.raises(DeployRefused, match="deploy the stack first"):
        resolve(template, args(model_version="20261204T120000Z-0123abcd"))


def test_none_unpins_the_model(template):
    stack = {"parameters": {"ModelVersion": "20261204T120000Z-0123abcd", "ModelSha256": "ab" * 32}, "outputs": {}}
    values = resolve(template, args(model_version="none"), stack)
    assert values["ModelVersion"] == values["ModelSha256"] == ""


def test_provisioned_concurrency_above_the_reservation_is_refused(template):
    with pytest.raises(DeployRefused, match=r"ProvisionedConcurrency=5 is above ReservedConcurrency=2"):
        resolve(template, args("ReservedConcurrency=2", "ProvisionedConcurrency=5"))
    assert resolve(template, args("ProvisionedConcurrency=5"))["ReservedConcurrency"] == "0"  # none: fine
    assert resolve(template, args("ReservedConcurrency=5", "ProvisionedConcurrency=5"))["ProvisionedConcurrency"] == "5"


def test_the_logging_role_is_managed_only_where_the_region_has_none(template):
    assert resolve(template, args(), role=None)["ManageApiGatewayAccount"] == "true"
    assert resolve(template, args(), role="arn:aws:iam::1:role/platform")["ManageApiGatewayAccount"] == "false"
    kept = {"parameters": {"ManageApiGatewayAccount": "true"}, "outputs": {}}
    assert resolve(template, args(), kept, role="arn:aws:iam::1:role/ours")["ManageApiGatewayAccount"] == "true"


def test_a_refusal_is_one_line_and_exit_code_2(capsys, monkeypatch):
    monkeypatch.setattr(deploy, "deploy", lambda _: (_ for _ in ()).throw(DeployRefused("no stack name")))
    assert deploy.main([]) == 2
    assert capsys.readouterr().err == "make deploy: no stack name\n"


def test_values_are_quoted_for_sams_parameter_overrides():
    assert deploy.quote('{"psi": 0.25}') == '"{\\"psi\\": 0.25}"'
    assert deploy.quote("") == '""'


def test_prod_reserves_concurrency_and_dev_deploys_on_a_new_account():
    dev = deploy.samconfig_overrides(deploy.samconfig("default")["parameter_overrides"])
    prod = deploy.samconfig_overrides(deploy.samconfig("prod")["parameter_overrides"])
    assert "ReservedConcurrency" not in dev and "MonitorReservedConcurrency" not in dev
    assert int(prod["ReservedConcurrency"]) >= 1 and prod["MonitorReservedConcurrency"] == "1"
    with pytest.raises(DeployRefused, match="has no environment 'staging'"):
        deploy.samconfig("staging")


def test_a_build_is_pinned_to_its_architecture():
    rule = pin({"Rules": {}}, "x86_64")["Rules"][RULE]
    assert rule["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "Architecture"}, "x86_64"]}
    assert "x86_64 wheels" in rule["Assertions"][0]["AssertDescription"]


def test_a_model_with_categorical_features_is_pinned_like_any_other(template, bucket):
    """The bundled penguins have categorical features, which the API takes (issue 14 item 5): deploy
    pins its verified ONNX model."""
    from training.train import parse_args, run

    manifest = run(parse_args(["--bucket", bucket, "--dataset", "penguins", "--name", "penguins-deploy",
                               "--estimator", "logistic_regression"]))
    stack = {"parameters": {}, "outputs": {"ModelBucketName": bucket}}
    values = resolve(template, args(model_version=manifest.version, model_name=manifest.name), stack, s3=boto3.client("s3"))
    assert (values["ModelRuntime"], values["ModelSha256"]) == ("onnx", manifest.files["onnx"].sha256)
