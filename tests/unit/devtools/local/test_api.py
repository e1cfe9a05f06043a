import json

import requests
from cfnlint.decode import cfn_yaml

from devtools.local.api import LocalApi, running
from devtools.local.lambda_local import ROOT


def echo(event: dict) -> dict:
    """A function that answers with the event it was given."""
    return {"statusCode": 200, "multiValueHeaders": {"Content-Type": ["application/json"]},
            "body": json.dumps(event), "isBase64Encoded": False}


def test_requests_reach_the_function_as_events_and_its_answer_comes_back():
    log = []
    with running(LocalApi(echo, access_log=log.append)) as url:
        response = requests.post(f"{url}/predict?explain=true", json={"mean_radius": 1.0}, timeout=10)
    assert response.status_code == 200
    event = response.json()
    assert (event["httpMethod"], event["path"], event["queryStringParameters"]) == ("POST", "/predict", {"explain": "true"})
    assert json.loads(event["body"]) == {"mean_radius": 1.0}
    assert len(log) == 1 and log[0].startswith("POST /predict?explain=true -> 200")


def _deployed_5xx_body(message: str) -> dict:
    """What template.yaml's DEFAULT_5XX gateway response sends for an integration error, rendered
    as API Gateway renders it (messageString is the message as a JSON string literal)."""
    template = cfn_yaml.load(str(ROOT / "template.yaml"))
    responses = [resource["Properties"]["GatewayResponses"] for resource in template["Resources"].values()
                 if "GatewayResponses" in resource.get("Properties", {})]
    text = responses[0]["DEFAULT_5XX"]["ResponseTemplates"]["application/json"]
    return json.loads(text.replace("$context.error.responseType", "DEFAULT_5XX")
                      .replace("$context.error.messageString", json.dumps(message)))


def test_a_crashing_function_is_api_gateways_502_in_the_deployed_shape():
    def crash(_):
        raise RuntimeError("boom")

    with running(LocalApi(crash)) as url:
        response = requests.get(f"{url}/model", timeout=10)
    # Issue 15, item 7: it was {"message": ...}, API Gateway's shape before the template gave every
    # gateway response the API's error shape.
    assert response.status_code == 502 and response.json() == _deployed_5xx_body("Internal server error")
    assert set(response.json()["error"]) == {"code", "message"}


def test_the_server_stops_and_frees_its_port():
    with running(LocalApi(echo)) as url:
        assert requests.get(f"{url}/model", timeout=10).status_code == 200
    try:
        requests.get(f"{url}/model", timeout=2)
    except requests.ConnectionError:
        return
    raise AssertionError("the server still answers after the context exited")
