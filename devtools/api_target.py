"""An HTTP client for the inference API, local or deployed.

Local (`make serve`, or the in-process server of the contract tests): plain requests. Deployed:
the base URL is the stack's `ApiUrl` output (CloudFormation describe_stacks), and every request
is signed with SigV4 for `execute-api`, because the API uses IAM authorization.
"""
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import BotoCoreError, ClientError

API_URL_OUTPUT = "ApiUrl"
TIMEOUT_SECONDS = 30  # API Gateway's own integration timeout is 29 s


class TargetError(RuntimeError):
    """The deployed API cannot be found or called: the message says what to fix."""


@dataclass(frozen=True)
class ApiResponse:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Signer:
    credentials: ReadOnlyCredentials
    region: str

    def headers(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        """`headers` plus Authorization, X-Amz-Date (and X-Amz-Security-Token) for this exact request."""
        request = AWSRequest(method=method, url=url, data=body, headers=headers)
        SigV4Auth(self.credentials, "execute-api", self.region).add_auth(request)
        return dict(request.headers.items())


@dataclass
class ApiClient:
    base_url: str
    signer: Signer | None = None
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def signed(self) -> bool:
        return self.signer is not None

    def request(self, method: str, path: str, *, body: bytes | str | None = None, json_body: Any = None,
                params: dict[str, str] | None = None, headers: dict[str, str] | None = None,
                sign: bool = True) -> ApiResponse:
        """One request. The query string is built here, once, so the signed URL is the sent URL."""
        if json_body is not None:
            body = json.dumps(json_body)
        data = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        sent = {"Content-Type": "application/json"} if data else {}
        sent.update(headers or {})
        url = self.base_url + path + (f"?{urlencode(params)}" if params else "")
        if self.signer and sign:
            sent = self.signer.headers(method, url, data, sent)
        response = self.session.request(method, url, data=data or None, headers=sent, timeout=TIMEOUT_SECONDS)
        return ApiResponse(response.status_code, dict(response.headers), response.content)


def stack_api_url(stack_name: str, cloudformation: Any) -> str:
    """The stack's ApiUrl output, without its trailing slash."""
    region = cloudformation.meta.region_name
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        message = error.response.get("Error", {}).get("Message", str(error))
        if "does not exist" in message:
            raise TargetError(f"Stack {stack_name!r} does not exist in {region}. Deploy it (sam deploy), or set "
                              f"AWS_SAM_STACK_NAME and AWS_REGION to a deployed stack of this project.") from error
        raise TargetError(f"Could not describe stack {stack_name!r} in {region}: {message}") from error
    except BotoCoreError as error:
        raise TargetError(f"Could not reach CloudFormation in {region} to find stack {stack_name!r}: {error}") from error
    stack = stacks[0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    if API_URL_OUTPUT not in outputs:
        raise TargetError(f"Stack {stack_name!r} ({stack['StackStatus']}) has no {API_URL_OUTPUT} output "
                          f"(it has: {', '.join(sorted(outputs)) or 'none'}). Is it this project's stack, fully deployed?")
    return outputs[API_URL_OUTPUT].rstrip("/")


def deployed_client(stack_name: str, session: boto3.Session | None = None) -> ApiClient:
    """A signing client for the stack's API, with the credentials and region boto3 finds."""
    aws = session or boto3.Session()
    credentials = aws.get_credentials()
    if credentials is None:
        raise TargetError("No AWS credentials found: the deployed API uses IAM authorization, so requests must be "
                          "signed. Configure credentials (AWS_PROFILE, aws configure, or environment variables).")
    if not aws.region_name:
        raise TargetError("No AWS region configured: set AWS_REGION to the stack's region.")
    url = stack_api_url(stack_name, aws.client("cloudformation"))
    return ApiClient(url, Signer(credentials.get_frozen_credentials(), aws.region_name))
