"""Capture records: one JSON line per prediction and per ground-truth label, written to the
function's log stream. The template's subscription filter selects exactly these lines and a
Firehose stream writes them to S3 under capture/YYYY/MM/DD/HH/, so the request path makes no
network call for capture. Writing to stdout (not the Logger) keeps capture independent of
LOG_LEVEL. Format (schema_version 1):

    {"record_type": "prediction", "schema_version": 1, "prediction_id": "...", "time": "...",
     "model_name": "...", "model_version": "...", "inputs": {"feature": 1.0, "other": null},
     "output": {"label": 0, "probabilities": {"0": 0.9, "1": 0.1}}}
    (batch scoring adds "origin": "batch" and writes gzip objects straight to capture/YYYY/MM/DD/HH/)
    {"record_type": "feedback", "schema_version": 1, "prediction_id": "...", "time": "...",
     "model_name": "...", "model_version": "...", "label": 1}
A regressor's prediction has "output": {"value": 151.2}, and its label is a number.
"""
import random
import sys
from datetime import datetime, timezone
from typing import Any, Callable, TextIO

from modelops.platform.json_encoding import dumps

SCHEMA_VERSION = 1
PREDICTION = "prediction"
FEEDBACK = "feedback"
# Where a prediction was made: the API (no "origin" field, as before batch existed) or a batch job
# ("origin": "batch"), so the monitor can report them apart.
LIVE, BATCH = "live", "batch"
# What the log subscription filter matches on: no other line this function writes has it.
FILTER_PATTERN = '{ $.record_type = "prediction" || $.record_type = "feedback" }'


def finite_number(value: Any) -> float | None:
    """A number a record may carry as a regressor's prediction or label: finite, not a bool; else
    None. A comparison, not math.isfinite: it also refuses an integer too large for a float."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and -sys.float_info.max <= value <= sys.float_info.max:
        return float(value)
    return None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def prediction_records(model_name: str, model_version: str, instances: list[dict[str, Any]],
                       ids: list[str], outputs: list[dict[str, Any]], moment: str | None = None,
                       origin: str = LIVE) -> list[dict[str, Any]]:
    """One record per instance; `outputs` are the predictions' {label, probabilities}, as returned.
    Batch scoring passes its job's start as `moment` and origin=BATCH; live records carry no origin."""
    moment = moment or _now()
    marks = {} if origin == LIVE else {"origin": origin}
    return [
        {"record_type": PREDICTION, "schema_version": SCHEMA_VERSION, "prediction_id": prediction_id,
         "time": moment, "model_name": model_name, "model_version": model_version, "inputs": instance,
         "output": output, **marks}
        for instance, prediction_id, output in zip(instances, ids, outputs)
    ]


def prediction_lines(model_name: str, model_version: str, ids: list[str], inputs: list[str], outputs: list[str],
                     moment: str, origin: str = LIVE) -> bytes:
    """json_lines(prediction_records(...)) byte for byte, from each record's `inputs` and `output`
    already as compact JSON text: batch scoring builds those column by column for a whole chunk,
    where a dict per record then orjson per record was a quarter of a worker's time."""
    head = dumps({"record_type": PREDICTION, "schema_version": SCHEMA_VERSION, "prediction_id": ""})[:-3]
    middle = dumps({"time": moment, "model_name": model_name, "model_version": model_version})[1:-1]
    tail = "}" if origin == LIVE else "," + dumps({"origin": origin})[1:]
    return "".join([f'{head}{dumps(prediction_id)},{middle},"inputs":{instance},"output":{output}{tail}\n'
                    for prediction_id, instance, output in zip(ids, inputs, outputs)]).encode()


def feedback_records(model_name: str, model_version: str, labels: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    moment = _now()
    return [
        {"record_type": FEEDBACK, "schema_version": SCHEMA_VERSION, "prediction_id": prediction_id,
         "time": moment, "model_name": model_name, "model_version": model_version, "label": label}
        for prediction_id, label in labels
    ]


class CaptureWriter:
    """Writes records as log lines; never raises. Returns how many could not be written, so the
    caller can count them in a metric while the prediction still succeeds."""

    def __init__(self, sample_rate: float = 1.0, stream: Callable[[], TextIO] = lambda: sys.stdout,
                 draw: Callable[[], float] = random.random):
        self.sample_rate = sample_rate
        self._stream = stream
        self._draw = draw

    def sampled(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.sample_rate >= 1.0:
            return records
        return [record for record in records if self._draw() < self.sample_rate]

    def write(self, records: list[dict[str, Any]]) -> int:
        failed = 0
        lines = []
        for record in records:
            try:
                lines.append(dumps(record))
            except (TypeError, ValueError):
                failed += 1
        try:
            stream = self._stream()
            stream.write("".join(line + "\n" for line in lines))
            stream.flush()
        except Exception:  # a broken stream must not fail the prediction that was captured
            failed += len(lines)
        return failed
