"""The API's JSON parser: pydantic-core's parser for speed, json.loads for its answer on anything
that parser refuses, with every way it can fail turned into a JSONDecodeError.

pydantic_core.from_json (allowing NaN and Infinity, as json.loads does) parses a 100-row body in
about half json.loads's time and gives the same values for everything it accepts: big integers
stay int, the last duplicate key wins. It refuses some text json.loads takes (lone surrogate
escapes, nesting deeper than 200), so that text falls through to json.loads, whose answer is the
API's contract; so does text holding a lone surrogate itself, which it cannot even read (TypeError).

Powertools answers a JSONDecodeError as invalid JSON (our 400) but lets anything else through as
a 500, and json.loads has two other failures that any client can trigger within the body limit:
RecursionError for arrays or objects nested deeper than the interpreter's recursion limit
('[' * 100000), and ValueError for an integer of more than 4,300 digits (CPython's guard against
quadratic int parsing).
"""
import json
from typing import Any

from pydantic_core import from_json

from modelops.platform.errors import RequestError


class NotAnObject(RequestError):
    """JSON, but not an object: every body this API takes is one. Raised here because Powertools
    hands a top-level array to the request model as its first element (a bare [a, b] would be
    scored as a and b dropped), and reads null as no body at all."""
    status, code = 422, "invalid_body"

    def __init__(self, value: Any):
        kind = {list: "an array", type(None): "null", str: "a string", bool: "a boolean"}.get(type(value), "a number")
        super().__init__(f"The request body must be a JSON object, not {kind}: one instance ({{feature: value}}) or "
                         "{\"instances\": [...]} for /predict, one {prediction_id, label} or {\"labels\": [...]} for /feedback.")


def parse_json_body(text: str) -> dict[str, Any]:
    value = parse_json(text)
    if not isinstance(value, dict):
        raise NotAnObject(value)
    return value


def parse_json(text: str) -> Any:
    """Any JSON value, as json.loads reads it; every failure a JSONDecodeError."""
    try:
        return from_json(text, allow_inf_nan=True)
    except (ValueError, TypeError):  # TypeError: a lone surrogate in the text itself (not escaped)
        pass
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError as error:
        raise json.JSONDecodeError("JSON nested too deeply", text, 0) from error
    except ValueError as error:
        raise json.JSONDecodeError(f"JSON value out of range: {error}", text, 0) from error
