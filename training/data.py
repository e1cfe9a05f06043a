"""Raw training data, before cleaning: a bundled data set or a user's CSV, read the way people's
files are (a byte-order mark, `,` `;` tab or `|` separators, quoted fields, CRLF line ends), with
every problem refused in one line that names the file, the line and what to do."""
import codecs
import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from modelops.artifacts.missing_values import MISSING_TEXT
from training.refusal import TrainingRefused

BUNDLED_NAME = "breast-cancer"
DATASETS_DIR = Path(__file__).parent / "datasets"
SEPARATORS = (",", ";", "\t", "|")
SNIFF_LINES = 50  # lines the separator is judged on: enough to see a consistent field count


def is_missing(value: object) -> bool:
    """A cell that means "no value", in features and target alike: batch scoring's spellings."""
    return value is None or (isinstance(value, str) and value.strip().lower() in MISSING_TEXT)


@dataclass
class RawTable:
    source: str
    target: str
    feature_names: list[str]
    rows: list[list[object]]  # feature values as read: numbers, strings, None
    targets: list[object]  # None where the target is missing


def _breast_cancer() -> RawTable:
    """scikit-learn's breast-cancer set (ships with scikit-learn: no download)."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    # "mean radius" -> "mean_radius": names that read well as JSON keys and query parameters.
    names = [name.replace(" ", "_") for name in data.feature_names]
    return RawTable(source="sklearn.datasets.load_breast_cancer", target="diagnosis", feature_names=names,
                    rows=data.data.tolist(), targets=data.target.tolist())


def _diabetes() -> RawTable:
    """scikit-learn's diabetes set: a numeric target (disease progression after one year), for
    regression. The unscaled version, so the features read in their own units."""
    from sklearn.datasets import load_diabetes

    data = load_diabetes(scaled=False)
    return RawTable(source="sklearn.datasets.load_diabetes", target="progression", feature_names=list(data.feature_names),
                    rows=data.data.tolist(), targets=data.target.tolist())


def _penguins() -> RawTable:
    """Palmer penguins (CC0, shipped in training/datasets/): categorical columns, missing values,
    three classes. Read by the same CSV reader as a user's file."""
    return load_csv(DATASETS_DIR / "penguins.csv", "species")


BUNDLED: dict[str, Callable[[], RawTable]] = {
    "breast-cancer": _breast_cancer,
    "penguins": _penguins,
    "diabetes": _diabetes,
}


def load_bundled(name: str = BUNDLED_NAME) -> RawTable:
    return BUNDLED[name]()


def load_csv(path: Path, target: str, separator: str | None = None, encoding: str | None = None) -> RawTable:
    text = _decode(path, encoding)
    if not text.strip():
        raise TrainingRefused(f"{path} is empty: a CSV file needs a header row and at least one data row.")
    delimiter = separator or sniff_separator(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip() for name in next(reader)]
    _check_header(path, header, target, delimiter)
    target_index = header.index(target)
    rows, targets = [], []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue  # blank line
        if len(record) > len(header) and any(cell.strip() for cell in record[len(header):]):
            raise TrainingRefused(
                f"{path}, line {reader.line_num}: {len(record)} fields, the header has {len(header)}; quote "
                f"values that contain the separator {_shown(delimiter)} or fix the line.")
        record = (record + [""] * len(header))[: len(header)]  # a short row: the rest are missing
        targets.append(_target_value(record[target_index]))
        rows.append([cell for position, cell in enumerate(record) if position != target_index])
    if not rows:
        raise TrainingRefused(f"{path} has a header but no data rows.")
    features = [name for position, name in enumerate(header) if position != target_index]
    return RawTable(source=str(path), target=target, feature_names=features, rows=rows, targets=targets)


def _decode(path: Path, encoding: str | None) -> str:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise TrainingRefused(f"Cannot read {path}: {error.strerror}; check the --data path.") from None
    name = encoding or "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        raise TrainingRefused(f"Unknown --encoding {name!r}; use a Python codec name such as utf-8, latin-1 or cp1252.") from None
    try:
        text = data.decode(name)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise TrainingRefused(
            f"{path}, line {line}: byte 0x{data[error.start]:02x} is not {name}; save the file as UTF-8, or name "
            f"its encoding, e.g. --encoding latin-1 (or cp1252).") from None
    return text.removeprefix("\ufeff")  # the byte-order mark Excel writes before the first column name


def sniff_separator(text: str) -> str:
    """The first of SEPARATORS that splits the header and the next lines into one and the same
    number (more than one) of fields, the most fields winning; ',' when none does. Judged by the
    csv module, so separators inside quoted fields do not count."""
    lines = "\n".join(text.splitlines()[:SNIFF_LINES])
    best, best_width = ",", 1
    for candidate in SEPARATORS:
        widths = {len(record) for record in csv.reader(io.StringIO(lines), delimiter=candidate) if record}
        if len(widths) == 1 and (width := widths.pop()) > best_width:
            best, best_width = candidate, width
    return best


def _check_header(path: Path, header: list[str], target: str, delimiter: str) -> None:
    if "" in header:
        raise TrainingRefused(f"{path}: column {header.index('') + 1} of the header has no name; name every column.")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise TrainingRefused(f"{path}: column name(s) {', '.join(repeated)} appear more than once; give each column "
                              "its own name.")
    if target not in header:
        hint = (f" Only one column was found with the separator {_shown(delimiter)}: pass --separator."
                if len(header) == 1 else "")
        raise TrainingRefused(f"Target column {target!r} is not in {path} (columns: {', '.join(header)}); "
                              f"name one of them with --target.{hint}")


def _shown(separator: str) -> str:
    return "tab" if separator == "\t" else repr(separator)


def _target_value(cell: str) -> object:
    if is_missing(cell):
        return None
    text = cell.strip()
    try:
        return int(text)  # integer class labels stay integers (0/1), as scikit-learn would see them
    except ValueError:
        return text
