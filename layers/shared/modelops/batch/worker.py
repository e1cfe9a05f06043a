"""Score one chunk: read the lines it owns, refuse bad rows, score the rest vectorised with the
model the API serves, and write predictions, errors and capture under keys fixed by the chunk."""
import time
from collections import Counter
from datetime import datetime
from hashlib import blake2b
from typing import Any

import numpy as np

from modelops.artifacts.loader import LoadedModel
from modelops.batch.capture_text import instance_texts, output_texts
from modelops.batch.chunks import owned_bytes, s3_fetch
from modelops.batch.job import Chunk, Job
from modelops.batch.locations import CHUNKS, ERRORS, PREDICTIONS, S3Location, chunk_name, output_prefix
from modelops.batch.results import (capture_hour, capture_object, errors_jsonl, predictions_csv,
                                    predictions_jsonl)
from modelops.batch.rows import ParsedRows, parse_csv, parse_jsonl
from modelops.batch.summary import ChunkReport
from modelops.capture.reader import CAPTURE_PREFIX
from modelops.capture.records import BATCH, prediction_lines, prediction_records
from modelops.platform.ids import derived_prediction_ids
from modelops.platform.json_encoding import json_lines
from modelops.serving.prediction import Predictions
from modelops.serving.scoring import UnscorableInstances, probabilities, values

EXTENSIONS = {"csv": ".csv", "jsonl": ".jsonl"}


def score_chunk(job: Job, chunk: Chunk, model: LoadedModel, s3: Any, capture_bucket: str | None,
                capture_rate: float) -> ChunkReport:
    started = time.perf_counter()
    first, data = owned_bytes(s3_fetch(s3, chunk), chunk)
    features = model.inputs  # each column read by its feature's kind
    if chunk.format == "csv":
        parsed = parse_csv(chunk, first, data, features, job.id_column)
    else:
        parsed = parse_jsonl(first, data, features, job.id_column)
    parsed, predictions = _score(job, chunk, model, parsed, data, first)
    output = S3Location.parse(job.output, "output")
    prefix = output_prefix(output)
    name = chunk_name(chunk.source, chunk.start, EXTENSIONS[chunk.format])
    # Scored as the API scores them, and flagged as it flags them (a model without categories: None).
    unseen = features.unseen_rows(parsed.matrix) if features.mixed else None
    body = (predictions_csv(parsed, chunk.source, job.id_column, predictions, unseen)
            if chunk.format == "csv" else
            predictions_jsonl(parsed, chunk.source, job.id_column, predictions.ids, predictions.outputs, unseen))
    s3.put_object(Bucket=output.bucket, Key=prefix + PREDICTIONS + name, Body=body)
    errors_key = prefix + ERRORS + chunk_name(chunk.source, chunk.start, ".jsonl")
    if parsed.errors:
        s3.put_object(Bucket=output.bucket, Key=errors_key, Body=errors_jsonl(parsed, chunk.source))
    else:  # a re-run that fixed the rows must not leave the old errors behind
        s3.delete_object(Bucket=output.bucket, Key=errors_key)
    captured = _capture(job, chunk, model, parsed, predictions, s3, capture_bucket, capture_rate)
    report = ChunkReport(job_id=job.job_id, source=chunk.source, start=chunk.start, lines=parsed.lines, blank_lines=parsed.blank_lines,
                         rows_scored=len(parsed.offsets), rows_refused=len(parsed.errors),
                         refused_by_code=dict(Counter(error.code for error in parsed.errors)),
                         rows_with_unseen_categories=len(unseen or ()),
                         unseen_by_feature=dict(Counter(name for pairs in (unseen or {}).values() for name, _ in pairs)),
                         captured=captured,
                         seconds=round(time.perf_counter() - started, 3))
    s3.put_object(Bucket=output.bucket, Key=prefix + CHUNKS + chunk_name(chunk.source, chunk.start, ".json"),
                  Body=report.model_dump_json().encode())
    return report


def _score(job: Job, chunk: Chunk, model: LoadedModel, parsed: ParsedRows, data: bytes,
           first: int) -> tuple[ParsedRows, Predictions]:
    """Probabilities (a regressor: values) for every parsed row; rows the model cannot score
    (overflow) are refused with the API's code and the rest scored again."""
    classes, regression = model.manifest.classes, model.manifest.task == "regression"
    score = values if regression else probabilities
    if parsed.offsets:
        try:
            scores = score(model.pipeline, parsed.matrix, model.manifest.explainer, model.inputs)
        except UnscorableInstances as refused:
            lines = _lines_at(data, first, [parsed.offsets[row] for row in refused.rows])
            parsed = parsed.drop(refused.rows, refused.code, refused.row_message, lines)
            scores = (score(model.pipeline, parsed.matrix, model.manifest.explainer, model.inputs)
                      if parsed.offsets else None)
    else:
        scores = None
    if scores is None:
        scores = np.empty(0) if regression else np.empty((0, len(classes)))
    started_ms = int(datetime.fromisoformat(job.started_at.replace("Z", "+00:00")).timestamp() * 1000)
    ids = derived_prediction_ids(f"{job.job_id}\0{chunk.key}".encode(), parsed.offsets, started_ms)
    return parsed, Predictions.of(ids, scores, classes)


def _lines_at(data: bytes, first: int, offsets: list[int]) -> dict[int, str]:
    found = {}
    for offset in offsets:
        start = offset - first
        end = data.find(b"\n", start)
        found[offset] = data[start:end if end != -1 else len(data)].rstrip(b"\r").decode("utf-8", errors="replace")
    return found


def _capture(job: Job, chunk: Chunk, model: LoadedModel, parsed: ParsedRows, predictions: Predictions, s3: Any,
             bucket: str | None, rate: float) -> int:
    """Batch predictions as capture records (marked "origin": "batch") straight to the monitor's
    capture prefix, in the hour the job started: a retried chunk rewrites the same object."""
    if not bucket or not len(predictions):
        return 0
    # Sampled by row offset (Knuth's multiplicative hash, salted by the object), not by a random
    # draw, so a retried chunk captures the same rows; vectorised over the chunk.
    salt = int.from_bytes(blake2b(chunk.key.encode(), digest_size=4).digest())
    spread = (np.asarray(parsed.offsets, dtype=np.uint64) * np.uint64(2654435761) + np.uint64(salt)) & np.uint64(0xFFFFFFFF)
    keep = np.flatnonzero(spread < rate * 2**32).tolist()
    if not keep:
        return 0
    names = model.manifest.feature_names
    sample, ids = parsed.matrix[keep], [predictions.ids[row] for row in keep]
    inputs, outputs = instance_texts(sample, names), output_texts(predictions, keep)
    if inputs is not None and outputs is not None:  # the usual case: text built column by column
        lines = prediction_lines(job.model.name, job.model.version, ids, inputs, outputs, job.started_at, BATCH)
    else:
        # NaN stays NaN: the JSON encoder writes it as null, the missing value a capture record holds.
        instances = [dict(zip(names, row)) for row in sample.tolist()]
        lines = json_lines(prediction_records(job.model.name, job.model.version, instances, ids,
                                              predictions.outputs_at(keep), moment=job.started_at, origin=BATCH))
    digest = blake2b(f"{chunk.key}\0{chunk.start}".encode(), digest_size=8).hexdigest()
    key = f"{CAPTURE_PREFIX}{capture_hour(job.started_at)}/batch-{job.job_id}-{digest}.gz"
    s3.put_object(Bucket=bucket, Key=key, Body=capture_object(lines))
    return len(keep)
