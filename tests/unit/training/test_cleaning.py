"""Cleaning: each column's type and why, what was left out, coerced, counted."""
import math

import numpy as np
import pytest

from training.cleaning import clean
from training.data import RawTable
from training.feature_types import Overrides, infer
from training.refusal import TrainingRefused


def table(rows, targets, names=("a", "b", "c")):
    return RawTable(source="test", target="y", feature_names=list(names), rows=rows, targets=targets)


def test_cleaning_counts_every_change():
    dataset, report = clean(
        table(
            rows=[
                ["1", "7", "x"],
                ["1", "7", "x"],  # an exact duplicate: counted, kept
                ["2", "inf", "7"],  # infinity in a numeric column: made missing, counted
                ["3", "NA", "7"],  # NA is an ordinary missing value
                ["4", "5", "7"],  # no target -> dropped
            ] + [[str(i), str(i % 3), "uv"[i % 2]] for i in range(5, 45)],
            targets=[0, 0, 1, 1, None] + [i % 2 for i in range(40)],
        )
    )
    assert report.rows_read == 45 and report.rows_without_target == 1
    assert report.duplicate_rows == 1 and not report.duplicates_dropped and report.rows_kept == 44
    assert report.feature_types == {"a": "numeric", "b": "numeric", "c": "categorical"}  # a: 44 rows, too few for an id
    assert report.non_numeric_values == {"b": 1}
    assert report.missing_values == {"b": 2}
    assert dataset.features.dtype == object and dataset.kinds == ["numeric", "numeric", "categorical"]
    assert dataset.features[0].tolist() == [1.0, 7.0, "x"] and math.isnan(dataset.features[2, 1])
    assert dataset.labels.tolist()[:4] == [0, 0, 1, 1]
    assert any("exact duplicate rows: 1, kept" in line for line in report.lines())


def test_text_columns_are_categories_never_blanked():
    rows = [["male" if i % 2 else "female", "S" if i % 3 else "", str(20 + i)] for i in range(30)]
    dataset, report = clean(table(rows, [i % 2 for i in range(30)], ("sex", "embarked", "age")))
    assert dataset.kinds == ["categorical", "categorical", "numeric"]
    assert dataset.features[:3, 0].tolist() == ["female", "male", "female"]
    assert dataset.features[0, 1] == "" and report.missing_values == {"embarked": 10}  # "" is missing, counted
    assert report.constant_columns == ["embarked"] and report.non_numeric_values == {}


def test_duplicates_are_dropped_only_when_asked():
    rows, targets = [["1", "2", "3"]] * 3 + [["4", "5", "6"], ["7", "8", "9"]], [0, 0, 0, 1, 1]
    kept, kept_report = clean(table(rows, targets))
    dropped, dropped_report = clean(table(rows, targets), drop_duplicates=True)
    assert kept_report.duplicate_rows == dropped_report.duplicate_rows == 2
    assert len(kept.labels) == 5 and len(dropped.labels) == 3
    assert any("dropped (--drop-duplicates)" in line for line in dropped_report.lines())


@pytest.mark.parametrize("name,values,kind", [
    ("age", ["22", "38", "n/a?"] + [str(i) for i in range(40)], "numeric"),  # one junk value in 43: numeric
    ("smoker", ["yes", "no", "Yes"] * 10, "boolean"),
    ("flag", ["0", "1"] * 10, "boolean"),
    ("city", ["Paris", "Lyon", "Nice"] * 10, "categorical"),
    ("mixed", ["1", "2", "a", "b"] * 10, "categorical"),  # too many words for a numeric column
])
def test_kinds_are_inferred(name, values, kind):
    assert infer(name, values).kind == kind


@pytest.mark.parametrize("name,values,why", [
    ("customer_id", [str(1000 + 7 * i) for i in range(60)], "id-like"),
    ("row", [str(i) for i in range(60)], "id-like"),  # consecutive integers: a row number
    ("name", [f"Passenger {i}" for i in range(60)], "id-like or free text"),
    ("signup", [f"2024-01-{i + 1:02d}" for i in range(30)], "dates or times"),
    ("when", [f"{i % 28 + 1:02d}/03/2021 10:{i:02d}" for i in range(30)], "dates or times"),
])
def test_id_like_and_date_columns_are_left_out_with_the_reason(name, values, why):
    column = infer(name, values)
    assert column.kind is None and why in column.reason and name in column.reason  # says how to keep it


def test_an_integer_feature_that_is_not_an_id_is_kept():
    assert infer("age", [str(20 + (i * 7) % 50) for i in range(60)]).kind == "numeric"
    assert infer("score", [str(3 * i) for i in range(60)]).kind == "numeric"  # unique, but not consecutive
    assert infer("age", [str(20 + i) for i in range(30)]).kind == "numeric"  # too few rows to call it an id


def test_overrides_decide_and_the_report_says_why():
    rows = [[str(1000 + i), f"2024-01-{i % 28 + 1:02d}", str(i % 4)] for i in range(60)]
    names = ("customer_id", "signup", "zone")
    _, inferred = clean(table(rows, [i % 2 for i in range(60)], names))
    assert set(inferred.left_out) == {"customer_id", "signup"} and inferred.feature_types == {"zone": "numeric"}
    dataset, report = clean(table(rows, [i % 2 for i in range(60)], names),
                            Overrides(categorical=["zone", "signup"], numeric=["customer_id"]))
    assert dataset.kinds == ["numeric", "categorical", "categorical"] and report.left_out == {}
    assert report.type_reasons["zone"] == "--categorical"
    _, dropped = clean(table(rows, [i % 2 for i in range(60)], names), Overrides(drop=["zone"], numeric=["customer_id"]))
    assert dropped.left_out["zone"] == "left out: --drop"


@pytest.mark.parametrize("overrides,message", [
    (Overrides(categorical=["nope"]), "--categorical names 'nope', which is not a feature column"),
    (Overrides(drop=["y"]), "names 'y' \\(it is the target\\)"),
    (Overrides(categorical=["a"], drop=["a"]), "'a' is named by both --categorical and --drop"),
    (Overrides(drop=["a", "b", "c"]), "No feature columns are left"),
])
def test_bad_overrides_are_refused(overrides, message):
    with pytest.raises(TrainingRefused, match=message):
        clean(table([["1", "2", "3"], ["4", "5", "6"]], [0, 1]), overrides)


def test_a_target_with_one_value_is_refused():
    with pytest.raises(TrainingRefused, match="'y' has one value \\(1\\) in all 2 rows"):
        clean(table([["1", "2", "3"], ["4", "5", "6"]], [1, 1]))


def test_the_task_is_detected_and_can_be_overridden():
    rows = [[str(i), str(i * 2), "x"] for i in range(40)]
    regression, report = clean(table(rows, [str(i * 1.5) for i in range(40)]))
    assert regression.task == "regression" and regression.labels.dtype == np.float64
    assert "fractional" in report.task_reason
    classes, _ = clean(table(rows, [i % 3 for i in range(40)]))
    assert classes.task == "classification" and classes.labels.tolist()[:3] == [0, 1, 2]
    forced, forced_report = clean(table(rows, [i % 3 for i in range(40)]), task="regression")
    assert forced.task == "regression" and forced_report.task_reason == "--task"
    with pytest.raises(TrainingRefused, match="Regression needs a numeric target, but 'y' has the value 'cat'"):
        clean(table(rows, ["cat"] + [1] * 39), task="regression")


def test_fingerprint_depends_on_data_not_on_identity():
    rows, targets = [["1", "2", "3"], ["4", "5", "6"]], [0, 1]
    first, _ = clean(table(rows, targets))
    again, _ = clean(table([list(r) for r in rows], list(targets)))
    changed, _ = clean(table(rows, [1, 0]))
    assert first.fingerprint() == again.fingerprint()
    assert first.fingerprint() != changed.fingerprint()
    words, _ = clean(table([["1", "2", "x"], ["4", "5", "y"]], targets))
    other, _ = clean(table([["1", "2", "x"], ["4", "5", "z"]], targets))
    assert words.fingerprint() != other.fingerprint()


def test_types_are_judged_on_the_first_values_and_what_follows_is_still_counted(monkeypatch):
    import training.feature_types as feature_types
    monkeypatch.setattr(feature_types, "INFER_VALUES", 10)
    rows = [[str(i * 1.5), "x"] for i in range(10)] + [["oops", "y"]] * 3 + [["", "z"]]
    dataset, report = clean(table(rows, [i % 2 for i in range(14)], ("amount", "code")))
    assert report.feature_types == {"amount": "numeric", "code": "categorical"}
    assert report.non_numeric_values == {"amount": 3} and report.missing_values == {"amount": 4}
