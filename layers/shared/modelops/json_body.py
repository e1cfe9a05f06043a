"""The API's JSON parser: json.loads, with every way it can fail turned into a JSONDecodeError.

Powertools answers a JSONDecodeError as invalid JSON (our 400) but lets anything else through as
a 500, and json.loads has two other failures that any client can trigger within the body limit:
RecursionError for arrays or objects nested deeper than the interpreter's recursion limit
('[' * 100000), and ValueError for an integer of more than 4,300 digits (CPython's guard against
quadratic int parsing).
"""
import json
from typing import Any


def parse_json_body(text: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except RecursionError as error:
        raise json.JSONDecodeError("JSON nested too deeply", text, 0) from error
    except ValueError as error:
        raise json.JSONDecodeError(f"JSON value out of range: {error}", text, 0) from error
