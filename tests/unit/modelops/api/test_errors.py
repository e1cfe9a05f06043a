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


def _error(response) -> dict:
    return json.loads(response.body)["error"]


def test_details_beyond_the_limit_are_counted_not_listed():
    from modelops.api.errors import MAX_DETAILS

    details = ({"location": f"instances.0.f{index}", "message": "Unknown feature name."} for index in range(116_000))
    error = _error(error_response(422, "unknown_feature", "Unknown feature name(s).", details))
    assert [d["location"] for d in error["details"]] == [f"instances.0.f{index}" for index in range(MAX_DETAILS)]
    assert error["details_omitted"] == 116_000 - MAX_DETAILS
    assert "details_omitted" not in _error(error_response(422, "x", "y", [{"location": "a", "message": "b"}]))


def test_no_error_body_exceeds_the_bound_whatever_it_says():
    # The worst a caller can arrange: every field far over its cut, in characters beyond the BMP,
    # which json.dumps writes as two \uXXXX escapes (12 bytes each). The bound once assumed 6.
    from modelops.api.errors import MAX_DETAIL_CHARS, MAX_DETAILS, MAX_ERROR_BODY_BYTES, MAX_MESSAGE_CHARS

    emoji, control = "\U0001F600", "\x00"
    for char in (emoji, control, "é", "x"):
        details = ({"location": char * 10_000, "message": char * 10_000, "extra": char * 10_000} for _ in range(10_000))
        response = error_response(422, "c" * 10_000, char * 100_000, details)
        error = _error(response)
        assert len(response.body.encode()) <= MAX_ERROR_BODY_BYTES
        assert len(error["message"]) == MAX_MESSAGE_CHARS and error["message"].endswith("\u2026")
        assert len(error["details"]) == MAX_DETAILS and error["details_omitted"] == 10_000 - MAX_DETAILS
        assert all(set(d) == {"location", "message"} and len(d["location"]) == MAX_DETAIL_CHARS for d in error["details"])
    # The bound is tight, not a guess far above the worst case.
    assert len(error_response(422, "c" * 10_000, emoji * 100_000,
                              ({"location": emoji * 999, "message": emoji * 999} for _ in range(99))).body) > 0.98 * MAX_ERROR_BODY_BYTES


def test_the_error_model_documents_the_bounds():
    from modelops.api.errors import MAX_DETAILS, ErrorResponse

    body = error_response(422, "x", "y", ({"location": "l" * 500, "message": "m"} for _ in range(MAX_DETAILS + 1))).body
    ErrorResponse.model_validate_json(body)  # cut fields and the listed count fit the schema's maxLength/maxItems
