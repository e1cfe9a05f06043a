"""What the request models share: a lone item may be sent without its list, and the OpenAPI
document says so (both forms, as a oneOf), so generated clients and the server agree."""
import copy
from typing import Any


def wrap_single_item(data: Any, list_key: str) -> Any:
    """{"a": 1} -> {list_key: [{"a": 1}]}; a body that already has list_key is left alone."""
    if isinstance(data, dict) and list_key not in data:
        return {list_key: [data]}
    return data


def batch_or_single_schema(list_key: str, single_title: str):
    """A json_schema_extra for a {list_key: [item, ...]} model: its schema becomes oneOf the batch
    object and one item alone (an object that has no `list_key`, so the two never overlap)."""
    def rewrite(schema: dict[str, Any]) -> None:
        batch = {key: value for key, value in schema.items() if key not in ("title", "description")}
        item = copy.deepcopy(batch["properties"][list_key]["items"])
        single = {**item, "title": single_title, "not": {"required": [list_key]}}
        batch["title"] = f"{schema.get('title', '')} (batch)".strip()
        for key in list(schema):
            if key not in ("title", "description"):
                del schema[key]
        schema["oneOf"] = [batch, single]
    return rewrite
