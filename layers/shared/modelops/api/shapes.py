"""What the request models share: a lone item may be sent without its list."""
from typing import Any


def wrap_single_item(data: Any, list_key: str) -> Any:
    """{"a": 1} -> {list_key: [{"a": 1}]}; a body that already has list_key is left alone."""
    if isinstance(data, dict) and list_key not in data:
        return {list_key: [data]}
    return data
