"""A column of CSV cells as the model takes it: the careful reader's rule for a numeric or boolean
feature, column at a time (modelops.batch.rows reads every column of a chunk that is not plain
with it; modelops.batch.plain_csv reads with it the columns numpy's reader cannot, such as one that
spells missing values NA or booleans yes/no). Each returns the float64 column and the rows whose
cell is refused, with the API's error code and a message.
"""
import numpy as np

from modelops.artifacts.features import FLOAT32_MAX, ValuesOutOfRange
from modelops.artifacts.missing_values import MISSING_TEXT
from modelops.statistics.feature_summary import BOOLEAN_VALUES

INVALID_VALUE = "validation_error"
OUT_OF_RANGE = ValuesOutOfRange.code
_LONGEST_MISSING = max(map(len, MISSING_TEXT))


def number_column(cells: list[str], name: str) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """A column of CSV cells as float64 (missing -> NaN), and the rows whose cell is no number."""
    values = np.array(cells, dtype=np.str_) if cells else np.array([], dtype=np.str_)
    stripped = np.char.strip(values)
    # Only a cell as short as the longest missing spelling can be one: lower-casing is the costly
    # step, and most numbers are longer.
    short = np.char.str_len(stripped) <= _LONGEST_MISSING
    missing = np.zeros(len(values), dtype=bool)
    missing[short] = np.isin(np.char.lower(stripped[short]), list(MISSING_TEXT))
    values[missing] = "nan"
    try:
        column = values.astype(np.float64)  # all at once: the usual case
    except ValueError:
        column = np.array([_number(cell) for cell in values.tolist()], dtype=np.float64)
    problems = {int(row): (INVALID_VALUE, f"{name}: {cells[row]!r} is not a number.")
                for row in np.flatnonzero(np.isnan(column) & ~missing)}
    infinite = np.flatnonzero(np.isinf(column))
    problems.update({int(row): (INVALID_VALUE, f"{name}: {cells[row]!r} is not finite.") for row in infinite})
    with np.errstate(invalid="ignore"):
        huge = np.flatnonzero(np.isfinite(column) & (np.abs(column) > FLOAT32_MAX))
    problems.update({int(row): (OUT_OF_RANGE, f"{name}: {cells[row]} is beyond +/-{FLOAT32_MAX:.7g}.") for row in huge})
    return column, problems


def boolean_column(cells: list[str], name: str) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """A boolean column: training's spellings (true/false, yes/no, ...) as 1.0/0.0; any other cell
    read as a number, as the API takes one for a boolean feature."""
    spelled = [BOOLEAN_VALUES.get(cell.strip().lower()) for cell in cells]
    column, problems = number_column(["" if value is not None else cell for value, cell in zip(spelled, cells)], name)
    for row, value in enumerate(spelled):
        if value is not None:
            column[row] = value
    return column, {row: (code, message.replace("is not a number.", "is not true, false or a number."))
                    for row, (code, message) in problems.items()}


def read_column(cells: list[str], name: str, kind: str) -> tuple[np.ndarray, dict[int, tuple[str, str]]]:
    """A numeric or boolean feature's column (categorical ones are read by categorical_value)."""
    return (boolean_column if kind == "boolean" else number_column)(cells, name)


def _number(cell: str) -> float:
    try:
        return float(cell)
    except ValueError:
        return float("nan")  # not a number; told apart from a missing value by the caller's mask
