"""Reading CSV files the way people have them; every problem is one line naming what, where and what to do."""
import pytest

from training.data import BUNDLED, load_bundled, load_csv, sniff_separator
from training.refusal import TrainingRefused


def test_bundled_data_has_json_friendly_feature_names():
    table = load_bundled()
    assert len(table.rows) == 569 and len(table.feature_names) == 30
    assert "mean_radius" in table.feature_names
    assert set(table.targets) == {0, 1}


def test_the_bundled_penguins_and_diabetes_sets():
    penguins = load_bundled("penguins")
    assert len(penguins.rows) == 344 and penguins.target == "species"
    assert penguins.feature_names == ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g",
                                      "sex", "year"]
    assert set(penguins.targets) == {"Adelie", "Chinstrap", "Gentoo"}
    diabetes = load_bundled("diabetes")
    assert len(diabetes.rows) == 442 and len(set(diabetes.targets)) > 100
    assert sorted(BUNDLED) == ["breast-cancer", "diabetes", "penguins"]


def test_csv_keeps_raw_cells_and_reads_integer_labels(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("x, y ,label\n1,abc,1\n2,,\n\n3,4,NA\n5,6,yes\n")
    table = load_csv(path, "label")
    assert table.feature_names == ["x", "y"]
    assert table.rows == [["1", "abc"], ["2", ""], ["3", "4"], ["5", "6"]]
    assert table.targets == [1, None, None, "yes"]


def _write(tmp_path, data: bytes):
    path = tmp_path / "people.csv"
    path.write_bytes(data)
    return path


def test_a_byte_order_mark_crlf_and_quoted_fields(tmp_path):
    path = _write(tmp_path, b'\xef\xbb\xbfsurvived,name,fare\r\n1,"Smith, John",7.25\r\n0,"say ""hi""",8\r\n')
    table = load_csv(path, "survived")  # the BOM is not part of the first column's name
    assert table.feature_names == ["name", "fare"]
    assert table.rows == [["Smith, John", "7.25"], ['say "hi"', "8"]]
    assert table.targets == [1, 0]


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_the_separator_is_sniffed(tmp_path, separator):
    # Decimal commas inside a semicolon file must not make the comma win.
    text = separator.join(["a", "b", "y"]) + "\n" + separator.join(["1,5", "x", "0"]) + "\n"
    path = _write(tmp_path, text.encode())
    assert sniff_separator(text) == separator
    assert load_csv(path, "y").rows == [["1,5", "x"]]


def test_a_named_separator_wins_over_sniffing(tmp_path):
    path = _write(tmp_path, b"a;b,y\n1;2,0\n")
    assert load_csv(path, "y", separator=",").feature_names == ["a;b"]


def test_latin_1_is_refused_naming_the_byte_and_the_line_then_read_with_encoding(tmp_path):
    path = _write(tmp_path, "name,y\nZoe,1\nJos\u00e9,0\n".encode("latin-1"))
    with pytest.raises(TrainingRefused) as refused:
        load_csv(path, "y")
    message = str(refused.value)
    assert "line 3: byte 0xe9 is not utf-8" in message and "--encoding latin-1" in message
    assert "\n" not in message
    assert load_csv(path, "y", encoding="latin-1").rows == [["Zoe"], ["Jos\u00e9"]]


def test_an_unknown_encoding_is_refused(tmp_path):
    with pytest.raises(TrainingRefused, match="Unknown --encoding 'klingon'"):
        load_csv(_write(tmp_path, b"a,y\n1,0\n"), "y", encoding="klingon")


@pytest.mark.parametrize("data,message", [
    (b"", "is empty"),
    (b"  \n\n", "is empty"),
    (b"a,y\n", "has a header but no data rows"),
    (b"a,,y\n1,2,0\n", "column 2 of the header has no name"),
    (b"a,a,y\n1,2,0\n", "column name(s) a appear more than once"),
    (b"a,y\n1,0,7\n", "line 2: 3 fields, the header has 2"),
])
def test_unreadable_files_are_refused_in_one_line(tmp_path, data, message):
    with pytest.raises(TrainingRefused, match=message.replace("(", r"\(").replace(")", r"\)")) as refused:
        load_csv(_write(tmp_path, data), "y")
    assert "\n" not in str(refused.value)


def test_a_missing_target_names_the_columns_and_hints_at_the_separator(tmp_path):
    with pytest.raises(TrainingRefused, match=r"columns: a, b\); name one of them with --target\.$"):
        load_csv(_write(tmp_path, b"a,b\n1,2\n"), "label")
    with pytest.raises(TrainingRefused, match="Only one column was found with the separator ',': pass --separator"):
        load_csv(_write(tmp_path, b"a:b:label\n1:2:0\n"), "label")


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(TrainingRefused, match="Cannot read .*nothing.csv: No such file or directory; check the --data"):
        load_csv(tmp_path / "nothing.csv", "y")
