"""The model's input schema at work: request instances (feature name -> value) to the feature
matrix, in the column order the model was trained on, and back. Serving and the monitor both go through
here, so the monitor profiles exactly what the model was given."""
from operator import itemgetter

from typing import Iterable, Sequence

import numpy as np

from modelops.platform.errors import RequestError


class UnknownFeatures(RequestError):
    status, code = 422, "unknown_feature"

    def __init__(self, details: Iterable[dict[str, str]], known: list[str]):
        super().__init__(f"Unknown feature name(s). Known features: {', '.join(known)}.", details)


def instances_to_matrix(instances: list[dict[str, float | None]], feature_names: list[str]) -> np.ndarray:
    """Rows in training column order; null or absent features become NaN for the imputer."""
    known = set(feature_names)
    if not all(map(known.issuperset, instances)):
        # A generator: the error response lists the first few and counts the rest (api/errors.py),
        # so 100,000 unknown names are never turned into 100,000 objects.
        raise UnknownFeatures((
            {"location": f"instances.{index}.{name}", "message": "Unknown feature name."}
            for index, instance in enumerate(instances)
            for name in instance
            if name not in known
        ), feature_names)
    try:  # usually every feature is sent: one C-level lookup per row
        rows = list(map(itemgetter(*feature_names), instances))
    except KeyError:  # some left out: they are missing values, like null
        rows = [list(map(instance.get, feature_names)) for instance in instances]
    # One conversion for the whole batch (None becomes NaN), not one numpy store per value.
    return np.array(rows, dtype=np.float64).reshape(len(instances), len(feature_names))


def matrix_to_instances(matrix: np.ndarray, feature_names: Sequence[str]) -> list[dict[str, float | None]]:
    """The inverse of instances_to_matrix: rows as request instances, NaN as null (a missing value)."""
    return [{name: (None if np.isnan(value) else float(value)) for name, value in zip(feature_names, row)}
            for row in matrix]


# The largest magnitude both runtimes can take: ONNX Runtime computes in float32, where anything
# larger is infinity. scikit-learn (float64) would score 1e39 while ONNX refused it; refused on
# both, the answer to a request does not depend on the deployed runtime.
FLOAT32_MAX = float(np.finfo(np.float32).max)


class ValuesOutOfRange(RequestError):
    status, code = 422, "value_out_of_range"

    def __init__(self, details: Iterable[dict[str, str]]):
        super().__init__(f"Feature values must lie within +/-{FLOAT32_MAX:.7g} (the range the model's runtimes "
                         "can represent).", details)


def refuse_out_of_range(matrix: np.ndarray, feature_names: Sequence[str]) -> None:
    """ValuesOutOfRange naming each value beyond +/-FLOAT32_MAX; NaN (missing) is fine."""
    with np.errstate(invalid="ignore"):
        beyond = np.abs(matrix) > FLOAT32_MAX
    if beyond.any():
        raise ValuesOutOfRange({"location": f"instances.{row}.{feature_names[column]}",
                                "message": f"{matrix[row, column]!r} is beyond +/-{FLOAT32_MAX:.7g}."}
                               for row, column in zip(*np.nonzero(beyond)))
