"""CSV and JSON Lines rows to the feature matrix, with the API's rules and error codes."""
import math

import pytest

import numpy as np

from modelops.artifacts.features import UnknownFeatures
from modelops.batch.job import Chunk
from modelops.batch.rows import INVALID_JSON, INVALID_VALUE, _csv_cell_by_cell, _plain_csv, parse_csv, parse_jsonl

FEATURES = ["a", "b", "c"]


def _csv_chunk(columns, delimiter=","):
    return Chunk(bucket="b", key="k.csv", source="k.csv", etag='"e"', size=1, start=0, end=1, format="csv",
                 delimiter=delimiter, columns=columns)


def test_csv_columns_in_any_order_with_missing_values():
    data = b"1,x1,2\r\n,x2,NA\n3,x3,nan\n"
    parsed = parse_csv(_csv_chunk(["c", "id", "a"]), 100, data, FEATURES, "id")
    assert parsed.ids == ["x1", "x2", "x3"]
    assert parsed.offsets == [100, 108, 115]
    expected = np.array([[2, np.nan, 1], [np.nan, np.nan, np.nan], [np.nan, np.nan, 3]])
    np.testing.assert_array_equal(parsed.matrix, expected)
    assert parsed.errors == []


def test_csv_bad_rows_are_refused_with_the_reason_and_the_line():
    data = b"1;2\nabc;2\n1;inf\n1;2;3\n\n\xff;1\n4;5\n"
    parsed = parse_csv(_csv_chunk(["a", "b"], ";"), 0, data, FEATURES, None)
    assert parsed.offsets == [0, 27]
    np.testing.assert_array_equal(parsed.matrix, [[1, 2, np.nan], [4, 5, np.nan]])
    refused = {error.offset: (error.code, error.message, error.line) for error in parsed.errors}
    assert refused[4] == (INVALID_VALUE, "a: 'abc' is not a number.", "abc;2")
    assert refused[10][1] == "b: 'inf' is not finite."
    assert refused[16][1] == "3 fields; the header has 2."
    assert "Not UTF-8" in refused[23][1]
    assert parsed.blank_lines == 1 and parsed.lines == 7


def test_jsonl_follows_the_api_rules():
    lines = [b'{"a": 1, "b": null, "id": 7}', b'{"a": "x"}', b'{"zzz": 1}', b"[1]", b"{bad", b'{"a": true}',
             b'{"a": NaN}', b'{"a": ' + b"9" * 400 + b"}", b'{"c": 2.5}']
    parsed = parse_jsonl(0, b"\n".join(lines) + b"\n", FEATURES, "id")
    assert len(parsed.offsets) == 2 and parsed.ids == ["7", None]
    np.testing.assert_array_equal(parsed.matrix, [[1, np.nan, np.nan], [np.nan, np.nan, 2.5]])
    codes = [error.code for error in parsed.errors]
    assert codes == [INVALID_VALUE, UnknownFeatures.code, INVALID_VALUE, INVALID_JSON, INVALID_VALUE, INVALID_VALUE,
                     INVALID_VALUE]


def test_an_empty_chunk_parses_to_no_rows():
    parsed = parse_csv(_csv_chunk(["a"]), 0, b"", FEATURES, None)
    assert parsed.matrix.shape == (0, 3) and parsed.lines == 0
    assert not math.isnan(parsed.matrix.sum())


def _random_plain_csv(seed: int, line_end: bytes) -> tuple[Chunk, bytes]:
    rng = np.random.default_rng(seed)
    columns = ["id", "c", "a", "skip"]
    values = rng.normal(size=(50, 2)) * 10.0 ** rng.integers(-3, 4)
    lines = []
    for index, (c, a) in enumerate(values):
        cells = [f"r{index}", "" if rng.random() < 0.2 else repr(float(c)), "nan" if rng.random() < 0.1 else f"{a:.4g}",
                 "" if rng.random() < 0.5 else "text"]
        lines.append(",".join(cells).encode())
    return _csv_chunk(columns), line_end.join(lines) + line_end


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("line_end", [b"\n", b"\r\n"])
def test_the_fast_path_reads_plain_chunks_exactly_like_the_careful_one(seed, line_end):
    chunk, data = _random_plain_csv(seed, line_end)
    fast = _plain_csv(chunk, 7, data, FEATURES, "id")
    assert fast is not None, "a plain chunk must take the fast path"
    careful = _csv_cell_by_cell(chunk, 7, data, FEATURES, "id")
    assert fast.offsets == careful.offsets and fast.ids == careful.ids and fast.lines == careful.lines
    np.testing.assert_array_equal(fast.matrix, careful.matrix)


@pytest.mark.parametrize("change", [b'"quoted",1,2,x\n', b"\n", b"r9,1,2\n", b"r9,inf,2,x\n", b"r9,\xff,2,x\n",
                                    b"r9,abc,2,x\n"])
def test_anything_unusual_takes_the_careful_path(change):
    chunk, data = _random_plain_csv(0, b"\n")
    assert _plain_csv(chunk, 0, data + change, FEATURES, "id") is None


@pytest.mark.parametrize("change", [b"r9,NA,2,x\n", b"r9, null ,N/A,x\n", b"r9,None,-NaN,x\n"])
def test_missing_values_spelled_out_stay_on_the_fast_path_and_read_as_the_careful_path_reads_them(change):
    """A column numpy's reader cannot take (NA, null, ...) is read by the careful reader's column
    rule, on the cells the delimiters bound (modelops.batch.cells)."""
    chunk, data = _random_plain_csv(0, b"\n")
    fast = _plain_csv(chunk, 0, data + change, FEATURES, "id")
    assert fast is not None
    careful = _csv_cell_by_cell(chunk, 0, data + change, FEATURES, "id")
    assert fast.offsets == careful.offsets and fast.ids == careful.ids
    np.testing.assert_array_equal(fast.matrix, careful.matrix)


def test_mixed_csv_cells_are_read_by_their_features_kind():
    """A categorical column's text is its category (stripped; NA missing; unseen kept), a boolean
    column's training spellings are 1/0; text in a numeric column is refused with the API's code."""
    from tests.unit.modelops.artifacts.test_features import MIXED

    data = b"3.5,Dream,yes,2\n,NA,FALSE,\n1, Anvers ,0.0,9\nbig,Biscoe,no,1\n2,Dream,maybe,1\n"
    parsed = parse_csv(_csv_chunk(["size", "island", "adult", "pclass"]), 0, data, MIXED, None)
    assert parsed.matrix.dtype == object
    rows = [[None if isinstance(v, float) and math.isnan(v) else v for v in row] for row in parsed.matrix.tolist()]
    assert rows == [[3.5, "Dream", 1.0, "2"], [None, "", 0.0, ""], [1.0, "Anvers", 0.0, "9"]]
    assert [(error.code, error.message) for error in parsed.errors] == [
        (INVALID_VALUE, "size: 'big' is not a number."), (INVALID_VALUE, "adult: 'maybe' is not true, false or a number.")]


def test_mixed_json_lines_follow_the_apis_rules():
    from tests.unit.modelops.artifacts.test_features import MIXED

    data = (b'{"size": 1, "island": "Dream", "adult": true, "pclass": 3}\n{"island": 2.5}\n'
            b'{"size": "x"}\n{"pclass": "2", "adult": 1}\n')
    parsed = parse_jsonl(0, data, MIXED, None)
    rows = [[None if isinstance(v, float) and math.isnan(v) else v for v in row] for row in parsed.matrix.tolist()]
    assert rows == [[1.0, "Dream", 1.0, "3"], [None, "", 1.0, "2"]]
    assert [(error.code, error.message.split(":")[0]) for error in parsed.errors] == [
        (INVALID_VALUE, "island"), (INVALID_VALUE, "size")]
