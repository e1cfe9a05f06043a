"""Per-feature summary statistics of the training split, with each feature's type.

Training records them in the manifest; `GET /model` serves them; the monitor compares
production data against them. One implementation for all three.

What each kind means for the model's input (training/pipeline.py builds the pipeline that way):
- numeric: a number; NaN (null) is a missing value, filled by the pipeline's imputer.
- boolean: 1.0 for true, 0.0 for false (the spellings in BOOLEAN_VALUES), NaN missing; `mean` is
  the share of true values.
- categorical: a string; "" is a missing value, kept as its own category. `categories` lists every
  value seen in training with its count and share of the present values, most frequent first.
"""
from typing import Literal, Sequence

import numpy as np
from pydantic import BaseModel

Kind = Literal["numeric", "categorical", "boolean"]
KINDS: tuple[Kind, ...] = ("numeric", "categorical", "boolean")
# The cell spellings a boolean feature takes (compared stripped and lower-cased), and their value.
BOOLEAN_VALUES: dict[str, float] = {"true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0, "y": 1.0, "n": 0.0,
                                    "t": 1.0, "f": 0.0, "1": 1.0, "0": 0.0, "1.0": 1.0, "0.0": 0.0}
MISSING_CATEGORY = ""


class CategoryCount(BaseModel):
    value: str
    count: int
    frequency: float  # share of the feature's present (non-missing) training values


class FeatureSummary(BaseModel):
    name: str
    # Defaults keep manifests written before feature types valid: all their features were numeric.
    kind: Kind = "numeric"
    dtype: str = "float64"  # the type of the column in the model's input: float64, or str (categorical)
    count: int  # present values
    missing_rate: float
    min: float | None
    max: float | None
    mean: float | None
    categories: list[CategoryCount] | None = None  # categorical features only


def summarize_features(matrix: np.ndarray, names: list[str], kinds: Sequence[Kind] | None = None) -> list[FeatureSummary]:
    """One summary per column of `matrix` (float64, or object with str categorical columns)."""
    summaries = []
    for index, name in enumerate(names):
        kind = kinds[index] if kinds else "numeric"
        column = matrix[:, index]
        if kind == "categorical":
            summaries.append(_categorical(name, column))
        else:
            summaries.append(_numeric(name, kind, np.asarray(column, dtype=np.float64)))
    return summaries


def _numeric(name: str, kind: Kind, column: np.ndarray) -> FeatureSummary:
    present = column[~np.isnan(column)]
    rows = column.size
    return FeatureSummary(
        name=name, kind=kind, count=int(present.size),
        missing_rate=float(1.0 - present.size / rows) if rows else 0.0,
        # A column with no values has no range: None, never NaN (NaN is not JSON).
        min=float(present.min()) if present.size else None,
        max=float(present.max()) if present.size else None,
        mean=float(present.mean()) if present.size else None,
    )


def _categorical(name: str, column: np.ndarray) -> FeatureSummary:
    values = [str(value) for value in column.tolist() if value != MISSING_CATEGORY and value is not None]
    rows = column.size
    distinct, counts = np.unique(np.asarray(values, dtype=object), return_counts=True) if values else ([], [])
    ranked = sorted(zip(counts, distinct), key=lambda item: (-item[0], item[1]))  # most frequent, then by value
    return FeatureSummary(
        name=name, kind="categorical", dtype="str", count=len(values),
        missing_rate=float(1.0 - len(values) / rows) if rows else 0.0, min=None, max=None, mean=None,
        categories=[CategoryCount(value=value, count=int(count), frequency=float(count / len(values)))
                    for count, value in ranked],
    )
