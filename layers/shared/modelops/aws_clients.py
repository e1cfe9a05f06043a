"""boto3 clients configured once per process.

Short connect timeouts and standard retries: a Lambda that cannot reach S3 should say so
within seconds, not hang until API Gateway's 29 s timeout. boto3 honours AWS_ENDPOINT_URL,
which is how the tests and the demo point every client at the local moto server.
"""
from functools import lru_cache
from typing import Any

import boto3
from botocore.config import Config

# Three attempts in all: standard mode's jittered backoff waits at most 1 + 2 s between them, so
# a cold start that meets throttling still answers within Lambda's 10 s init limit.
CLIENT_CONFIG = Config(
    connect_timeout=2,
    read_timeout=10,
    retries={"mode": "standard", "total_max_attempts": 3},
)


@lru_cache(maxsize=None)
def client(service: str) -> Any:
    return boto3.client(service, config=CLIENT_CONFIG)
