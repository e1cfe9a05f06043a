import base64

import pytest

from modelops.api.body import BodyRefused, checked_body_event


def refusal(event: dict, max_bytes: int = 100) -> tuple[int, str]:
    with pytest.raises(BodyRefused) as caught:
        checked_body_event(event, max_bytes)
    return caught.value.status, caught.value.code


def post(body, content_type: str | None = "application/json", **extra) -> dict:
    headers = None if content_type is None else {"content-type": content_type}
    return {"httpMethod": "POST", "headers": headers, "body": body, "isBase64Encoded": False, **extra}


def test_a_body_within_the_limit_passes_unchanged():
    event = post('{"a": 1}')
    assert checked_body_event(event, 8) == event
    assert checked_body_event(post(None, content_type=None), 8)["body"] is None


def test_the_limit_is_in_utf8_bytes_not_characters():
    assert checked_body_event(post("é" * 50), 100)["body"] == "é" * 50  # exactly 100 bytes
    assert refusal(post("é" * 51)) == (413, "payload_too_large")  # 51 characters, 102 bytes
    assert refusal(post("\ud800" * 34)) == (413, "payload_too_large")  # lone surrogates measured, not raised on


def test_base64_is_decoded_and_measured_decoded():
    event = post(base64.b64encode(b'{"a": "\xc3\xa9"}').decode(), isBase64Encoded=True)
    assert checked_body_event(event, 100) | {"body": None} == post(None) | {"body": None}
    assert checked_body_event(event, 100)["body"] == '{"a": "é"}'
    assert refusal(post(base64.b64encode(b"x" * 101).decode(), isBase64Encoded=True)) == (413, "payload_too_large")
    assert refusal(post("%%%%", isBase64Encoded=True)) == (400, "invalid_base64")
    assert refusal(post(base64.b64encode(b"\xff{}").decode(), isBase64Encoded=True)) == (400, "invalid_encoding")


def test_an_oversize_base64_body_is_refused_without_decoding_it():
    # Not base64 at all, but longer than any encoding of 100 bytes: its size alone refuses it.
    assert refusal(post("%" * 137, isBase64Encoded=True)) == (413, "payload_too_large")
    assert refusal(post("%" * 136, isBase64Encoded=True)) == (400, "invalid_base64")


def test_only_json_is_accepted_on_a_body_or_a_post():
    assert checked_body_event(post("{}", "application/json; charset=utf-8"), 100)
    assert checked_body_event(post("{}", content_type=None), 100)  # no Content-Type: taken as JSON, as Powertools does
    assert refusal(post("{}", "text/plain")) == (415, "unsupported_media_type")
    assert refusal(post("", "application/x-www-form-urlencoded")) == (415, "unsupported_media_type")
    get = {"httpMethod": "GET", "headers": {"Content-Type": "text/plain"}, "body": None}
    assert checked_body_event(get, 100) == get


def test_a_body_that_is_not_a_string_is_refused():
    assert refusal(post({"a": 1})) == (400, "invalid_body")
