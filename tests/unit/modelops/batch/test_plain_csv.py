"""The fast CSV reading (modelops.batch.plain_csv) gives exactly what the careful, cell-by-cell
reading gives, on generated chunks: numeric, boolean and categorical columns, ids, columns the
model ignores, missing cells in every spelling, quotes, bad rows, blank lines, CRLF, non-ASCII
text, no final newline. Chunks with none of the unusual parts must take the fast path."""
import math

import numpy as np
import pytest

from modelops.batch.job import Chunk
from modelops.batch.rows import _csv_cell_by_cell, _plain_csv, parse_csv
from tests.unit.modelops.artifacts.test_features import MIXED

COLUMNS = ["pclass", "id", "size", "skip", "island", "adult"]  # MIXED's features, an id and an ignored column
NUMERIC = ["size", "adult", "pclass"]  # read as an all-numeric model's features
PLAIN_CELLS = {
    "size": lambda rng: repr(float(rng.normal() * 10.0 ** rng.integers(-5, 6))),
    "adult": lambda rng: str(rng.choice(["0", "1", "1.0", "0.5"])),
    "pclass": lambda rng: str(rng.choice(["1", "2", "3", "4", " 2 ", "ß"])),  # "ß": a category, not a number
    "island": lambda rng: str(rng.choice(["Biscoe", "Dream", " Dream ", "Torgersen", "Zürich", "a b"])),
    "id": lambda rng: str(rng.choice(["r", "é", "x y", ""])) + str(rng.integers(1000)),
    "skip": lambda rng: str(rng.choice(["", "text", "ü", "1"])),
}
# What makes a chunk unusual: each takes the careful path, or tests a rule of reading.
UNUSUAL = ["", "NA", "nan", "NaN", "-nan", " -NaN ", "+nan", "NAN", " null ", "None", "N/A", "abc", "inf", "1e39",
           "-4e38", "1_000", '"quoted"', '"a,b"', "1e-400", "0x10", "+3", " 1.5 ", "yes", "TRUE", " ", "\t"]


def _chunk(columns: list[str], delimiter: str = ",") -> Chunk:
    return Chunk(bucket="b", key="k.csv", source="k.csv", etag='"e"', size=1, start=0, end=1, format="csv",
                 delimiter=delimiter, columns=columns)


def _generated(seed: int, unusual: bool, delimiter: str = ",") -> bytes:
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(int(rng.integers(1, 40))):
        cells = [PLAIN_CELLS[name](rng) for name in COLUMNS]
        if rng.random() < 0.2:
            cells[int(rng.integers(len(cells)))] = ""  # an empty cell: a missing value, still plain
        if unusual and rng.random() < 0.3:
            cells[int(rng.integers(len(cells)))] = str(rng.choice(UNUSUAL))
        line = delimiter.join(cells).encode()
        if unusual and rng.random() < 0.1:  # a blank line, a row too wide or too narrow, a line not UTF-8, spaces
            line = [b"", line + b",extra", line.rsplit(delimiter.encode(), 1)[0], b"\xff" + line,
                    (delimiter * (len(cells) - 1) + " ").encode()][int(rng.integers(5))]
        lines.append(line)
    line_end = b"\r\n" if rng.random() < 0.3 else b"\n"
    data = line_end.join(lines)
    return data if rng.random() < 0.2 else data + line_end


def _comparable(parsed) -> tuple:
    """Everything a ParsedRows holds, with each cell's type and exact float (NaN as "nan")."""
    cells = [[(type(cell).__name__, "nan" if isinstance(cell, float) and math.isnan(cell) else
               (cell.hex() if isinstance(cell, float) else cell)) for cell in row] for row in parsed.matrix.tolist()]
    errors = [(e.offset, e.row_id, e.code, e.message, e.line) for e in parsed.errors]
    return (parsed.offsets, parsed.ids, parsed.matrix.dtype, parsed.matrix.shape, cells, parsed.lines,
            parsed.blank_lines, errors)


@pytest.mark.parametrize("seed", range(150))
@pytest.mark.parametrize("features", [MIXED, NUMERIC], ids=["mixed", "numeric"])
def test_generated_chunks_read_the_same_on_either_path(seed, features):
    delimiter = "\t" if seed % 5 == 4 else ","
    for unusual in (False, True):
        data = _generated(seed, unusual, delimiter)
        chunk = _chunk(COLUMNS, delimiter)
        careful = _csv_cell_by_cell(chunk, 11, data, features, "id")
        assert _comparable(parse_csv(chunk, 11, data, features, "id")) == _comparable(careful)
        assert _comparable(parse_csv(chunk, 11, data, features, None)) == _comparable(
            _csv_cell_by_cell(chunk, 11, data, features, None))
        if not unusual and (features is MIXED or "ß".encode() not in data):
            assert _plain_csv(chunk, 11, data, features, "id") is not None  # plain: must be read fast
    # Missing values spelled out, and booleans spelled yes/TRUE, keep a chunk on the fast path.
    spelled = _generated(seed, False, delimiter).replace(b"1.0" + delimiter.encode(), b" NA " + delimiter.encode())
    rows = [line.split(delimiter.encode()) for line in spelled.splitlines()]
    if features is MIXED and rows:
        rows[0][COLUMNS.index("adult")] = b"TRUE"
        spelled = b"\n".join(delimiter.encode().join(cells) for cells in rows) + b"\n"
    chunk = _chunk(COLUMNS, delimiter)
    fast = _plain_csv(chunk, 11, spelled, features, "id")
    assert fast is not None or (features is NUMERIC and "ß".encode() in spelled)
    assert _comparable(parse_csv(chunk, 11, spelled, features, "id")) == _comparable(
        _csv_cell_by_cell(chunk, 11, spelled, features, "id"))


@pytest.mark.parametrize("features", [MIXED, NUMERIC], ids=["mixed", "numeric"])
def test_nan_text_is_missing_when_it_is_a_missing_spelling_and_refused_otherwise(features):
    """"nan" and "-nan" (pandas' defaults, any case) are missing values, read fast; "+nan", which
    numpy also reads as NaN, is no number to the careful reader, so the chunk takes that path."""
    data = b"1,r1,-NaN,,Dream,1\n2,r2, nan ,,Biscoe,0\n"
    fast = _plain_csv(_chunk(COLUMNS), 0, data, features, "id")
    assert fast is not None and _comparable(fast) == _comparable(_csv_cell_by_cell(_chunk(COLUMNS), 0, data, features, "id"))
    assert np.isnan(fast.matrix[:, 0].astype(float)).all() and fast.errors == []  # size: both models' first
    refused = data.replace(b"-NaN", b"+nan")
    assert _plain_csv(_chunk(COLUMNS), 0, refused, features, "id") is None
    parsed = parse_csv(_chunk(COLUMNS), 0, refused, features, "id")
    assert [error.message for error in parsed.errors] == ["size: '+nan' is not a number."]


def test_a_mixed_plain_chunk_is_the_pipelines_object_matrix():
    data = b"3,r1,2.5,x, Dream ,1\r\n,r2,,, ,0\r\n1,r\xc3\xa9,-1e-3,,Z\xc3\xbcrich,\r\n"
    parsed = _plain_csv(_chunk(COLUMNS), 100, data, MIXED, "id")
    assert parsed is not None and parsed.matrix.dtype == object
    rows = [[None if isinstance(v, float) and math.isnan(v) else v for v in row] for row in parsed.matrix.tolist()]
    assert rows == [[2.5, "Dream", 1.0, "3"], [None, "", 0.0, ""], [-1e-3, "Zürich", None, "1"]]
    assert parsed.ids == ["r1", "r2", "ré"] and parsed.offsets == [100, 122, 133]


def test_a_column_the_chunk_lacks_is_missing_on_the_fast_path():
    data = b"1,r1,x\n2,r2,y\n"
    parsed = _plain_csv(_chunk(["size", "id", "island"]), 0, data, MIXED, "id")
    assert parsed is not None
    assert parsed.matrix[:, 1].tolist() == ["x", "y"] and parsed.matrix[:, 3].tolist() == ["", ""]
    assert np.isnan(parsed.matrix[:, 2].astype(float)).all()


def test_a_lone_columns_line_of_spaces_is_blank_and_a_line_of_tabs_is_a_row_of_missing_values():
    """bytes.strip() makes a line of spaces blank; a tab-separated line of tabs holds the delimiter,
    so it is a row whose every cell is empty, as a comma-separated line of commas is (pandas reads
    both that way), on either path and for either kind of model."""
    chunk = _chunk(["island"], ",")
    data = b"Dream\n  \nBiscoe\n"
    assert _plain_csv(chunk, 0, data, MIXED, None) is None
    assert parse_csv(chunk, 0, data, MIXED, None).blank_lines == 1
    for features in (MIXED, NUMERIC):
        for delimiter in ("\t", ","):
            data = delimiter.join(["1", "r1", "2.5", "x", "Dream", "1"]).encode() + b"\n" + delimiter.encode() * 5 + b"\n"
            chunk = _chunk(COLUMNS, delimiter)
            parsed = parse_csv(chunk, 0, data, features, "id")
            assert (parsed.blank_lines, len(parsed.offsets), parsed.errors) == (0, 2, [])
            assert _comparable(parsed) == _comparable(_csv_cell_by_cell(chunk, 0, data, features, "id"))
