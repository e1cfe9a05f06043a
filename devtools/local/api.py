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

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from devtools.local.apigw_event import http_response, proxy_event

Invoke = Callable[[dict[str, Any]], dict[str, Any]]
# What API Gateway answers when the integration fails (the function raised or timed out).
INTEGRATION_FAILURE = json.dumps({"message": "Internal server error"})


class LocalApi:
    def __init__(self, invoke: Invoke, stage: str = "local", access_log: Callable[[str], None] | None = None):
        self.invoke = invoke
        self.stage = stage
        self.access_log = access_log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        started = time.perf_counter()
        try:
            response = http_response(self.invoke(proxy_event(request, self.stage)))
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
    server = make_server(host, port, api, threaded=False)
    thread = threading.Thread(target=server.serve_forever, name="local-api", daemon=True)
    thread.start()
    try:
        yield f"http://{host}:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
