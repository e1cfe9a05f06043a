"""A chunk's lines to the model's feature matrix, column by column, and the rows refused on the way.

The same rules as a request to the API: a feature left out, or empty, is a missing value (the
pipeline's imputer fills it, as in training); text that is not a number, and infinities, are
refused (NaN is a missing value in a CSV, where "nan" is how pandas writes one). A CSV holds text,
so its cells are read the way training read its CSV: a boolean column's true/false, yes/no, 1/0
(feature_summary.BOOLEAN_VALUES), a categorical column's category, stripped ("" or a missing
spelling such as NA: missing; a category training never saw is scored, as by the API). A JSONL
line's values are the API's (modelops.artifacts.features.InputSchema). Refused rows are returned
with the API's error code and the line itself; they never stop the chunk.

`features` is the model's InputSchema (LoadedModel.inputs), or, for an all-numeric model, its
feature names alone.
"""
import csv
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from modelops.artifacts.features import FLOAT32_MAX, InputSchema, UnknownFeatures, categorical_value
from modelops.batch.cells import INVALID_VALUE, OUT_OF_RANGE, read_column
from modelops.batch.chunks import split_lines
from modelops.batch.job import Chunk
from modelops.batch.plain_csv import read_plain

INVALID_JSON, UNKNOWN_FEATURE = "invalid_json", UnknownFeatures.code
MAX_ROW_CHARS = 2_000  # of the refused line, in its errors-file entry


@dataclass
class RowError:
    offset: int
    row_id: str | None
    code: str
    message: str
    line: str

    def record(self, source: str) -> dict[str, Any]:
        entry = {"source": source, "offset": self.offset, "code": self.code, "message": self.message,
                 "row": self.line[:MAX_ROW_CHARS]}
        if self.row_id is not None:
            entry["id"] = self.row_id
        return entry


@dataclass
class ParsedRows:
    offsets: list[int]  # of each scored row's line in its object: its identity
    ids: list[str | None]  # the id column's value, when the job names one
    matrix: np.ndarray  # (rows, features) in the model's column order, its input form (NaN or "" missing)
    lines: int = 0  # lines read, blank ones included
    blank_lines: int = 0
    errors: list[RowError] = field(default_factory=list)

    def drop(self, rows: list[int], code: str, message: str, lines_by_offset: dict[int, str]) -> "ParsedRows":
        """These rows refused (by the scorer); the rest kept in order."""
        refused = set(rows)
        keep = [index for index in range(len(self.offsets)) if index not in refused]
        errors = self.errors + [RowError(self.offsets[i], self.ids[i], code, message, lines_by_offset.get(self.offsets[i], ""))
                                for i in sorted(refused)]
        return ParsedRows([self.offsets[i] for i in keep], [self.ids[i] for i in keep], self.matrix[keep],
                          self.lines, self.blank_lines, errors)


def _decoded(first_offset: int, data: bytes, errors: list[RowError],
             delimiter: str | None = None) -> tuple[list[tuple[int, str]], int, int]:
    """(offset, text) of non-blank lines; counts of lines and blank lines. Non-UTF-8 lines are refused.
    A line of whitespace is blank, unless it holds the delimiter (a tab-separated line of tabs is a
    row of empty cells, as a comma-separated line of commas is, and as pandas reads both)."""
    decoded, blank = [], 0
    lines = split_lines(first_offset, data)
    separator = delimiter.encode() if delimiter else None
    for offset, raw in lines:
        if not raw.strip() and (separator is None or separator not in raw):
            blank += 1
            continue
        try:
            decoded.append((offset, raw.decode("utf-8")))
        except UnicodeDecodeError as error:
            errors.append(RowError(offset, None, INVALID_VALUE, f"Not UTF-8 (byte {error.start} of the line); "
                                   "save the file as UTF-8.", raw.decode("utf-8", errors="replace")))
    return decoded, len(lines), blank


def _schema(features: list[str] | InputSchema) -> InputSchema:
    return features if isinstance(features, InputSchema) else InputSchema.all_numeric(features)


def parse_csv(chunk: Chunk, first_offset: int, data: bytes, features: list[str] | InputSchema,
              id_column: str | None) -> ParsedRows:
    """The fast path when the chunk is plain (no quotes, no blank lines, every row the header's
    width, every cell one the careful path takes as it is), else cell by cell; both give the same
    result."""
    schema = _schema(features)
    fast = _plain_csv(chunk, first_offset, data, schema, id_column)
    return fast if fast is not None else _csv_cell_by_cell(chunk, first_offset, data, schema, id_column)


def _plain_csv(chunk: Chunk, first_offset: int, data: bytes, features: list[str] | InputSchema,
               id_column: str | None) -> ParsedRows | None:
    """modelops.batch.plain_csv's reading, or None when anything needs the careful path."""
    plain = read_plain(chunk.columns, chunk.delimiter, first_offset, data, _schema(features), id_column)
    if plain is None:
        return None
    return ParsedRows(plain.offsets, plain.ids, plain.matrix, len(plain.offsets), 0, [])


def _csv_cell_by_cell(chunk: Chunk, first_offset: int, data: bytes, features: list[str] | InputSchema,
                      id_column: str | None) -> ParsedRows:
    schema = _schema(features)
    errors: list[RowError] = []
    decoded, line_count, blank = _decoded(first_offset, data, errors, chunk.delimiter)
    width = len(chunk.columns)
    id_index = chunk.columns.index(id_column) if id_column is not None else None
    offsets, ids, texts, records = [], [], [], []
    for (offset, text), record in zip(decoded, csv.reader([text for _, text in decoded], delimiter=chunk.delimiter)):
        row_id = record[id_index] if id_index is not None and id_index < len(record) else None
        if len(record) != width:
            errors.append(RowError(offset, row_id, INVALID_VALUE, f"{len(record)} fields; the header has {width}.", text))
            continue
        offsets.append(offset)
        ids.append(row_id)
        texts.append(text)
        records.append(record)
    names = schema.names
    matrix = schema.missing_rows(len(records))
    bad: dict[int, tuple[str, str]] = {}  # row: (code, message), the first problem found
    for position, name in enumerate(chunk.columns):
        if name not in names:
            continue
        index = names.index(name)
        cells = [record[position] for record in records]
        kind = schema.kinds[index]
        if kind == "categorical":
            column, problems = [categorical_value(cell) for cell in cells], {}
        else:
            column, problems = read_column(cells, name, kind)
        matrix[:, index] = column
        for row, problem in problems.items():
            bad.setdefault(row, problem)
    keep = [row for row in range(len(records)) if row not in bad]
    errors += [RowError(offsets[row], ids[row], *bad[row], texts[row]) for row in sorted(bad)]
    return ParsedRows([offsets[row] for row in keep], [ids[row] for row in keep], matrix[keep], line_count, blank, errors)


def parse_jsonl(first_offset: int, data: bytes, features: list[str] | InputSchema, id_column: str | None) -> ParsedRows:
    """Each line one JSON object of feature name to value, as one instance sent to the API."""
    schema = _schema(features)
    features = schema.names
    errors: list[RowError] = []
    decoded, line_count, blank = _decoded(first_offset, data, errors)
    index = {name: position for position, name in enumerate(features)}
    offsets, ids, rows = [], [], []
    for offset, text in decoded:
        try:
            instance = json.loads(text)
        except ValueError:
            errors.append(RowError(offset, None, INVALID_JSON, "Not valid JSON.", text))
            continue
        if not isinstance(instance, dict):
            errors.append(RowError(offset, None, INVALID_VALUE, "Each line must be a JSON object of feature name to number.", text))
            continue
        row_id = instance.pop(id_column, None) if id_column is not None else None
        row_id = None if row_id is None else str(row_id)
        row, problem, code = list(schema.missing_rows(1)[0]), None, INVALID_VALUE
        for name, value in instance.items():
            if name not in index:
                problem, code = f"Unknown feature {name!r}.", UNKNOWN_FEATURE
                break
            if value is None:
                continue
            kind = schema.kinds[index[name]]
            if kind == "categorical" or (kind == "boolean" and isinstance(value, bool)):
                cell, refused = schema.take(name, value)  # the API's rules for these values
                if refused is not None:
                    code, problem = refused[0], f"{name}: {refused[1]}"
                    break
                row[index[name]] = cell
                continue
            number = _finite(value)
            if number is None:
                problem = f"{name}: {json.dumps(value)[:80]} is not a finite number."
                break
            if abs(number) > FLOAT32_MAX:
                problem, code = f"{name}: {number!r} is beyond +/-{FLOAT32_MAX:.7g}.", OUT_OF_RANGE
                break
            row[index[name]] = number
        if problem is not None:
            errors.append(RowError(offset, row_id, code, problem, text))
            continue
        offsets.append(offset)
        ids.append(row_id)
        rows.append(row)
    matrix = np.array(rows, dtype=object if schema.mixed else np.float64).reshape(len(rows), len(features))
    return ParsedRows(offsets, ids, matrix, line_count, blank, errors)


def _finite(value: Any) -> float | None:
    """A JSON number as float; None for anything else (booleans, text, NaN/Infinity, an integer
    too large for a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    try:
        number = float(value)
    except OverflowError:
        return None
    return number if np.isfinite(number) else None
