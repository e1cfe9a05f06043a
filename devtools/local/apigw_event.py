"""HTTP request -> API Gateway REST proxy event, and the function's result -> HTTP response.

What API Gateway does in front of the inference function, for the local server (devtools/local/serve.py).
The event has exactly the keys and nesting of events/*.json (a test compares them), so the handler
cannot tell the local server from API Gateway, except by the values: stage "local", an apiId of
"local", and no IAM identity (the local server does not authenticate).
"""
import base64
import uuid
from datetime import datetime, timezone
from typing import Any

from werkzeug.datastructures import Headers, MultiDict
from werkzeug.wrappers import Request, Response

ACCOUNT_ID = "123456789012"  # moto's default account, as in events/*.json
API_ID = "local"


def _single(values: MultiDict) -> dict[str, str] | None:
    # API Gateway: the last value of a repeated name; null (not {}) when there are none.
    return {name: values.getlist(name)[-1] for name in values.keys()} or None


def _multi(values: MultiDict) -> dict[str, list[str]] | None:
    return {name: values.getlist(name) for name in values.keys()} or None


def _body(data: bytes) -> tuple[str | None, bool]:
    """(body, isBase64Encoded). No body is null; text that is not UTF-8 goes as base64, as API
    Gateway sends binary bodies."""
    if not data:
        return None, False
    try:
        return data.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(data).decode("ascii"), True


def proxy_event(request: Request, stage: str = "local", now: datetime | None = None) -> dict[str, Any]:
    moment = now or datetime.now(timezone.utc)
    headers = MultiDict(list(request.headers.items()))
    body, encoded = _body(request.get_data(cache=False))
    return {
        # Every route of this API is a literal path, so the matched resource is the path itself.
        "resource": request.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": _single(headers),
        "multiValueHeaders": _multi(headers),
        "queryStringParameters": _single(request.args),
        "multiValueQueryStringParameters": _multi(request.args),
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": request.host,
            "httpMethod": request.method,
            "identity": {"sourceIp": request.remote_addr or "127.0.0.1", "userAgent": request.headers.get("User-Agent", "")},
            "path": request.path,
            "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
            "requestId": str(uuid.uuid4()),
            "requestTime": moment.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(moment.timestamp() * 1000),
            "resourcePath": request.path,
            "stage": stage,
        },
        "body": body,
        "isBase64Encoded": encoded,
    }


def http_response(result: dict[str, Any]) -> Response:
    """The function's proxy result as API Gateway turns it into HTTP: multiValueHeaders and
    headers merged (a name in both keeps the multi-value list), body base64-decoded if marked."""
    headers = Headers()
    multi = result.get("multiValueHeaders") or {}
    for name, values in multi.items():
        for value in values:
            headers.add(name, str(value))
    for name, value in (result.get("headers") or {}).items():
        if name not in headers:
            headers.add(name, str(value))
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode("utf-8")
    # Content-Length is werkzeug's to compute from the body it sends.
    headers.remove("Content-Length")
    return Response(data, status=int(result["statusCode"]), headers=headers)
