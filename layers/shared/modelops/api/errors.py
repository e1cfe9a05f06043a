"""The one JSON shape of every error the API returns.

    {"error": {"code": "validation_error", "message": "...", "details": [{"location": "...", "message": "..."}]}}
"""
import json
from typing import Any, Iterable

from aws_lambda_powertools.event_handler import Response, content_types
from pydantic import BaseModel, Field

from modelops.platform.errors import RequestError

# Errors that mean the body is not JSON at all, rather than JSON of the wrong shape.
UNPARSEABLE = {"json_invalid", "json_type"}


def error_response(status: int, code: str, message: str, details: list[dict[str, Any]] | None = None) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if details:
        error["details"] = details
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
    details = [{"location": _location(error.get("loc", ())), "message": error.get("msg", "invalid")} for error in errors]
    return error_response(422, "validation_error", "The request does not match the API schema.", details)


# The shape above as pydantic models: the OpenAPI document's error schema (modelops/api/contract.py)
# and what the contract tests validate every error body against.
class ErrorDetail(BaseModel):
    location: str = Field(description="Where in the request: a dotted path such as instances.0.mean_radius, "
                                      "or query.top_k, or body.")
    message: str


class ApiError(BaseModel):
    code: str = Field(description="Stable, machine-readable: branch on this, not on the message.")
    message: str = Field(description="For people; may change.")
    details: list[ErrorDetail] | None = Field(default=None, description="One entry per problem when the error is about "
                                                                        "parts of the request; absent otherwise.")


class ErrorResponse(BaseModel):
    """Every error the API returns, whatever the status."""
    error: ApiError
