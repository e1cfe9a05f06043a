"""The model's input schema at work: request instances (feature name -> value) to the feature
matrix, in the column order the model was trained on, and back. Serving and the monitor both go through
here, so the monitor profiles exactly what the model was given.

An all-numeric model takes a float64 matrix (`instances_to_matrix`); a model with a categorical
feature takes the object matrix of docs/training.md's serving input contract (`InputSchema`).
"""
import re
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, Iterable, Sequence

import numpy as np

from modelops.artifacts.missing_values import MISSING_TEXT
from modelops.platform.errors import RequestError
from modelops.statistics.feature_summary import MISSING_CATEGORY, FeatureSummary, Kind


class UnknownFeatures(RequestError):
    status, code = 422, "unknown_feature"

    def __init__(self, details: Iterable[dict[str, str]], known: list[str]):
        super().__init__(f"Unknown feature name(s). Known features: {', '.join(known)}.", details)


def instances_to_matrix(instances: list[dict[str, float | None]], feature_names: list[str]) -> np.ndarray:
    """Rows in training column order; null or absent features become NaN for the imputer."""
    _refuse_unknown(instances, feature_names)
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
                                "message": f"{float(matrix[row, column])!r} is beyond +/-{FLOAT32_MAX:.7g}."}
                               for row, column in zip(*np.nonzero(beyond)))


# ---- Any model: values checked by their feature's kind -------------------------------------------
# The request schema takes a number, a string, a boolean or null for any feature (the generic
# contract serves every model); which of them a feature takes depends on its kind, known only
# from the deployed manifest, so it is checked here, with the schema's error code and locations.
# An all-numeric model whose request was validated as numbers only (the fast path) never comes
# here: `instances_to_matrix` and `refuse_out_of_range` above, exactly as before.

INVALID_VALUE_MESSAGE = "The request does not match the API schema."


class InvalidValues(RequestError):
    """A value of the wrong type for its feature's kind: the same 422 as a schema failure."""
    status, code = 422, "validation_error"

    def __init__(self, details: Iterable[dict[str, str]]):
        super().__init__(INVALID_VALUE_MESSAGE, details)


# An integer code is taken below this magnitude only: every such integer is exact in a float (the
# request parser reads numbers as floats), so the category is exactly the number sent.
MAX_INTEGER_CODE = 2 ** 53


def integer_coded(summary: FeatureSummary) -> bool:
    """A categorical feature whose training categories are all integers written plainly ("1",
    "-3", never "01" or "1.0"): it also takes an integer number (|n| < MAX_INTEGER_CODE), as the
    category of that spelling."""
    categories = summary.categories or []
    return summary.kind == "categorical" and bool(categories) and all(
        _INTEGER.fullmatch(category.value) for category in categories)


_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def categorical_value(text: str) -> str:
    """A category as training read it from its CSV: stripped, and a missing-value spelling ("NA",
    "null", ...) the missing category "" (training/cleaning.py does the same to each cell). A lone
    surrogate (JSON's "\\ud800" escape) becomes "?": no training category has one (training reads
    UTF-8), and the value is echoed in explanations and captured, which must be valid UTF-8."""
    if not text.isascii():
        text = text.encode("utf-8", "replace").decode("utf-8")
    stripped = text.strip()
    return MISSING_CATEGORY if stripped.lower() in MISSING_TEXT else stripped


Unseen = dict[int, list[tuple[str, str]]]  # row -> (feature, category) pairs training never saw


@dataclass(frozen=True)
class ModelInput:
    matrix: np.ndarray  # the pipeline's input (training/pipeline.py): float64, or object when mixed
    instances: list[dict[str, Any]]  # the values as the model took them: what capture records
    unseen: Unseen


class InputSchema:
    """The deployed model's features as its pipeline takes them: names, kinds, the categories
    training saw. Built once per loaded version (LoadedModel.inputs)."""

    @classmethod
    def all_numeric(cls, names: Sequence[str]) -> "InputSchema":
        """An all-numeric model's schema from its feature names alone."""
        return cls([FeatureSummary(name=name, count=0, missing_rate=0.0, min=None, max=None, mean=None)
                    for name in names])

    def __init__(self, features: Sequence[FeatureSummary]):
        self.features = list(features)
        self.names = [feature.name for feature in features]
        self.kinds: tuple[Kind, ...] = tuple(feature.kind for feature in features)
        self.mixed = "categorical" in self.kinds
        self.categorical = [index for index, kind in enumerate(self.kinds) if kind == "categorical"]
        self.numeric = [index for index, kind in enumerate(self.kinds) if kind != "categorical"]
        self._seen = {feature.name: frozenset(category.value for category in feature.categories or ())
                      for feature in features if feature.kind == "categorical"}
        self._codes = {feature.name for feature in features if integer_coded(feature)}
        self._index = {name: index for index, name in enumerate(self.names)}
        self._missing = [MISSING_CATEGORY if kind == "categorical" else np.nan for kind in self.kinds]

    def missing_rows(self, count: int) -> np.ndarray:
        """`count` rows with every feature missing (the imputer fills numbers; "" is a category)."""
        return self._as_matrix([list(self._missing) for _ in range(count)])

    def with_missing_rows(self, matrix: np.ndarray, rows: list[int]) -> np.ndarray:
        """A copy of `matrix` with these rows all missing (always scorable)."""
        blanked = matrix.copy()
        if rows:
            blanked[rows] = self.missing_rows(len(rows))
        return blanked

    def model_input(self, instances: list[dict[str, Any]], numbers_only: bool = False) -> ModelInput:
        """The pipeline's input for these instances. `numbers_only`: every value is already a float
        or None (validated so) and the model all-numeric: the fast path, as before this class."""
        if numbers_only and not self.mixed:
            matrix = instances_to_matrix(instances, self.names)
            refuse_out_of_range(matrix, self.names)
            return ModelInput(matrix, instances, {})
        _refuse_unknown(instances, self.names)
        if self.mixed and (columnwise := self._columnwise(instances)) is not None:
            return columnwise
        rows, invalid, beyond, unseen, converted = [], [], [], {}, self.mixed
        for row, instance in enumerate(instances):
            cells = list(self._missing)
            for name, value in instance.items():
                cell, problem = self.take(name, value)
                if problem is not None:
                    (beyond if problem[0] == ValuesOutOfRange.code else invalid).append(
                        {"location": f"instances.{row}.{name}", "message": problem[1]})
                    continue
                cells[self._index[name]] = cell
                converted = converted or isinstance(value, bool)
                if self.unseen(name, cell):
                    unseen.setdefault(row, []).append((name, cell))
            rows.append(cells)
        if invalid:
            raise InvalidValues(invalid)
        if beyond:
            raise ValuesOutOfRange(beyond)
        if not converted:  # numbers and nulls for an all-numeric model: captured as sent, as always
            return ModelInput(self._as_matrix(rows), instances, unseen)
        unseen = {row: sorted(pairs, key=lambda pair: self._index[pair[0]]) for row, pairs in unseen.items()}
        return ModelInput(self._as_matrix(rows), self._taken(rows), unseen)

    def _taken(self, rows: list[list[Any]]) -> list[dict[str, Any]]:
        """The instances as the model took them; NaN (a missing number) as None: JSON's null, how a
        capture record holds a missing value."""
        return [{name: (None if cell != cell else cell)  # only NaN differs from itself
                 for name, cell in zip(self.names, cells)} for cells in rows]

    def _columnwise(self, instances: list[dict[str, Any]]) -> ModelInput | None:
        """model_input's rows and unseen categories a column at a time, when every value is of its
        kind's usual type (a category a string, a number an int or float within float32's range, a
        boolean feature's also true/false; null or absent anywhere): about 3x faster than a value at
        a time at 100 instances. None when any value is not: the value-at-a-time path then refuses
        or converts it, with its message. Both give the same result (a test compares them)."""
        columns: list[list[Any]] = []
        taken: list[list[Any]] = []  # the captured values: a missing number None, not NaN
        unseen: Unseen = {}
        for index, name in enumerate(self.names):
            values = [instance.get(name) for instance in instances]
            kind = self.kinds[index]
            if kind == "categorical":
                if not all(type(value) is str or value is None for value in values):
                    return None
                column = [MISSING_CATEGORY if value is None else categorical_value(value) for value in values]
                taken.append(column)
                for row in self._unseen_positions(name, column):
                    unseen.setdefault(row, []).append((name, column[row]))
            else:
                allowed = _BOOLEAN_TYPES if kind == "boolean" else _NUMBER_TYPES
                if not all(value is None or (type(value) in allowed and -FLOAT32_MAX <= value <= FLOAT32_MAX)
                           for value in values):
                    return None
                numbers = [None if value is None else float(value) for value in values]
                taken.append(numbers)
                column = [np.nan if number is None else number for number in numbers]
            columns.append(column)
        rows = [list(cells) for cells in zip(*columns)] if columns else [[] for _ in instances]
        captured = [dict(zip(self.names, cells)) for cells in zip(*taken)] if taken else [{} for _ in instances]
        return ModelInput(self._as_matrix(rows), captured, {row: unseen[row] for row in sorted(unseen)})

    def kind_problems(self, body: Any) -> list[dict[str, str]]:
        """The kind refusals among a request body's strings and booleans (either JSON form), which
        a schema failure elsewhere in the body stopped before they were checked: so a 422 names
        every problem, as it did when the schema took numbers only. Anything else is ignored."""
        instances = body.get("instances", [body]) if isinstance(body, dict) else []
        return [{"location": f"instances.{row}.{name}", "message": problem[1]}
                for row, instance in enumerate(instances if isinstance(instances, list) else [])
                if isinstance(instance, dict)
                for name, value in instance.items()
                if name in self._index and isinstance(value, (str, bool))
                for _, problem in [self.take(name, value)] if problem is not None]

    def unseen(self, name: str, cell: Any) -> bool:
        """Whether `cell`, the model's value of feature `name`, is a category training never saw."""
        seen = self._seen.get(name)
        return seen is not None and cell != MISSING_CATEGORY and cell not in seen

    def unseen_rows(self, matrix: np.ndarray) -> Unseen:
        """ModelInput.unseen for a matrix already in the model's input form (batch scoring's):
        row -> (feature, category) pairs training never saw, in feature order."""
        found: Unseen = {}
        for index in self.categorical:
            name, cells = self.names[index], matrix[:, index].tolist()
            for row in self._unseen_positions(name, cells):
                found.setdefault(row, []).append((name, cells[row]))
        return {row: found[row] for row in sorted(found)}

    def _unseen_positions(self, name: str, cells: list[Any]) -> list[int]:
        """The rows of a categorical column whose category training never saw (unseen()'s rule,
        inlined over the column: a batch chunk has millions of cells, few of them unseen)."""
        seen = self._seen[name]
        return [row for row, cell in enumerate(cells) if cell not in seen and cell != MISSING_CATEGORY]

    def take(self, name: str, value: Any) -> tuple[Any, tuple[str, str] | None]:
        """(the value as the pipeline takes it, None), or (None, (error code, message)) when its
        feature's kind refuses it. `name` must be a feature (unknown names are refused before)."""
        cell, problem = self._cell(name, self.kinds[self._index[name]], value)
        if problem is None:
            return cell, None
        if problem is _BEYOND:
            return None, (ValuesOutOfRange.code, f"{value!r} is beyond +/-{FLOAT32_MAX:.7g}.")
        return None, (InvalidValues.code, problem)

    def _as_matrix(self, rows: list[list[Any]]) -> np.ndarray:
        return np.array(rows, dtype=object if self.mixed else np.float64).reshape(len(rows), len(self.names))

    def _cell(self, name: str, kind: Kind, value: Any) -> tuple[Any, Any]:
        """(the value as the pipeline takes it, None) or (None, why it is refused)."""
        if value is None:
            return (MISSING_CATEGORY if kind == "categorical" else np.nan), None
        if kind == "categorical":
            if isinstance(value, str):
                return categorical_value(value), None
            if name in self._codes and not isinstance(value, bool) and _integral(value) and abs(value) < MAX_INTEGER_CODE:
                return str(int(value)), None
            if name in self._codes:
                return None, f"Expects a string (a category), an integer below 2**53 in magnitude or null, not {value!r}."
            return None, f"Expects a string (a category) or null, not {_kind_of(value)}."
        if isinstance(value, bool):
            if kind == "boolean":
                return float(value), None
            return None, "Expects a number or null, not a boolean."
        if isinstance(value, str):
            return None, f"Expects a number{', true or false' if kind == 'boolean' else ''} or null, not a string."
        if not -FLOAT32_MAX <= value <= FLOAT32_MAX:  # compared as is: float() of a huge int overflows
            return None, _BEYOND
        return float(value), None


_BEYOND = object()  # the problem "beyond float32's range": a value_out_of_range, not a validation_error
_NUMBER_TYPES = frozenset({int, float})  # exact types: a bool (an int subclass) is not a number here
_BOOLEAN_TYPES = frozenset({int, float, bool})


def _integral(value: int | float) -> bool:
    return isinstance(value, int) or value.is_integer()


def _kind_of(value: Any) -> str:
    return "a boolean" if isinstance(value, bool) else "a number" if isinstance(value, (int, float)) else type(value).__name__


def _refuse_unknown(instances: list[dict[str, Any]], feature_names: list[str]) -> None:
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
