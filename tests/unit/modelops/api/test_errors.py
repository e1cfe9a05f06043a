import json

from modelops.api.errors import error_response, validation_error_response


def test_every_error_has_the_same_shape():
    response = error_response(503, "model_unavailable.not_configured", "No model.")
    assert response.status_code == 503
    assert json.loads(response.body) == {"error": {"code": "model_unavailable.not_configured", "message": "No model."}}


def test_unparseable_body_is_a_400():
    response = validation_error_response([{"type": "json_invalid", "loc": ("body", 0), "msg": "JSON decode error"}])
    assert response.status_code == 400
    assert json.loads(response.body)["error"]["code"] == "invalid_json"


def test_missing_body_is_a_400():
    response = validation_error_response([{"type": "missing", "loc": ("body",), "msg": "Field required"}])
    assert (response.status_code, json.loads(response.body)["error"]["code"]) == (400, "empty_body")


def test_schema_errors_are_a_422_with_user_facing_locations():
    response = validation_error_response(
        [{"type": "float_type", "loc": ("body", "instances", 0, "a"), "msg": "Input should be a valid number"}]
    )
    assert response.status_code == 422
    assert json.loads(response.body)["error"]["details"] == [
        {"location": "instances.0.a", "message": "Input should be a valid number"}
    ]
