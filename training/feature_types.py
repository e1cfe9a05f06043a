"""Each column's type, inferred from its values, with the user's overrides.

numeric: nearly every present value is a number (the few others are junk, made missing and
counted by cleaning). boolean: only the spellings of modelops' BOOLEAN_VALUES, two of them.
categorical: anything else. Two kinds of column are left out by default, with the reason in the
cleaning report, because a model fitted on them learns the data set rather than the problem:
id-like columns (nearly every value different: names, ticket numbers, row ids) and date/time
columns (the model would see each date as a category it will never meet again). `--categorical`,
`--numeric` and `--drop` decide instead of the inference, a named column being used even if it is
id-like or a date.
"""
import math
import re
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Iterable, Sequence

from modelops.statistics.feature_summary import BOOLEAN_VALUES, Kind
from training.data import RawTable, is_missing
from training.refusal import TrainingRefused

INFER_VALUES = 20_000  # a column's type is judged on its first present values, this many at most
NUMERIC_SHARE = 0.95  # a column is numeric when at least this share of its present values are numbers
DATE_SHARE = 0.95  # ... a date/time column when at least this share parse as dates or times
ID_MIN_ROWS = 50  # fewer present values than this: too few to call a column id-like
ID_DISTINCT_SHARE = 0.95  # text with at least this share of distinct values is an id or free text
ID_NAME = re.compile(r"(^|[_\s.-])(id|uuid|guid|key|index)$|^(id|index)[_\s.-]", re.IGNORECASE)
_DAYS = ("%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y", "%d/%m/%y", "%m/%d/%y",
         "%d %b %Y", "%b %d %Y", "%d %B %Y", "%B %d %Y")
# ISO 8601 is tried first (datetime.fromisoformat); these are the other common spellings.
DATE_FORMATS = (*_DAYS, *(f"{day} {time}" for day in _DAYS for time in ("%H:%M", "%H:%M:%S")), "%H:%M", "%H:%M:%S")


@dataclass(frozen=True)
class ColumnType:
    name: str
    kind: Kind | None  # None: left out of the model
    reason: str  # how the type was decided, or why the column was left out


@dataclass(frozen=True)
class Overrides:
    categorical: Sequence[str] = ()
    numeric: Sequence[str] = ()
    drop: Sequence[str] = ()

    def named(self) -> dict[str, str]:
        """column -> the flag that names it; refuses a name given to two flags."""
        named: dict[str, str] = {}
        for flag, names in (("--categorical", self.categorical), ("--numeric", self.numeric), ("--drop", self.drop)):
            for name in names:
                if name in named and named[name] != flag:
                    raise TrainingRefused(f"Column {name!r} is named by both {named[name]} and {flag}; name it once.")
                named[name] = flag
        return named


def parse_number(value: object) -> float | None:
    """The value as a finite float, or None when it is not one (text, infinity, NaN)."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def boolean_value(value: object) -> float | None:
    return BOOLEAN_VALUES.get(str(value).strip().lower())


def _is_date(text: str) -> bool:
    text = text.strip()
    if len(text) < 4 or parse_number(text) is not None:
        return False
    try:
        datetime.fromisoformat(text)
        return True
    except ValueError:
        pass
    for layout in DATE_FORMATS:
        try:
            datetime.strptime(text, layout)
            return True
        except ValueError:
            continue
    return False


def infer(name: str, values: list[object]) -> ColumnType:
    """The type of one column from its present (non-missing) values."""
    if not values:
        return ColumnType(name, "numeric", "no values at all (kept as numeric, noted as constant)")
    numbers = [parse_number(value) for value in values]
    numeric = sum(number is not None for number in numbers)
    distinct = {str(value).strip() for value in values}
    spellings = {value.lower() for value in distinct}
    if len(spellings) <= 2 and all(boolean_value(value) is not None for value in spellings) and \
            len({boolean_value(value) for value in spellings}) == len(spellings):
        return ColumnType(name, "boolean", f"two-valued ({', '.join(sorted(spellings))})")
    if numeric >= NUMERIC_SHARE * len(values):
        present = [number for number in numbers if number is not None]
        if _id_like_numbers(name, present):
            return ColumnType(name, None, f"left out: id-like (every value a different integer, {len(present)} rows); "
                                          f"keep it with --numeric {name}")
        return ColumnType(name, "numeric", "numbers" + (f" ({len(values) - numeric} non-numeric values made missing)"
                                                        if numeric < len(values) else ""))
    dates = sum(_is_date(str(value)) for value in values[:1000])
    if dates >= DATE_SHARE * min(len(values), 1000):
        return ColumnType(name, None, f"left out: dates or times (a model sees each as a value it will not meet "
                                      f"again); derive numbers from them, or keep it with --categorical {name}")
    if len(values) >= ID_MIN_ROWS and len(distinct) >= ID_DISTINCT_SHARE * len(values):
        return ColumnType(name, None, f"left out: id-like or free text ({len(distinct)} different values in "
                                      f"{len(values)} rows); keep it with --categorical {name}")
    return ColumnType(name, "categorical", f"text, {len(distinct)} different values")


def _id_like_numbers(name: str, numbers: list[float]) -> bool:
    """Integers, all different, and either named like an id or a run of consecutive values (a row number)."""
    if len(numbers) < ID_MIN_ROWS or not all(number.is_integer() for number in numbers):
        return False
    if len(set(numbers)) != len(numbers):
        return False
    return bool(ID_NAME.search(name)) or max(numbers) - min(numbers) + 1 == len(numbers)


def column_types(table: RawTable, overrides: Overrides = Overrides()) -> list[ColumnType]:
    """One ColumnType per feature column of `table`, overrides first."""
    named = overrides.named()
    unknown = [name for name in named if name not in table.feature_names]
    if unknown:
        where = " (it is the target)" if table.target in unknown else ""
        raise TrainingRefused(f"{named[unknown[0]]} names {unknown[0]!r}{where}, which is not a feature column of "
                              f"{table.source} (columns: {', '.join(table.feature_names)}).")
    types = []
    for position, name in enumerate(table.feature_names):
        flag = named.get(name)
        if flag == "--drop":
            types.append(ColumnType(name, None, "left out: --drop"))
        elif flag == "--categorical":
            types.append(ColumnType(name, "categorical", "--categorical"))
        elif flag == "--numeric":
            types.append(ColumnType(name, "numeric", "--numeric (values that are not numbers made missing)"))
        else:
            types.append(infer(name, _first_present(row[position] for row in table.rows)))
    return types


def _first_present(cells: Iterable[object]) -> list[object]:
    """The first INFER_VALUES present values: enough to tell a column's type, and a cost that does
    not grow with rows. What the rest hold is still counted by cleaning (non-numeric values made
    missing are reported per column)."""
    return list(islice((cell for cell in cells if not is_missing(cell)), INFER_VALUES))
