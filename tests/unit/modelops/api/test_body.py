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


@pytest.mark.parametrize("content_type", [
    "APPLICATION/JSON", "Application/Json", "application/json;charset=UTF-8", 'application/JSON ; Charset="utf-8"',
    "application/json; charset=utf8", "application/json;", 'application/json; profile="a;b\\"c"',
    'application/json; profile="x;charset=latin-1"'])  # a ';' inside a quoted value is not a separator
def test_json_media_types_match_case_insensitively_with_parameters(content_type):
    # Issue 15, item 4: "APPLICATION/JSON" was a 415. The event leaves with exactly the form
    # Powertools parses (it compares case-sensitively), so the body is read as JSON.
    event = checked_body_event(post("{}", content_type), 100)
    assert event["headers"] == {"content-type": "application/json"}


@pytest.mark.parametrize("content_type", [
    "application/jsonx", "application/json-patch+json", "application/json5", "text/json",  # look-alikes a prefix test let in
    "application/json, text/plain", "application/json charset=utf-8", "application/ json", "application/json; charset",
    "application/json; charset=utf-8; charset=latin-1", "application/json; charset=latin-1; charset=utf-8", "json", "((((((((((", '="' * 5000])
def test_other_and_malformed_media_types_are_a_415(content_type):
    assert refusal(post("{}", content_type)) == (415, "unsupported_media_type")


@pytest.mark.parametrize("charset", ["latin-1", "utf-16", '"iso-8859-1"', "ascii"])
def test_a_charset_other_than_utf8_is_refused_naming_it(charset):
    with pytest.raises(BodyRefused) as caught:
        checked_body_event(post("{}", f"application/json; charset={charset}"), 100)
    assert (caught.value.status, caught.value.code) == (415, "unsupported_media_type")
    assert charset.strip('"') in caught.value.message and "UTF-8" in caught.value.message
