"""A request body checked before anything parses it: size, encoding and media type.

Runs on the raw API Gateway event, ahead of Powertools, because Powertools decodes and parses the
body inside its validation step: a 5 MB body would be parsed in full before the batch limit could
refuse it, and base64 that does not decode or bytes that are not UTF-8 raise there as a 500.
The event that comes out has its body as plain text (isBase64Encoded false), so nothing
downstream decodes it again.
"""
import base64
import binascii
import math
import re
from typing import Any

from modelops.platform.errors import RequestError

# The media type Powertools parses as JSON (it tests the header with startswith, case-sensitively):
# an accepted Content-Type is rewritten to exactly this, so "APPLICATION/JSON; charset=UTF-8" is
# parsed too, and "application/jsonx" (which startswith would let through) never is.
JSON_MEDIA_TYPE = "application/json"
# Methods whose routes read a body. Powertools parses their body by Content-Type even when it is
# empty: a form becomes {} (a prediction from no features) and multipart without a boundary a 500.
BODY_METHODS = {"POST", "PUT", "PATCH"}


class BodyRefused(RequestError):
    """Refused before routing: too large, wrong media type, not decodable."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status = status
        self.code = code


def _too_large(max_bytes: int) -> BodyRefused:
    return BodyRefused(413, "payload_too_large", f"The request body is larger than {max_bytes:,} bytes.")


def _content_type(event: dict[str, Any]) -> str:
    for name, value in (event.get("headers") or {}).items():
        if name.lower() == "content-type":
            return str(value).strip()
    return ""


# RFC 9110 section 8.3.1: media-type = type "/" subtype *( OWS ";" OWS [ parameter ] ), each a token,
# a parameter value a token or a quoted-string. Matched piece by piece, each step anchored where the
# last ended, so the time is linear in the header's length whatever it holds. (The standard
# library's MIME parser, email.headerregistry, was tried: nested comments "((((..." raise
# RecursionError and 10 KB of '="' take a third of a second, both from one hostile header.)
_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"'
_TYPE = re.compile(rf"({_TOKEN})/({_TOKEN})")
_PARAMETER = re.compile(rf"[ \t]*;[ \t]*(?:({_TOKEN})=({_TOKEN}|{_QUOTED}))?")
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)


def media_type(content_type: str) -> tuple[str, dict[str, str]]:
    """("type/subtype" lower-cased, {parameter name lower-cased: value}) per RFC 9110, or ValueError
    for a header that is not one media type (a list, text after the type, a repeated parameter)."""
    text = content_type.strip(" \t")
    found = _TYPE.match(text)
    if not found:
        raise ValueError("no type/subtype")
    kind, parameters, position = f"{found[1]}/{found[2]}".lower(), {}, found.end()
    while position < len(text):
        found = _PARAMETER.match(text, position)
        if not found:
            raise ValueError(f"unexpected text at character {position}")
        position = found.end()
        if found[1]:
            name, value = found[1].lower(), found[2]
            if name in parameters:  # charset=utf-8;charset=latin-1: which one did the client mean?
                raise ValueError(f"parameter {name} repeated")
            parameters[name] = _QUOTED_PAIR.sub(r"\1", value[1:-1]) if value.startswith('"') else value
    return kind, parameters


def _with_content_type(event: dict[str, Any], value: str) -> dict[str, Any]:
    headers = {name: (value if name.lower() == "content-type" else current)
               for name, current in (event.get("headers") or {}).items()}
    multi = event.get("multiValueHeaders")
    if isinstance(multi, dict):
        multi = {name: ([value] if name.lower() == "content-type" else current) for name, current in multi.items()}
    return {**event, "headers": headers, **({"multiValueHeaders": multi} if multi is not None else {})}


def _decoded(body: str, max_bytes: int) -> str:
    # Bound the encoded length first, so an oversize body is refused without decoding it:
    # n bytes encode to 4 * ceil(n / 3) characters.
    if len(body) > 4 * math.ceil(max_bytes / 3):
        raise _too_large(max_bytes)
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as error:
        raise BodyRefused(400, "invalid_base64", "The request body is marked base64-encoded but is not base64.") from error
    if len(raw) > max_bytes:
        raise _too_large(max_bytes)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BodyRefused(400, "invalid_encoding", "The request body is not UTF-8 text.") from error


def _check_media_type(event: dict[str, Any], has_body: bool) -> dict[str, Any]:
    """The event with a JSON Content-Type in the one form Powertools parses, or BodyRefused (415)."""
    content_type = _content_type(event)
    method = str(event.get("httpMethod", "")).upper()
    if not content_type or not (has_body or method in BODY_METHODS) or content_type == JSON_MEDIA_TYPE:
        return event  # exactly the form Powertools parses (as most clients send it): nothing to parse or rewrite
    try:
        kind, parameters = media_type(content_type)
    except ValueError as malformed:
        raise BodyRefused(415, "unsupported_media_type",
                          f"Content-Type {content_type[:100]!r} is not one media type ({malformed}); "
                          "send JSON with Content-Type: application/json.") from malformed
    if kind != JSON_MEDIA_TYPE:
        raise BodyRefused(415, "unsupported_media_type",
                          f"Content-Type {content_type[:100]!r} is not supported; send JSON with Content-Type: application/json.")
    charset = parameters.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise BodyRefused(415, "unsupported_media_type",
                          f"charset {charset[:40]!r} is not supported; send UTF-8 JSON (charset=utf-8, or no charset).")
    return event if content_type == JSON_MEDIA_TYPE else _with_content_type(event, JSON_MEDIA_TYPE)


def checked_body_event(event: dict[str, Any], max_bytes: int) -> dict[str, Any]:
    """The event with a body of at most max_bytes of UTF-8 JSON text, or BodyRefused (413, 415, 400)."""
    body = event.get("body")
    if body is None or body == "":
        return _check_media_type(event, has_body=False)
    if not isinstance(body, str):  # API Gateway always sends a string; a direct invoke might not
        raise BodyRefused(400, "invalid_body", "The request body must be a string of JSON text.")
    if event.get("isBase64Encoded"):
        body = _decoded(body, max_bytes)
    # A character is 1 to 4 UTF-8 bytes: only a body within 4x of the limit needs encoding to measure.
    # surrogatepass: a lone surrogate (legal in a JSON string escape) must be measured, not raise.
    elif len(body) > max_bytes or (len(body) * 4 > max_bytes and len(body.encode("utf-8", "surrogatepass")) > max_bytes):
        raise _too_large(max_bytes)
    return _check_media_type({**event, "body": body, "isBase64Encoded": False}, has_body=True)
