"""The one JSON shape of every error the API returns.

    {"error": {"code": "validation_error", "message": "...", "details": [{"location": "...", "message": "..."}],
               "details_omitted": 115990}}

Bounded whatever the request: at most MAX_DETAILS details, each location and message cut to
MAX_DETAIL_CHARS, the message to MAX_MESSAGE_CHARS, and `details_omitted` counting the rest. A 1 MB
body can name 100,000 unknown features; listing them all made a 422 of 8 MB, over Lambda's 6 MB
response limit (a gateway 5xx). No error body is larger than MAX_ERROR_BODY_BYTES (269,296 bytes),
whatever it says: tested at its worst in tests/unit/modelops/api/test_errors.py, and through the
handler for every kind of error in tests/integration/test_request_limits.py.
"""
import json
from typing import Any, Iterable

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel, Field

from modelops.platform.errors import RequestError

# Errors that mean the body is not JSON at all, rather than JSON of the wrong shape.
UNPARSEABLE = {"json_invalid", "json_type"}


MAX_DETAILS = 50
MAX_DETAIL_CHARS = 200
MAX_MESSAGE_CHARS = 2_000
MAX_CODE_CHARS = 100  # codes are the code's own constants; cut only so the bound below needs no exception
# The body is ASCII (json.dumps escapes the rest): a character is at most 12 bytes, a character
# beyond the BMP (an emoji in a feature name) written as a surrogate pair, \ud83d\ude00.
MAX_ESCAPED_CHAR_BYTES = 12
# The most the bounds above allow: every cut field full of 12-byte characters, plus the punctuation,
# keys and count around them (under 3 KB: 4 KB allowed). Tested at its worst in tests/unit/modelops/api/test_errors.py.
MAX_ERROR_BODY_BYTES = MAX_ESCAPED_CHAR_BYTES * (MAX_CODE_CHARS + MAX_MESSAGE_CHARS + MAX_DETAILS * 2 * MAX_DETAIL_CHARS) + 4_096


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def error_response(status: int, code: str, message: str, details: Iterable[dict[str, Any]] | None = None) -> Response:
    error: dict[str, Any] = {"code": _cut(code, MAX_CODE_CHARS), "message": _cut(message, MAX_MESSAGE_CHARS)}
    if details:
        listed, omitted = [], 0
        for detail in details:
            if len(listed) < MAX_DETAILS:
                listed.append({key: _cut(str(detail[key]), MAX_DETAIL_CHARS) for key in ("location", "message")
                               if key in detail})
            else:
                omitted += 1
        if listed:
            error["details"] = listed
        if omitted:
            error["details_omitted"] = omitted
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json.dumps({"error": error}))


def request_error_response(error: RequestError) -> Response:
    """Any RequestError, raised in whichever layer found the problem, in the one error shape."""
    return error_response(error.status, error.code, error.message, error.details)


def _location(loc: Iterable[Any]) -> str:
    # Powertools prefixes "body"; the user thinks in terms of their own JSON document.
    parts = [str(part) for part in loc if part != "body"]
    return ".".join(parts) or "body"


def validation_error_response(errors: list[dict[str, Any]]) -> Response:
    """Turn pydantic/Powertools validation errors into a 400 (not JSON) or 422 (wrong shape)."""
    types = {error.get("type") for error in errors}
    if types & UNPARSEABLE:
        return error_response(400, "invalid_json", "The request body is not valid JSON.")
    if "missing" in types and any(tuple(error.get("loc", ())) == ("body",) for error in errors):
        return error_response(400, "empty_body", "The request body is empty; send a JSON object.")
    details = ({"location": _location(error.get("loc", ())), "message": error.get("msg", "invalid")} for error in errors)
    return error_response(422, "validation_error", "The request does not match the API schema.", details)


# The shape above as pydantic models: the OpenAPI document's error schema (modelops/api/contract.py)
# and what the contract tests validate every error body against.
class ErrorDetail(BaseModel):
    location: str = Field(max_length=MAX_DETAIL_CHARS,
                          description="Where in the request: a dotted path such as instances.0.mean_radius, "
                                      "or query.top_k, or body.")
    message: str = Field(max_length=MAX_DETAIL_CHARS)


class ApiError(BaseModel):
    code: str = Field(description="Stable, machine-readable: branch on this, not on the message.")
    message: str = Field(max_length=MAX_MESSAGE_CHARS, description="For people; may change.")
    details: list[ErrorDetail] | None = Field(default=None, max_length=MAX_DETAILS,
                                              description="One entry per problem when the error is about parts of the "
                                                          f"request (the first {MAX_DETAILS}); absent otherwise.")
    details_omitted: int | None = Field(default=None, ge=1, description="How many more problems there were than "
                                                                        "`details` lists; absent when none.")


class ErrorResponse(BaseModel):
    """Every error the API returns, whatever the status."""
    error: ApiError
