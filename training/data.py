"""Raw training data, before cleaning: the bundled data set or a user's CSV."""
import csv
from dataclasses import dataclass
from pathlib import Path

BUNDLED_NAME = "breast-cancer"


@dataclass
class RawTable:
    source: str
    target: str
    feature_names: list[str]
    rows: list[list[object]]  # feature values as read: numbers, strings, None
    targets: list[object]  # None where the target is missing


def load_bundled() -> RawTable:
    """scikit-learn's breast-cancer set (ships with scikit-learn: no download)."""
    from sklearn.datasets import load_breast_cancer

    data = load_breast_cancer()
    # "mean radius" -> "mean_radius": names that read well as JSON keys and query parameters.
    names = [name.replace(" ", "_") for name in data.feature_names]
    return RawTable(
        source="sklearn.datasets.load_breast_cancer",
        target="diagnosis",
        feature_names=names,
        rows=data.data.tolist(),
        targets=data.target.tolist(),
    )


def load_csv(path: Path, target: str) -> RawTable:
    with path.open(newline="") as handle:
        reader = csv.reader(handle)
        header = [name.strip() for name in next(reader)]
        if target not in header:
            raise ValueError(f"Target column {target!r} is not in {path} (columns: {', '.join(header)}).")
        target_index = header.index(target)
        rows, targets = [], []
        for record in reader:
            if not any(cell.strip() for cell in record):
                continue  # blank line
            record = (record + [""] * len(header))[: len(header)]
            targets.append(_target_value(record[target_index]))
            rows.append([cell for position, cell in enumerate(record) if position != target_index])
    features = [name for position, name in enumerate(header) if position != target_index]
    return RawTable(source=str(path), target=target, feature_names=features, rows=rows, targets=targets)


def _target_value(cell: str) -> object:
    text = cell.strip()
    if text == "" or text.lower() in {"na", "nan", "null", "none"}:
        return None
    try:
        return int(text)  # integer class labels stay integers (0/1), as scikit-learn would see them
    except ValueError:
        return text
