"""Cleaning, reported in counts: what was dropped, coerced or noticed, and why."""
import hashlib
import math
from dataclasses import dataclass, field

import numpy as np

from training.data import RawTable


@dataclass
class CleaningReport:
    rows_read: int
    rows_without_target: int = 0
    duplicate_rows: int = 0
    rows_kept: int = 0
    non_numeric_values: dict[str, int] = field(default_factory=dict)
    missing_values: dict[str, int] = field(default_factory=dict)
    constant_columns: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [
            f"rows read: {self.rows_read}",
            f"rows without a target, dropped: {self.rows_without_target}",
            f"exact duplicate rows, dropped: {self.duplicate_rows}",
            f"rows kept: {self.rows_kept}",
            f"non-numeric values made missing: {sum(self.non_numeric_values.values())}"
            + (f" ({_top(self.non_numeric_values)})" if self.non_numeric_values else ""),
            f"missing values after cleaning: {sum(self.missing_values.values())}",
            "constant columns (kept, noted): " + (", ".join(self.constant_columns) or "none"),
        ]


@dataclass
class Dataset:
    feature_names: list[str]
    features: np.ndarray  # float64, NaN = missing
    labels: np.ndarray  # object array of class labels
    target: str

    def fingerprint(self) -> str:
        """SHA-256 of the cleaned data: the same rows and labels always give the same value."""
        digest = hashlib.sha256()
        digest.update("\x1f".join(self.feature_names + [self.target]).encode())
        digest.update(np.ascontiguousarray(self.features).tobytes())
        digest.update("\x1f".join(map(repr, self.labels.tolist())).encode())
        return digest.hexdigest()


def _top(counts: dict[str, int], limit: int = 5) -> str:
    ranked = sorted(counts.items(), key=lambda item: -item[1])[:limit]
    return ", ".join(f"{name}: {count}" for name, count in ranked)


MISSING_TOKENS = {"", "na", "n/a", "nan", "null", "none"}


def _number(value: object) -> tuple[float, bool]:
    """(value as float, whether it was non-numeric). Blank, NA and None are plain missing values;
    text and infinities are non-numeric values, made missing and counted."""
    if value is None or (isinstance(value, str) and value.strip().lower() in MISSING_TOKENS):
        return math.nan, False
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan, True
    if math.isnan(number):
        return math.nan, False
    if math.isinf(number):
        return math.nan, True
    return number, False


def clean(table: RawTable) -> tuple[Dataset, CleaningReport]:
    report = CleaningReport(rows_read=len(table.rows))
    kept_rows, kept_labels, seen = [], [], set()
    non_numeric = [0] * len(table.feature_names)
    for raw, label in zip(table.rows, table.targets):
        if label is None:
            report.rows_without_target += 1
            continue
        values = []
        for position, cell in enumerate(raw):
            number, coerced = _number(cell)
            non_numeric[position] += coerced
            values.append(number)
        # repr() makes NaN equal to NaN, so rows that differ only in where nothing is known match.
        key = (tuple(map(repr, values)), repr(label))
        if key in seen:
            report.duplicate_rows += 1
            continue
        seen.add(key)
        kept_rows.append(values)
        kept_labels.append(label)
    features = np.array(kept_rows, dtype=np.float64).reshape(len(kept_rows), len(table.feature_names))
    report.rows_kept = len(kept_rows)
    report.non_numeric_values = {
        name: count for name, count in zip(table.feature_names, non_numeric) if count
    }
    missing = np.isnan(features).sum(axis=0)
    report.missing_values = {name: int(count) for name, count in zip(table.feature_names, missing) if count}
    for position, name in enumerate(table.feature_names):
        present = features[~np.isnan(features[:, position]), position]
        if present.size == 0 or np.all(present == present[0]):
            report.constant_columns.append(name)
    labels = np.empty(len(kept_labels), dtype=object)
    labels[:] = kept_labels
    return Dataset(table.feature_names, features, labels, table.target), report
