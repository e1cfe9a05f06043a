"""Finding and calling a deployed API: CloudFormation through the moto server, signing with botocore."""
import json
import re

import boto3
import pytest
from botocore.credentials import ReadOnlyCredentials

from devtools.api_target import ApiClient, Signer, TargetError, deployed_client, stack_api_url
from devtools.local.api import LocalApi, running

URL = "https://abc123.execute-api.us-east-1.amazonaws.com/dev/"


def stack(name: str, outputs: dict[str, str]) -> str:
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                "Outputs": {key: {"Value": value} for key, value in outputs.items()}}
    boto3.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))
    return name


def test_a_missing_stack_is_a_clear_error(aws):
    with pytest.raises(TargetError, match=r"Stack 'no-such-stack' does not exist in us-east-1\. Deploy it"):
        stack_api_url("no-such-stack", boto3.client("cloudformation"))


def test_a_stack_without_the_output_names_the_outputs_it_has(aws):
    name = stack("not-this-project", {"TopicName": "alerts"})
    with pytest.raises(TargetError, match=r"has no ApiUrl output \(it has: TopicName\)"):
        stack_api_url(name, boto3.client("cloudformation"))


def test_the_api_url_comes_from_the_stack_outputs(aws):
    name = stack("this-project", {"ApiUrl": URL, "ModelBucketName": "models"})
    assert stack_api_url(name, boto3.client("cloudformation")) == URL.rstrip("/")
    client = deployed_client(name)
    assert client.base_url == URL.rstrip("/") and client.signed and client.signer.region == "us-east-1"


def test_no_credentials_is_a_clear_error(aws, monkeypatch):
    session = boto3.Session(region_name="us-east-1")
    monkeypatch.setattr(session, "get_credentials", lambda: None)
    with pytest.raises(TargetError, match="No AWS credentials found"):
        deployed_client("this-project", session)


SIGNER = Signer(ReadOnlyCredentials("AKIDEXAMPLE", "secret", "session-token"), "eu-west-1")


def test_requests_are_signed_for_execute_api_in_the_stacks_region():
    headers = SIGNER.headers("POST", URL + "predict?explain=true", b"{}", {"Content-Type": "application/json"})
    assert re.match(r"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/\d{8}/eu-west-1/execute-api/aws4_request, "
                    r"SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature=[0-9a-f]{64}$",
                    headers["Authorization"])
    assert headers["X-Amz-Security-Token"] == "session-token"


def test_the_signature_covers_the_body_and_the_query():
    def signature(url, body):
        return SIGNER.headers("POST", url, body, {})["Authorization"].rsplit("=", 1)[1]

    base = signature(URL + "predict?explain=true", b"{}")
    assert signature(URL + "predict?explain=false", b"{}") != base
    assert signature(URL + "predict?explain=true", b'{"a": 1.0}') != base


def test_the_client_sends_the_url_it_signed():
    def echo(event):
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(event)}

    with running(LocalApi(echo)) as url:
        client = ApiClient(url, SIGNER)
        event = client.request("POST", "/predict", json_body={}, params={"q": "a b/c"}).json()
    assert event["multiValueQueryStringParameters"] == {"q": ["a b/c"]}
    assert event["headers"]["Authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert event["headers"]["Host"] == url.removeprefix("http://")  # the host that was signed
