import pytest

from training.data import load_bundled, load_csv


def test_bundled_data_has_json_friendly_feature_names():
    table = load_bundled()
    assert len(table.rows) == 569 and len(table.feature_names) == 30
    assert "mean_radius" in table.feature_names
    assert set(table.targets) == {0, 1}


def test_csv_keeps_raw_cells_and_reads_integer_labels(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x, y ,label\n1,abc,1\n2,,\n\n3,4,NA\n5,6,yes\n")
    table = load_csv(path, "label")
    assert table.feature_names == ["x", "y"]
    assert table.rows == [["1", "abc"], ["2", ""], ["3", "4"], ["5", "6"]]
    assert table.targets == [1, None, None, "yes"]


def test_csv_without_the_target_column_says_which_columns_exist(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ValueError, match="columns: a, b"):
        load_csv(path, "label")
