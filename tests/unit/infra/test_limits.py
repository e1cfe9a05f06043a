"""MaxBodyBytes against Lambda's 6 MB request limit, which counts the whole event: a body the
function would refuse with 413 must reach it, not die at the gateway as a 5xx."""
import json

import pytest
from cfnlint.decode import cfn_yaml

from devtools.local.lambda_local import load_event
from tests.unit.infra.test_template import TEMPLATE

LAMBDA_REQUEST_LIMIT = 6_000_000  # "6 MB": the decimal reading, the smaller one
API_GATEWAY_HEADER_LIMIT = 10_240  # bytes of request headers API Gateway accepts


@pytest.fixture(scope="module")
def max_body() -> int:
    parameter = cfn_yaml.load(str(TEMPLATE))["Parameters"]["MaxBodyBytes"]
    assert parameter["Default"] <= parameter["MaxValue"]
    return parameter["MaxValue"]


def worst_case_event(body_bytes: int) -> dict:
    """A POST /predict whose body escapes to the longest JSON (every byte a control character:
    six bytes each) and whose headers fill API Gateway's limit, in headers and multiValueHeaders."""
    event = load_event("predict_single.json")
    padding = "x" * (API_GATEWAY_HEADER_LIMIT - sum(len(k) + len(v) for k, v in event["headers"].items()))
    event["headers"]["X-Padding"] = padding
    event["multiValueHeaders"] = {name: [value] for name, value in event["headers"].items()}
    event["body"] = "\x01" * body_bytes
    return event


def test_the_largest_allowed_body_fits_in_a_lambda_request_escaped(max_body):
    size = len(json.dumps(worst_case_event(max_body)).encode())
    assert size <= LAMBDA_REQUEST_LIMIT, f"a {max_body:,}-byte body makes a {size:,}-byte event"


def test_the_function_and_the_template_default_to_the_same_limit():
    from modelops.serving.settings import DEFAULT_MAX_BODY_BYTES

    assert cfn_yaml.load(str(TEMPLATE))["Parameters"]["MaxBodyBytes"]["Default"] == DEFAULT_MAX_BODY_BYTES


def test_the_check_is_not_vacuous():
    # The old limit (6,000,000) let a body through that no Lambda request can carry.
    assert len(json.dumps(worst_case_event(1_048_576)).encode()) > LAMBDA_REQUEST_LIMIT
