"""CSV and JSON Lines rows to the feature matrix, with the API's rules and error codes."""
import math

import numpy as np

from modelops.artifacts.features import UnknownFeatures
from modelops.batch.job import Chunk
from modelops.batch.rows import INVALID_JSON, INVALID_VALUE, parse_csv, parse_jsonl

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
