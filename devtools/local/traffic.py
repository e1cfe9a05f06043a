"""Requests the demo, the tests and the benchmark send: API Gateway events built from the files
in events/ (same shape `sam local invoke` sends), with bodies of real rows of the bundled data."""
import json
import math
from typing import Any, Collection

from devtools.local.lambda_local import load_event
from training.cleaning import Dataset


def dataset_instances(dataset: Dataset, features: Collection[str] | None = None) -> list[dict[str, Any]]:
    """The cleaned rows as a client sends them, a CSV row's way: categories as strings, numbers as
    numbers, a missing value as null; only `features` when given (a model trained with --drop)."""
    kinds = dict(zip(dataset.feature_names, dataset.kinds or ["numeric"] * len(dataset.feature_names)))
    keep = [(index, name) for index, name in enumerate(dataset.feature_names) if features is None or name in features]
    return [{name: _sent(row[index], kinds[name]) for index, name in keep} for row in dataset.features.tolist()]


def _sent(value: Any, kind: str) -> Any:
    if kind == "categorical":
        return value or None  # "" is the missing category
    return None if math.isnan(value) else value


def shifted(instances: list[dict[str, Any]], factors: dict[str, float]) -> list[dict[str, Any]]:
    """The same instances with some features scaled: what a unit change upstream looks like."""
    return [{name: (value * factors[name] if name in factors and value is not None else value)
             for name, value in instance.items()} for instance in instances]


def recategorized(instances: list[dict[str, Any]], feature: str, mapping: dict[str, str]) -> list[dict[str, Any]]:
    """The same instances with some categories of `feature` sent as others: an upstream recoding,
    or a new population (a category training never saw)."""
    return [{**instance, feature: mapping.get(instance.get(feature), instance.get(feature))} for instance in instances]


def with_query(event: dict, **query: str) -> dict:
    """The event with this query string, in both of API Gateway's forms (one value per name)."""
    return {**event, "queryStringParameters": query or None,
            "multiValueQueryStringParameters": {name: [value] for name, value in query.items()} or None}


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
