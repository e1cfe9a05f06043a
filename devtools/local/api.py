"""The inference function behind a local HTTP server, as `sam local start-api` runs it, in-process.

A WSGI application (werkzeug) turns each request into an API Gateway event, invokes the handler and
sends back its result (devtools/local/apigw_event.py). One request at a time, like one Lambda execution
environment: the handler and Powertools' resolver keep per-request state in module globals.
"""
import json
import re
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from werkzeug.exceptions import HTTPException, RequestEntityTooLarge
from werkzeug.serving import DechunkedInput, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from devtools.local.apigw_event import http_response, proxy_event

Invoke = Callable[[dict[str, Any]], dict[str, Any]]
# API Gateway's own answer when the integration fails (the function raised or timed out), as the
# template's DEFAULT_5XX gateway response renders it: the API's error shape, its code the gateway's
# response type (tests/unit/devtools/local/test_api.py renders template.yaml's to check). The handler
# never raises, so only a bug gets this.
INTEGRATION_FAILURE = json.dumps({"error": {"code": "DEFAULT_5XX", "message": "Internal server error"}})
# API Gateway refuses a larger payload itself (a 413 before the function runs): the most this server
# reads, so a request that never ends cannot fill its memory.
MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024
# RFC 9110 5.1: a field name is a token. "Host : x" or a line without a colon is refused (RFC 9112
# 5.1 says 400), as CloudFront in front of API Gateway refuses it; Python's parser let both through.
_FIELD_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
CODES = {413: "payload_too_large", 414: "uri_too_long", 431: "request_header_fields_too_large",
         501: "not_implemented", 503: "starting", 505: "http_version_not_supported"}


def error_body(status: int, message: str) -> bytes:
    """The API's one error shape (modelops/api/errors.py), for what the HTTP layer refuses before
    any event exists: a body shorter than its Content-Length, a bad chunk, too many headers."""
    return json.dumps({"error": {"code": CODES.get(status, "malformed_request"), "message": message}}).encode()


class _ExactReads:
    """The socket under werkzeug's chunk decoder, with a short read raised: at the end of the stream
    inside a chunk werkzeug's DechunkedInput keeps counting bytes it never got, so a chunk size of
    ffffffffffff then EOF held the one-request-at-a-time server forever."""

    def __init__(self, rfile: Any):
        self._rfile = rfile

    def readline(self, limit: int = -1) -> bytes:
        return self._rfile.readline(limit)

    def read(self, size: int) -> bytes:
        data = self._rfile.read(size)
        if len(data) < size:
            raise OSError("The body ended inside a chunk.")
        return data


def _framing_error(headers: Any) -> tuple[int, str] | None:
    """(status, reason) when the request's framing headers are not HTTP/1.1's, else None."""
    for name in headers.keys():
        if not _FIELD_NAME.fullmatch(name):
            return 400, f"Invalid header field name {name[:40]!r}."
    if headers.defects:  # a line that is not "name: value"
        return 400, "A header line is not of the form name: value."
    lengths = headers.get_all("Content-Length") or []
    codings = headers.get_all("Transfer-Encoding") or []
    if codings and lengths:  # RFC 9112 6.1: the classic request-smuggling ambiguity
        return 400, "Both Content-Length and Transfer-Encoding are set."
    if lengths and (len(set(lengths)) > 1 or not all(value.strip().isascii() and value.strip().isdigit() for value in lengths)):
        return 400, f"Invalid Content-Length {', '.join(lengths)[:40]!r}."
    if codings and [c.strip().lower() for c in ",".join(codings).split(",")] != ["chunked"]:
        return 501, f"Transfer-Encoding {', '.join(codings)[:40]!r} is not supported; only chunked."
    return None


class JsonErrorRequestHandler(WSGIRequestHandler):
    """Python's HTTP server answers what it cannot parse (more than 100 headers: 431, a bad
    request line: 400) with an HTML page; this one answers in the API's JSON error shape, and
    refuses framing that the server would otherwise misread (an invalid Content-Length was read
    as no body, an unknown Transfer-Encoding ignored)."""

    # A client that stops sending mid-request is dropped after this many seconds (its body read
    # fails: a 400), instead of holding the one-request-at-a-time server forever.
    timeout = 30

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        refused = _framing_error(self.headers)
        if refused:
            self.send_error(*refused)
            return False
        return True

    def make_environ(self) -> dict[str, Any]:
        environ = super().make_environ()
        if isinstance(environ["wsgi.input"], DechunkedInput):
            environ["wsgi.input"] = DechunkedInput(_ExactReads(self.rfile))
        return environ

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        body = error_body(code, message or self.responses.get(code, ("Error",))[0])
        # A request line it could not parse leaves HTTP/0.9, which would send the body without a
        # status line or headers: answer as HTTP/1.1 whatever was sent.
        self.request_version = "HTTP/1.1"
        self.close_connection = True
        self.send_response(code, message)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)


class LocalApi:
    def __init__(self, invoke: Invoke, stage: str = "local", access_log: Callable[[str], None] | None = None):
        self.invoke = invoke
        self.stage = stage
        self.access_log = access_log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        # One byte over the limit is read: werkzeug stops a stream at its maximum without saying
        # so, and a body cut to exactly the limit must not pass for the whole of it.
        request.max_content_length = MAX_REQUEST_BODY_BYTES + 1
        started = time.perf_counter()
        try:
            if len(request.get_data(cache=True)) > MAX_REQUEST_BODY_BYTES:  # cached: proxy_event reads it again
                raise RequestEntityTooLarge(f"The body is larger than {MAX_REQUEST_BODY_BYTES:,} bytes, API Gateway's limit.")
            event = proxy_event(request, self.stage)
        except (HTTPException, OSError) as refused:  # the body could not be read: short, a bad chunk, too large
            status = getattr(refused, "code", None) or 400
            # werkzeug turns a read's OSError into a generic 400 ("The browser (or proxy) sent ..."):
            # the OSError itself says what was wrong with the body.
            cause = refused if isinstance(refused, OSError) else refused.__context__
            reason = str(cause) if isinstance(cause, OSError) and str(cause) else refused.description
            response = Response(error_body(status, f"The request body could not be read: {reason}"), status=status,
                                content_type="application/json")
            return response(environ, start_response)
        try:
            response = http_response(self.invoke(event))
        except Exception as error:  # the handler itself crashed: API Gateway's 502, and say why here
            print(f"function error: {error!r}", file=sys.stderr)
            response = Response(INTEGRATION_FAILURE, status=502, content_type="application/json")
        if self.access_log:
            milliseconds = (time.perf_counter() - started) * 1000
            self.access_log(f"{request.method} {request.full_path.rstrip('?')} -> {response.status_code} ({milliseconds:.0f} ms)")
        return response(environ, start_response)


@contextmanager
def running(api: LocalApi, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `api` from a background thread; yields its base URL (port 0: a free port)."""
    server = make_server(host, port, api, threaded=False, request_handler=JsonErrorRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="local-api", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
