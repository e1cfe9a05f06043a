import json

import requests

from devtools.local.api import LocalApi, running


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


def test_a_crashing_function_is_api_gateways_502():
    def crash(_):
        raise RuntimeError("boom")

    with running(LocalApi(crash)) as url:
        response = requests.get(f"{url}/model", timeout=10)
    assert response.status_code == 502 and response.json() == {"message": "Internal server error"}


def test_the_server_stops_and_frees_its_port():
    with running(LocalApi(echo)) as url:
        assert requests.get(f"{url}/model", timeout=10).status_code == 200
    try:
        requests.get(f"{url}/model", timeout=2)
    except requests.ConnectionError:
        return
    raise AssertionError("the server still answers after the context exited")
