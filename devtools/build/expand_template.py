"""SAM's own translator, offline: the CloudFormation a SAM template becomes, for given parameter
values, as the AWS::Serverless transform makes it at deploy time. Runs in the SAM CLI's environment
(.venv-sam holds samtranslator); reads a JSON list of {"template": {...}, "parameters": {...}} on
stdin and writes the list of expanded templates as JSON on stdout (one process for many: the
translator's import is most of the time). The template must be packaged (S3 code URIs),
as `sam package` hands it to CloudFormation.
"""
import json
import os
import sys
from typing import Any

ACCOUNT = {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws",
           "AWS::StackName": "sklearn-serving-test"}


class NoManagedPolicies:
    """Managed policy names are looked up in IAM; this template names none (only ARNs)."""

    def load(self) -> dict[str, str]:
        return {}


def expand(template: dict, parameters: dict[str, Any]) -> dict:
    os.environ.setdefault("AWS_DEFAULT_REGION", ACCOUNT["AWS::Region"])
    from samtranslator.translator.transform import transform

    return transform(template, {**ACCOUNT, **parameters}, NoManagedPolicies())


if __name__ == "__main__":
    json.dump([expand(request["template"], request["parameters"]) for request in json.load(sys.stdin)], sys.stdout)
