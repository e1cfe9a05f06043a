"""Cleaning, reported in counts: each column's type and why, what was left out, coerced or
noticed, and why. Exact duplicate rows are counted and kept unless asked (--drop-duplicates):
without an id column, identical rows are often different people or events."""
import hashlib
from dataclasses import dataclass, field

import numpy as np

from modelops.artifacts.manifest import Task
from modelops.statistics.feature_summary import MISSING_CATEGORY, Kind
from training import task as tasks
from training.data import RawTable, is_missing
from training.feature_types import ColumnType, Overrides, boolean_value, column_types, parse_number
from training.refusal import TrainingRefused


@dataclass
class CleaningReport:
    rows_read: int
    rows_without_target: int = 0
    duplicate_rows: int = 0  # exact copies of an earlier row (every column and the target)
    duplicates_dropped: bool = False  # --drop-duplicates
    rows_kept: int = 0
    task: str = "classification"
    task_reason: str = ""
    feature_types: dict[str, str] = field(default_factory=dict)  # feature -> kind, for the features used
    type_reasons: dict[str, str] = field(default_factory=dict)  # feature -> how its kind was decided
    left_out: dict[str, str] = field(default_factory=dict)  # column -> why the model does not see it
    non_numeric_values: dict[str, int] = field(default_factory=dict)
    missing_values: dict[str, int] = field(default_factory=dict)
    constant_columns: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        duplicates = ("dropped (--drop-duplicates)" if self.duplicates_dropped
                      else "kept (the default; --drop-duplicates drops them)")
        by_kind = {kind: [name for name, k in self.feature_types.items() if k == kind]
                   for kind in ("numeric", "boolean", "categorical")}
        return [
            f"rows read: {self.rows_read}",
            f"rows without a target, dropped: {self.rows_without_target}",
            f"exact duplicate rows: {self.duplicate_rows}, {duplicates}",
            f"rows kept: {self.rows_kept}",
            f"task: {self.task} ({self.task_reason})",
            "feature types: " + "; ".join(f"{kind} {len(names)}" + (f" ({_names(names)})" if names and kind != "numeric"
                                                                     else "") for kind, names in by_kind.items()),
            "left out: " + ("; ".join(f"{name}: {why}" for name, why in self.left_out.items()) or "none"),
            f"non-numeric values in numeric columns, made missing: {sum(self.non_numeric_values.values())}"
            + (f" ({_top(self.non_numeric_values)})" if self.non_numeric_values else ""),
            f"missing values after cleaning: {sum(self.missing_values.values())}",
            "constant columns (kept, noted): " + (", ".join(self.constant_columns) or "none"),
        ]


@dataclass
class Dataset:
    feature_names: list[str]
    features: np.ndarray  # the model's input (training/pipeline.py says the contract)
    labels: np.ndarray  # object array of class labels; float64 for regression
    target: str
    kinds: list[Kind] = field(default_factory=list)  # per feature; empty means all numeric
    task: Task = "classification"

    @property
    def mixed(self) -> bool:
        return "categorical" in self.kinds

    def numeric_columns(self) -> list[int]:
        return [index for index in range(len(self.feature_names))
                if not self.kinds or self.kinds[index] != "categorical"]

    def fingerprint(self) -> str:
        """SHA-256 of the cleaned data: the same rows and labels always give the same value."""
        digest = hashlib.sha256()
        digest.update("\x1f".join(self.feature_names + [self.target]).encode())
        if self.features.dtype == np.float64:
            digest.update(np.ascontiguousarray(self.features).tobytes())
        else:
            for index in range(self.features.shape[1]):
                column = self.features[:, index]
                if self.kinds[index] == "categorical":
                    digest.update("\x1f".join(map(str, column.tolist())).encode())
                else:
                    digest.update(np.ascontiguousarray(column, dtype=np.float64).tobytes())
        digest.update("\x1f".join(map(repr, self.labels.tolist())).encode())
        return digest.hexdigest()


def _names(names: list[str], limit: int = 8) -> str:
    return ", ".join(names[:limit]) + (f", … {len(names) - limit} more" if len(names) > limit else "")


def _top(counts: dict[str, int], limit: int = 5) -> str:
    ranked = sorted(counts.items(), key=lambda item: -item[1])[:limit]
    return ", ".join(f"{name}: {count}" for name, count in ranked)


def clean(table: RawTable, overrides: Overrides = Overrides(), drop_duplicates: bool = False,
          task: Task | None = None) -> tuple[Dataset, CleaningReport]:
    report = CleaningReport(rows_read=len(table.rows), duplicates_dropped=drop_duplicates)
    types = column_types(table, overrides)
    used = [(position, column) for position, column in enumerate(types) if column.kind is not None]
    report.left_out = {column.name: column.reason for column in types if column.kind is None}
    if not used:
        raise TrainingRefused(f"No feature columns are left in {table.source}: every one was left out "
                              f"({'; '.join(f'{n}: {why}' for n, why in report.left_out.items())}).")
    report.feature_types = {column.name: str(column.kind) for _, column in used}
    report.type_reasons = {column.name: column.reason for _, column in used}
    kept_rows, kept_targets, seen = [], [], set()
    non_numeric = [0] * len(used)
    for raw, label in zip(table.rows, table.targets):
        if label is None:
            report.rows_without_target += 1
            continue
        key = (tuple(raw), repr(label))  # the row as written in the file
        if key in seen:
            report.duplicate_rows += 1
            if drop_duplicates:
                continue
        seen.add(key)
        values: list[object] = []
        for index, (position, column) in enumerate(used):
            value, coerced = _value(raw[position], column)
            non_numeric[index] += coerced
            values.append(value)
        kept_rows.append(values)
        kept_targets.append(label)
    report.rows_kept = len(kept_rows)
    kinds: list[Kind] = [column.kind for _, column in used]  # type: ignore[misc]
    names = [column.name for _, column in used]
    features = _matrix(kept_rows, kinds)
    report.non_numeric_values = {name: count for name, count in zip(names, non_numeric) if count}
    report.missing_values, report.constant_columns = _missing_and_constant(features, names, kinds)
    if not kept_targets:
        raise TrainingRefused(f"No row of {table.source} has a value in the target column {table.target!r}.")
    chosen, why = (task, "--task") if task else tasks.detect(kept_targets)
    report.task, report.task_reason = chosen, why
    labels = tasks.labels(chosen, kept_targets, table.target)
    distinct = np.unique(labels.astype(str)) if chosen == "classification" else np.unique(labels)
    if len(distinct) < 2:
        raise TrainingRefused(f"The target {table.target!r} has one value ({distinct[0]}) in all {len(labels)} rows: "
                              "there is nothing to learn; check --target.")
    return Dataset(names, features, labels, table.target, kinds, chosen), report


def _value(cell: object, column: ColumnType) -> tuple[object, bool]:
    """(the cell as the model's input, whether a non-missing value had to be made missing)."""
    if column.kind == "numeric":  # the common case first: one float() per cell
        number = parse_number(cell)
        return (number, False) if number is not None else (np.nan, not is_missing(cell))
    if is_missing(cell):
        return (MISSING_CATEGORY if column.kind == "categorical" else np.nan), False
    if column.kind == "categorical":
        return str(cell).strip(), False
    number = boolean_value(cell) if column.kind == "boolean" else parse_number(cell)
    return (np.nan, True) if number is None else (number, False)


def _matrix(rows: list[list[object]], kinds: list[Kind]) -> np.ndarray:
    """float64 when no column is categorical (the all-numeric model's input, as before); else an
    object array of Python floats and strings."""
    if "categorical" not in kinds:
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(kinds))
    matrix = np.empty((len(rows), len(kinds)), dtype=object)
    for index, row in enumerate(rows):
        matrix[index, :] = row
    return matrix


def _missing_and_constant(features: np.ndarray, names: list[str], kinds: list[Kind]) -> tuple[dict[str, int], list[str]]:
    missing, constant = {}, []
    for index, (name, kind) in enumerate(zip(names, kinds)):
        column = features[:, index]
        if kind == "categorical":
            present = column[column != MISSING_CATEGORY]
            distinct = len(set(present.tolist()))
        else:
            values = np.asarray(column, dtype=np.float64)
            present = values[~np.isnan(values)]
            distinct = len(np.unique(present))
        if column.size - present.size:
            missing[name] = int(column.size - present.size)
        if distinct <= 1:
            constant.append(name)
    return missing, constant
