"""make serve's HTTP front end answers what it cannot parse in the API's JSON error shape, as
the handler answers everything else (issue 15, item 7), checked with a raw socket client."""
import json
import socket

import pytest

from devtools.local.api import LocalApi, running


def _ok(event: dict) -> dict:
    return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps({"ok": True})}


@pytest.fixture(scope="module")
def address():
    with running(LocalApi(_ok)) as url:
        host, port = url.removeprefix("http://").split(":")
        yield host, int(port)


def _exchange(address, raw: bytes, close_write: bool = False) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(address, timeout=10) as connection:
        connection.sendall(raw)
        if close_write:
            connection.shutdown(socket.SHUT_WR)
        received = b""
        while chunk := connection.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in header_lines)}
    return int(status_line.split()[1]), headers, body


def _assert_error_shape(status: int, headers: dict[str, str], body: bytes, expected_status: int, code: str) -> None:
    assert status == expected_status
    assert headers["content-type"] == "application/json"
    error = json.loads(body)["error"]
    assert error["code"] == code and error["message"]


def test_more_than_100_headers_is_a_json_431(address):
    headers = "".join(f"X-H{i}: {i}\r\n" for i in range(101))
    reply = _exchange(address, f"GET /model HTTP/1.1\r\nHost: x\r\n{headers}\r\n".encode())
    _assert_error_shape(*reply, 431, "request_header_fields_too_large")


def test_a_body_shorter_than_its_content_length_is_a_json_400(address):
    request = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"a\": 1}"
    reply = _exchange(address, request, close_write=True)
    _assert_error_shape(*reply, 400, "malformed_request")


def test_a_bad_chunk_is_a_json_400(address):
    request = (b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               b"zz\r\n{}\r\n0\r\n\r\n")
    reply = _exchange(address, request, close_write=True)
    _assert_error_shape(*reply, 400, "malformed_request")


def test_a_garbage_request_line_is_a_json_400(address):
    reply = _exchange(address, b"NOT AN HTTP REQUEST\r\n\r\n", close_write=True)
    _assert_error_shape(*reply, 400, "malformed_request")


def test_a_good_request_still_reaches_the_function(address):
    status, _, body = _exchange(address, b"GET /model HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert status == 200 and json.loads(body) == {"ok": True}


HEAD = b"POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"


@pytest.mark.parametrize("raw, status, code", [
    # Read as "no body" before: the function got an empty request (a 400 empty_body, or worse, a 200).
    (HEAD + b"Content-Length: abc\r\n\r\n{}", 400, "malformed_request"),
    (HEAD + b"Content-Length: -1\r\n\r\n{}", 400, "malformed_request"),
    (HEAD + b"Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}", 400, "malformed_request"),
    (HEAD + b"Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n", 400, "malformed_request"),
    (HEAD + b"Transfer-Encoding: gzip\r\n\r\n{}", 501, "not_implemented"),
    (b"GET /model HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n", 400, "malformed_request"),
    (b"GET /model HTTP/1.1\r\nHost : x\r\n\r\n", 400, "malformed_request"),
    # A chunk that promises more than the stream holds: werkzeug's decoder once looped on it forever.
    (HEAD + b"Transfer-Encoding: chunked\r\n\r\nffffffffffff\r\n{}\r\n0\r\n\r\n", 400, "malformed_request"),
    (HEAD + b"Content-Length: 99999999999999999999\r\n\r\n{}", 413, "payload_too_large"),
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414, "uri_too_long"),
    (b"GET /model HTTP/1.1\r\nHost: x\r\nX-A: " + b"a" * 70_000 + b"\r\n\r\n", 431, "request_header_fields_too_large"),
    (b"GET /model HTTP/2.0\r\nHost: x\r\n\r\n", 505, "http_version_not_supported"),
], ids=["content-length-abc", "content-length-negative", "two-content-lengths", "content-length-and-chunked",
        "unknown-transfer-encoding", "header-line-without-colon", "space-before-colon", "chunk-longer-than-the-stream",
        "content-length-over-10-MB", "request-line-too-long", "header-line-too-long", "http-2-request-line"])
def test_malformed_framing_is_refused_in_the_error_shape(address, raw, status, code):
    _assert_error_shape(*_exchange(address, raw, close_write=True), status, code)


def test_a_chunked_body_over_api_gateways_limit_is_a_413_not_read_to_the_end(address):
    from devtools.local.api import MAX_REQUEST_BODY_BYTES

    chunk = b"x" * 65_536
    body = (b"10000\r\n" + chunk + b"\r\n") * (MAX_REQUEST_BODY_BYTES // len(chunk) + 2) + b"0\r\n\r\n"
    reply = _exchange(address, HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + body, close_write=True)
    _assert_error_shape(*reply, 413, "payload_too_large")


def test_a_valid_chunked_body_still_reaches_the_function(address):
    request = HEAD + b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n"
    status, _, body = _exchange(address, request, close_write=True)
    assert status == 200 and json.loads(body) == {"ok": True}
