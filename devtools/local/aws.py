"""A moto server on 127.0.0.1 standing in for the AWS services the stack creates.

Tests, the demo and the built-function smoke test all use this, so they exercise boto3 over
real HTTP exactly as Lambda would, with no AWS account and no internet.
"""
import logging
import os
import socket
from contextlib import contextmanager
from typing import Iterator

import boto3
from moto.server import ThreadedMotoServer

REGION = "us-east-1"
DEMO_BUCKET = "modelops-demo-models"
DEMO_MONITORING_BUCKET = "modelops-demo-monitoring"

# Fake credentials: moto accepts any, and these keep boto3 from ever looking for real ones.
ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def moto_server() -> Iterator[str]:
    """Start a moto server and point every boto3 client of this process at it."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per request
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    saved = {key: os.environ.get(key) for key in [*ENVIRONMENT, "AWS_ENDPOINT_URL"]}
    os.environ.update(ENVIRONMENT, AWS_ENDPOINT_URL=endpoint)
    try:
        yield endpoint
    finally:
        server.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def create_model_bucket(bucket: str = DEMO_BUCKET) -> str:
    """What the stack's ModelBucket resource does in AWS."""
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    return bucket


def create_monitoring_bucket(bucket: str = DEMO_MONITORING_BUCKET) -> str:
    """What the stack's MonitoringBucket resource does: capture/, profiles/ and reports/ live here."""
    return create_model_bucket(bucket)


def create_alert_queue(topic_name: str = "model-monitor-alerts") -> tuple[str, str]:
    """An SNS topic (the stack's AlertTopic) with an SQS queue subscribed, so the messages the
    monitor publishes can be read back. Returns (topic ARN, queue URL)."""
    sns, sqs = boto3.client("sns", region_name=REGION), boto3.client("sqs", region_name=REGION)
    topic = sns.create_topic(Name=topic_name)["TopicArn"]
    queue = sqs.create_queue(QueueName=f"{topic_name}-inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    return topic, queue
