import math

from training.cleaning import clean
from training.data import RawTable


def table(rows, targets):
    return RawTable(source="test", target="y", feature_names=["a", "b", "c"], rows=rows, targets=targets)


def test_cleaning_counts_every_change():
    dataset, report = clean(
        table(
            rows=[
                ["1", "x", "7"],  # "x" is non-numeric -> missing
                ["1", "", "7"],  # duplicate of the row above once "x" is missing
                ["2", "inf", "7"],  # infinity is non-numeric too
                ["3", "NA", "7"],  # NA is an ordinary missing value
                ["4", "5", "7"],  # no target -> dropped
            ],
            targets=[0, 0, 1, 1, None],
        )
    )
    assert report.rows_read == 5
    assert report.rows_without_target == 1
    assert report.duplicate_rows == 1
    assert report.rows_kept == 3
    assert report.non_numeric_values == {"b": 2}
    assert report.missing_values == {"b": 3}
    assert report.constant_columns == ["b", "c"]  # b has no values at all, c only 7
    assert dataset.features.shape == (3, 3)
    assert math.isnan(dataset.features[0, 1])
    assert dataset.labels.tolist() == [0, 1, 1]
    assert any("duplicate" in line for line in report.lines())


def test_fingerprint_depends_on_data_not_on_identity():
    rows, targets = [["1", "2", "3"], ["4", "5", "6"]], [0, 1]
    first, _ = clean(table(rows, targets))
    again, _ = clean(table([list(r) for r in rows], list(targets)))
    changed, _ = clean(table(rows, [1, 0]))
    assert first.fingerprint() == again.fingerprint()
    assert first.fingerprint() != changed.fingerprint()
