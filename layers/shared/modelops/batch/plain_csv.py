"""The fast reading of a plain CSV chunk: no quotes, no blank lines, every row the header's width,
lone CRs absent. Numeric columns go through numpy's C reader (or, when one of them spells a missing
value NA or a boolean yes, through the careful reader's column rule, modelops.batch.cells, on the
cells sliced out of the bytes), categorical ones are sliced out of the bytes at the delimiters. Anything else, and any cell the careful reader
(modelops.batch.rows) would refuse or read differently, gives None: that reader then reads the
chunk, and explains each refused row.

Every cell boundary comes from one pass over the bytes: the positions of the delimiters and line
ends together ("separators"). A chunk of n lines of w fields is plain exactly when there are n * w
separators and every w-th is a line end; an empty cell is a separator right after the previous one.
"""
import io
from typing import Iterable, NamedTuple

import numpy as np

from modelops.artifacts.features import FLOAT32_MAX, InputSchema, categorical_value
from modelops.batch.cells import read_column


class PlainRows(NamedTuple):
    offsets: list[int]
    ids: list[str | None]
    matrix: np.ndarray


class _Layout(NamedTuple):
    body: bytes  # the chunk with CRLF as LF, ending in a newline
    separators: np.ndarray  # (lines, width): each cell's end in `body` (its delimiter or line end)
    starts: np.ndarray  # each line's offset in the chunk as given (before CRLF became LF)
    empty: np.ndarray  # flat indices into `separators` of the cells that are empty


def read_plain(columns: list[str], delimiter: str, first_offset: int, data: bytes, schema: InputSchema,
               id_column: str | None) -> PlainRows | None:
    """The chunk's rows as the careful reader reads them, or None when the chunk is not plain."""
    layout = _layout(data, delimiter, len(columns)) if len(set(columns)) == len(columns) else None
    if layout is None:
        return None
    count = len(layout.starts)
    present = [(index, columns.index(name)) for index, name in enumerate(schema.names) if name in columns]
    numeric = [(index, position) for index, position in present if schema.kinds[index] != "categorical"]
    values = _numbers(_with_nan_cells(layout), delimiter, [position for _, position in numeric], count)
    # Columns numpy could not read (NA, yes/no, ...) or read NaN text in ("-nan" is missing to the
    # careful reader, "+nan" refused) are read by the careful reader's own column rule.
    values = _reread(layout, schema, numeric, values, _nan_text_columns(layout, values, numeric)
                     if values is not None else range(len(numeric)))
    if values is None:
        return None
    if schema.mixed:
        if len(columns) == 1 and _whitespace_line(layout):
            return None  # a lone column's line of spaces: blank to the careful reader (bytes.strip)
        matrix = np.empty((count, len(schema.names)), dtype=object)
        for index, kind in enumerate(schema.kinds):
            matrix[:, index] = "" if kind == "categorical" else np.nan  # the missing values of absent columns
        for column, (index, _) in enumerate(numeric):
            matrix[:, index] = values[:, column]
        for index, position in present:
            if schema.kinds[index] == "categorical":
                cells = _cells(layout, position)
                encoded = {cell: categorical_value(cell) for cell in set(cells)}  # a few distinct values
                matrix[:, index] = [encoded[cell] for cell in cells]
    elif len(numeric) == len(schema.names):
        matrix = values  # read in the model's column order
    else:
        matrix = np.full((count, len(schema.names)), np.nan)
        matrix[:, [index for index, _ in numeric]] = values
    ids: list[str | None] = [None] * count
    if id_column is not None:
        ids = _cells(layout, columns.index(id_column))
    return PlainRows((layout.starts + first_offset).tolist(), ids, matrix)


def _layout(data: bytes, delimiter: str, width: int) -> _Layout | None:
    if not data or b'"' in data:
        return None
    body = data
    if b"\r" in data:
        if data.count(b"\r") != data.count(b"\r\n"):
            return None
        body = data.replace(b"\r\n", b"\n")
    if not body.endswith(b"\n"):
        body += b"\n"
    raw = np.frombuffer(body, dtype=np.uint8)
    flat = np.flatnonzero((raw == ord(delimiter)) | (raw == 10))
    if len(flat) % width:
        return None
    separators = flat.reshape(-1, width)
    if not (raw[separators[:, -1]] == 10).all() or np.count_nonzero(raw[separators[:, :-1]] == 10):
        return None  # a line with more or fewer fields than the header
    empty = np.flatnonzero(flat[1:] - flat[:-1] == 1) + 1
    if flat[0] == 0:
        empty = np.concatenate(([0], empty))  # the chunk's first cell
    if width == 1 and len(empty):
        return None  # a one-column line with nothing in it is a blank line: counted by the careful reader
    if b"\r" in data:
        original = np.frombuffer(data, dtype=np.uint8)
        starts = np.concatenate(([0], np.flatnonzero(original == 10) + 1))[:len(separators)]
    else:
        starts = np.concatenate(([0], separators[:-1, -1] + 1))
    if not body.isascii():
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return None  # the careful path refuses the lines that are not UTF-8
    return _Layout(body, separators, starts, empty)


def _nan_text_columns(layout: _Layout, values: np.ndarray, numeric: list[tuple[int, int]]) -> list[int]:
    """The columns with a cell numpy read as NaN that was not empty (text such as "nan" or "+nan")."""
    width = layout.separators.shape[1]
    found = []
    for column, (_, position) in enumerate(numeric):
        literal = np.isnan(values[:, column])
        literal[layout.empty[layout.empty % width == position] // width] = False
        if literal.any():
            found.append(column)
    return found


def _reread(layout: _Layout, schema: InputSchema, numeric: list[tuple[int, int]], values: np.ndarray | None,
            columns: Iterable[int]) -> np.ndarray | None:
    """`values` (all-new when None) with these columns read by the careful reader's column rule
    (modelops.batch.cells) from the cells the delimiters bound, without splitting lines in Python.
    None when a cell is refused: the careful reader then reads the chunk and explains each row."""
    values = np.empty((len(layout.starts), len(numeric))) if values is None else values
    for column in columns:
        index, position = numeric[column]
        read, problems = read_column(_cells(layout, position), schema.names[index], schema.kinds[index])
        if problems:
            return None
        values[:, column] = read
    return values


def _whitespace_line(layout: _Layout) -> bool:
    content = ~np.isin(np.frombuffer(layout.body, dtype=np.uint8), np.frombuffer(b" \t\n\r\x0b\x0c", dtype=np.uint8))
    return not np.logical_or.reduceat(content, _line_starts(layout)).all()


def _with_nan_cells(layout: _Layout) -> bytes:
    """The body with "nan" in each empty cell: numpy's reader reads it as NaN, a missing value."""
    if not len(layout.empty):
        return layout.body
    at = np.repeat(layout.separators.reshape(-1)[layout.empty], 3)
    nans = np.tile(np.frombuffer(b"nan", dtype=np.uint8), len(layout.empty))
    return np.insert(np.frombuffer(layout.body, dtype=np.uint8), at, nans).tobytes()


def _numbers(body: bytes, delimiter: str, positions: list[int], count: int) -> np.ndarray | None:
    """These columns as float64, in this order; None for any cell numpy cannot read as a number,
    or an infinity or a value beyond the runtimes' float32 range (refused, with reasons, by the
    careful reader)."""
    if not positions:
        return np.empty((count, 0))
    try:
        # Bytes, decoded line by line by numpy: a third faster than a str through io.StringIO.
        values = np.loadtxt(io.BytesIO(body), delimiter=delimiter, dtype=np.float64, ndmin=2, usecols=positions,
                            comments=None, encoding="utf-8")
    except ValueError:
        return None
    with np.errstate(invalid="ignore"):
        if len(values) != count or (np.abs(values) > FLOAT32_MAX).any():
            return None
    return values


def _cells(layout: _Layout, position: int) -> list[str]:
    """The text of one column's cells, as the csv module splits an unquoted line: the cells' bytes
    gathered in one indexing, each ended by a newline, decoded and split once (no Python per cell)."""
    ends = layout.separators[:, position]
    begins = layout.separators[:, position - 1] + 1 if position else _line_starts(layout)
    lengths = ends - begins + 1  # with the separator that ends the cell
    stops = np.cumsum(lengths)
    at = np.arange(stops[-1]) + np.repeat(begins - stops + lengths, lengths)  # each cell's bytes, in a row
    gathered = np.frombuffer(layout.body, dtype=np.uint8)[at]
    gathered[stops - 1] = ord("\n")
    return gathered.tobytes().decode("utf-8").split("\n")[:-1]


def _line_starts(layout: _Layout) -> np.ndarray:
    """Where each line begins in the body."""
    return np.concatenate(([0], layout.separators[:-1, -1] + 1))
