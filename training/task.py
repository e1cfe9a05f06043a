"""Classification or regression: decided from the target's values unless `--task` says.

A target is a regression target when every value is a number and either some are not integers
or there are more than MAX_CLASSES different ones (diabetes progression, a price). Anything else
(text labels, 0/1, ratings 1-5) is classified. `--task` decides for the cases in between, e.g.
--task regression for a 1-10 score meant as a quantity.
"""
from typing import Any

import numpy as np

from modelops.artifacts.manifest import Task
from training.feature_types import parse_number
from training.refusal import TrainingRefused

TASKS: tuple[Task, ...] = ("classification", "regression")
MAX_CLASSES = 20


def detect(targets: list[Any]) -> tuple[Task, str]:
    """(task, why), from the present target values."""
    numbers = [parse_number(value) for value in targets]
    if not targets or any(number is None for number in numbers):
        return "classification", "the target has values that are not numbers"
    distinct = len(set(numbers))
    if not all(number.is_integer() for number in numbers if number is not None):
        return "regression", "the target is numeric with fractional values (--task classification to override)"
    if distinct > MAX_CLASSES:
        return "regression", (f"the target is numeric with {distinct} different values, more than {MAX_CLASSES} "
                              "(--task classification to override)")
    return "classification", (f"the target has {distinct} different values, at most {MAX_CLASSES} "
                              "(--task regression to override)")


def labels(task: Task, targets: list[Any], name: str) -> np.ndarray:
    """Class labels as an object array (ints stay ints), or regression values as float64."""
    if task == "regression":
        values = [parse_number(value) for value in targets]
        bad = next((value for value, number in zip(targets, values) if number is None), None)
        if bad is not None:
            raise TrainingRefused(f"Regression needs a numeric target, but {name!r} has the value {bad!r}; "
                                  "fix the column or use --task classification.")
        return np.asarray(values, dtype=np.float64)
    array = np.empty(len(targets), dtype=object)
    array[:] = targets
    return array
