"""Requests the demo, the tests and the benchmark send: API Gateway events built from the files
in events/ (same shape `sam local invoke` sends), with bodies of real rows of the bundled data."""
import json
from typing import Any


from devtools.local.lambda_local import load_event


def shifted(instances: list[dict[str, Any]], factors: dict[str, float]) -> list[dict[str, Any]]:
    """The same instances with some features scaled: what a unit change upstream looks like."""
    return [{name: (value * factors[name] if name in factors and value is not None else value)
             for name, value in instance.items()} for instance in instances]


def predict_event(instances: list[dict[str, Any]]) -> dict:
    event = load_event("predict_batch.json")
    event["body"] = json.dumps({"instances": instances})
    return event


def feedback_event(labels: list[tuple[str, Any]]) -> dict:
    event = load_event("feedback.json")
    event["body"] = json.dumps({"labels": [{"prediction_id": pid, "label": label} for pid, label in labels]})
    return event


def batches(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start:start + size] for start in range(0, len(items), size)]
