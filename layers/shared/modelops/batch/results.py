"""What a chunk writes: its predictions (in the input's format), its refused rows, its capture records."""
import gzip
import json
import re
from datetime import datetime
from typing import Any

import numpy as np
import orjson

from modelops.artifacts.features import Unseen
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
    constant = _field(source)
    ids = [_field(row_id) + "," for row_id in parsed.ids] if id_column else [""] * len(parsed.offsets)
    if regression:
        rows = [f"{row_id}{constant},{offset},{prediction_id},{value}"
                for row_id, offset, prediction_id, value in zip(ids, parsed.offsets, predictions.ids,
                                                                _number_rows(predictions.values.reshape(-1, 1)))]
    else:
        rows = [f"{row_id}{constant},{offset},{prediction_id},{_field(str(label))},{numbers}"
                for row_id, offset, prediction_id, label, numbers in zip(ids, parsed.offsets, predictions.ids,
                                                                         predictions.labels,
                                                                         _number_rows(predictions.probabilities))]
    if unseen is not None:
        header.append(UNSEEN_COLUMN)
        rows = [row + "," for row in rows]
        for row, pairs in unseen.items():
            rows[row] += _field(json.dumps(dict(pairs), ensure_ascii=False))
    return ("\n".join([",".join(map(_field, header)), *rows]) + "\n").encode()


def _number_rows(matrix: np.ndarray) -> list[str]:
    """Each row's numbers joined by commas, shortest round-trip form (as repr), formatted in one
    orjson call instead of a repr per number."""
    if not len(matrix):
        return []
    text = orjson.dumps(matrix, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    return text[2:-2].split("],[")


_NEEDS_QUOTES = re.compile(r'[",\r\n]|^\s|\s$')


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


def capture_object(records: list[dict[str, Any]]) -> bytes:
    """Gzip JSON lines, the format Firehose delivers live capture in (modelops/capture/reader.py).
    Level 1: several times faster than the default 6 on these records, for a few percent more bytes."""
    return gzip.compress(json_lines(records), compresslevel=1)


def capture_hour(started_at: str) -> str:
    return datetime.fromisoformat(started_at.replace("Z", "+00:00")).strftime("%Y/%m/%d/%H")
