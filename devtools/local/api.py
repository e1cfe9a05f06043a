"""The inference function behind a local HTTP server, as `sam local start-api` runs it, in-process.

A WSGI application (werkzeug) turns each request into an API Gateway event, invokes the handler and
sends back its result (devtools/local/apigw_event.py). One request at a time, like one Lambda execution
environment: the handler and Powertools' resolver keep per-request state in module globals.
"""
import json
import sys
import threading
import time
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Iterator

from werkzeug.exceptions import HTTPException
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from devtools.local.apigw_event import http_response, proxy_event

Invoke = Callable[[dict[str, Any]], dict[str, Any]]
# What API Gateway answers when the integration fails (the function raised or timed out): its own
# shape, not the API's, exactly as deployed. The handler never raises, so only a bug gets this.
INTEGRATION_FAILURE = json.dumps({"message": "Internal server error"})


def error_body(status: int, message: str) -> bytes:
    """The API's one error shape (modelops/api/errors.py), for what the HTTP layer refuses before
    any event exists: a body shorter than its Content-Length, a bad chunk, too many headers."""
    code = {431: "request_header_fields_too_large", 413: "payload_too_large"}.get(status, "malformed_request")
    return json.dumps({"error": {"code": code, "message": message}}).encode()


class JsonErrorRequestHandler(WSGIRequestHandler):
    """Python's HTTP server answers what it cannot parse (more than 100 headers: 431, a bad
    request line: 400) with an HTML page; this one answers in the API's JSON error shape."""

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
        started = time.perf_counter()
        try:
            event = proxy_event(request, self.stage)
        except (HTTPException, OSError) as refused:  # the body could not be read: short, or a bad chunk
            status = getattr(refused, "code", None) or 400
            reason = getattr(refused, "description", None) or str(refused)
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
