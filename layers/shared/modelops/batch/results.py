"""What a chunk writes: its predictions (in the input's format), its refused rows, its capture records."""
import csv
import gzip
import io
import json
from datetime import datetime
from typing import Any

from modelops.batch.rows import ParsedRows
from modelops.platform.json_encoding import dumps


def predictions_csv(parsed: ParsedRows, source: str, id_column: str | None, prediction_ids: list[str],
                    labels: list[Any], probabilities: list[list[float]], classes: list[Any]) -> bytes:
    """One row per scored input row: its identity (id column, source, offset), the prediction id,
    the label and one probability column per class."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    identity = [id_column] if id_column else []
    writer.writerow(identity + ["source", "offset", "prediction_id", "label"] + [f"probability_{c}" for c in classes])
    ids = parsed.ids if id_column else [None] * len(parsed.offsets)
    writer.writerows(
        ([row_id] if id_column else []) + [source, offset, prediction_id, label] + row
        for row_id, offset, prediction_id, label, row in zip(ids, parsed.offsets, prediction_ids, labels, probabilities))
    return out.getvalue().encode()


def predictions_jsonl(parsed: ParsedRows, source: str, id_column: str | None, prediction_ids: list[str],
                      outputs: list[dict[str, Any]]) -> bytes:
    lines = []
    for index, (offset, prediction_id, output) in enumerate(zip(parsed.offsets, prediction_ids, outputs)):
        identity = {"id": parsed.ids[index]} if id_column else {}
        lines.append(dumps({**identity, "source": source, "offset": offset, "prediction_id": prediction_id, **output}))
    return "".join(line + "\n" for line in lines).encode()


def errors_jsonl(parsed: ParsedRows, source: str) -> bytes:
    return "".join(json.dumps(error.record(source)) + "\n" for error in parsed.errors).encode()


def capture_object(records: list[dict[str, Any]]) -> bytes:
    """Gzip JSON lines, the format Firehose delivers live capture in (modelops/capture/reader.py)."""
    return gzip.compress("".join(dumps(record) + "\n" for record in records).encode(), compresslevel=6)


def capture_hour(started_at: str) -> str:
    return datetime.fromisoformat(started_at.replace("Z", "+00:00")).strftime("%Y/%m/%d/%H")
