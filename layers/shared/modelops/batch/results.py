"""What a chunk writes: its predictions (in the input's format), its refused rows, its capture records."""
import gzip
import json
import re
from datetime import datetime
from itertools import repeat
from typing import Any, Iterable


from modelops.artifacts.features import Unseen
from modelops.batch.capture_text import number_rows
from modelops.batch.rows import ParsedRows
from modelops.serving.prediction import Predictions
from modelops.serving.unseen import prediction_warnings
from modelops.platform.json_encoding import json_lines


UNSEEN_COLUMN = "unseen_categories"


def predictions_csv(parsed: ParsedRows, source: str, id_column: str | None, predictions: Predictions,
                    unseen: Unseen | None = None) -> bytes:
    """One row per scored input row: its identity (id column, source, offset), the prediction id,
    the label and one probability column per class (a regressor: the value); for a model with
    categorical features, an `unseen_categories` column last: a JSON object of each feature whose
    category training never saw to that category, empty when there is none. Joined by hand (a
    few times faster than csv.writer per row), quoting by the csv module's rules any field that
    needs it."""
    regression = predictions.values is not None
    outputs = ["value"] if regression else ["label"] + [f"probability_{c}" for c in predictions.classes]
    header = ([id_column] if id_column else []) + ["source", "offset", "prediction_id"] + outputs
    count = len(parsed.offsets)
    # Built column by column and joined row by row in C (zip and str.join): a Python expression
    # per row was most of this function's time.
    columns: list[Iterable[str]] = [_fields(parsed.ids)] if id_column else []
    columns += [repeat(_field(source), count), map(str, parsed.offsets), predictions.ids]
    if regression:
        columns.append(number_rows(predictions.values.reshape(-1, 1)))
    else:
        labels = [_field(str(label)) for label in predictions.classes]
        columns += [[labels[winner] for winner in predictions.winners.tolist()], number_rows(predictions.probabilities)]
    if unseen is not None:
        header.append(UNSEEN_COLUMN)
        columns.append(_unseen_cells(unseen, count))
    return ("\n".join([",".join(map(_field, header)), *map(",".join, zip(*columns))]) + "\n").encode()


def _fields(texts: list[str | None]) -> list[str]:
    """_field of each; one search over all of them first, since ids rarely need quotes."""
    if None in texts or _NEEDS_QUOTES_ANY.search("\0".join(texts)):
        return [_field(text) for text in texts]
    return texts


def _unseen_cells(unseen: Unseen, count: int) -> list[str]:
    """The unseen_categories column: a JSON object per row, each distinct set of pairs encoded once."""
    cells, encoded = [""] * count, {}
    for row, pairs in unseen.items():
        key = tuple(pairs)
        if key not in encoded:
            encoded[key] = _field(json.dumps(dict(pairs), ensure_ascii=False))
        cells[row] = encoded[key]
    return cells


_NEEDS_QUOTES = re.compile(r'[",\r\n]|^\s|\s$')
# The same, over texts joined by NUL: a text's first and last characters are next to a NUL (or an end).
_NEEDS_QUOTES_ANY = re.compile(r'[",\r\n]|^\s|\s$|\0\s|\s\0')


def _field(text: str | None) -> str:
    text = "" if text is None else text
    return '"' + text.replace('"', '""') + '"' if _NEEDS_QUOTES.search(text) else text


def predictions_jsonl(parsed: ParsedRows, source: str, id_column: str | None, prediction_ids: list[str],
                      outputs: list[dict[str, Any]], unseen: Unseen | None = None) -> bytes:
    """One line per scored row, the API's prediction object with the row's identity; `warnings`
    as the API gives them (a category training never saw) on the rows that have any."""
    ids = parsed.ids if id_column else [None] * len(parsed.offsets)
    warnings = prediction_warnings(unseen or {})
    return json_lines({**({"id": row_id} if id_column else {}), "source": source, "offset": offset,
                       "prediction_id": prediction_id, **output,
                       **({"warnings": warnings[row]} if row in warnings else {})}
                      for row, (row_id, offset, prediction_id, output)
                      in enumerate(zip(ids, parsed.offsets, prediction_ids, outputs)))


def errors_jsonl(parsed: ParsedRows, source: str) -> bytes:
    return "".join(json.dumps(error.record(source)) + "\n" for error in parsed.errors).encode()


def capture_object(lines: bytes) -> bytes:
    """Capture records' JSON lines gzipped, the format Firehose delivers live capture in
    (modelops/capture/reader.py). Level 1: several times faster than the default 6 on these
    records, for a few percent more bytes."""
    return gzip.compress(lines, compresslevel=1)


def capture_hour(started_at: str) -> str:
    return datetime.fromisoformat(started_at.replace("Z", "+00:00")).strftime("%Y/%m/%d/%H")
