"""The typed decoder (monitoring/typed.py) answers only for lines the exact path reads as one valid
prediction of the monitored version, with the same values; and a window read with it gives the
profile, label join and read counts of the window read without it, whatever its lines hold."""
import gzip
import json
import random
from types import SimpleNamespace
from typing import Any

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelops.artifacts.features import instances_to_matrix
from modelops.capture.reader import CaptureReader, _objects_in_line
from modelops.monitoring import run, window as window_module
from modelops.monitoring.run import MonitorWindow
from modelops.monitoring.typed import as_record
from modelops.monitoring.window import InvalidRecord, WindowAccumulator
from tests.unit.modelops.conftest import MODEL, WINDOW_END, WINDOW_START
from tests.unit.modelops.monitoring.test_capture_records_fuzz import VALUES, feedback_for, mutated, mutation
from tests.unit.modelops.monitoring.test_columns import TARGETED
from tests.support.objects_s3 import ObjectsS3

# Text edits a writer (or a damaged delivery) could leave that no record-level mutation makes.
PIECES = st.sampled_from(["1" * 25, "-" + "9" * 21, "1797693134862315" + "0" * 293, "17976931348623158" + "0" * 292,
                          "1e400", "NaN", "-Infinity",
                          "\\ud800", "\\u0066", "\ufeff", "\x85", "\x0b", " ", "\t", "}{", ",", "\"", "01", "-0",
                          "1e-400", "true", "null", "[]", "{}", "\xff", '"f0":2.5,', '"0":1,', '"origin":"batch",',
                          '"extra":[1,{}],', '"schema_version":1.0,', '"record_type":"feedback",'])


def _line(record: dict[str, Any]) -> str:
    return json.dumps(record, separators=(",", ":"))


def _exact(line: bytes, accumulator: WindowAccumulator) -> tuple | None:
    """What the exact path makes of a line: a valid prediction of the version's id, time, feature
    row, output row and origin; None for anything else."""
    try:
        values = list(_objects_in_line(line))
    except ValueError:
        return None
    if len(values) != 1 or type(values[0]) is not dict:
        return None
    record = values[0]
    try:
        if not accumulator._is_monitored_prediction(record):
            return None
        row, inputs, from_batch = accumulator._prediction_parts(record)
        features = instances_to_matrix([inputs], accumulator.feature_names)[0]
    except (InvalidRecord, ValueError):  # ValueError: UnknownFeatures
        return None
    return record["prediction_id"], record["time"], features.tolist(), [float(p) for p in row], from_batch


def test_the_typed_decoder_answers_only_for_valid_predictions_read_as_the_exact_path_reads_them(synthetic):
    accumulator = WindowAccumulator(synthetic.baseline, *MODEL, WINDOW_START, WINDOW_END)
    typed = accumulator.typed
    valid = synthetic.records(synthetic.fresh[:30])
    answered = []

    @settings(derandomize=True, database=None, deadline=None, max_examples=600,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.integers(0, len(valid) - 1), st.lists(mutation() | TARGETED, max_size=2),
           st.lists(st.tuples(st.integers(0, 400), st.integers(0, 3), PIECES | st.text(max_size=3)), max_size=2))
    def check(index, changes, edits):
        record = valid[index]
        for change in changes:
            record = mutated(record, change)
        line = _line(record)
        for position, cut, piece in edits:
            line = line[:position] + piece + line[position + cut:]
        raw = line.encode("utf-8", errors="surrogatepass")
        answer = typed.decode(raw)
        if answer is None:
            return
        answered.append(1)
        expected = _exact(raw, accumulator)
        columns = typed.columns([answer])
        got = (answer.prediction_id, answer.time, columns.features[0].tolist(), columns.probabilities[0].tolist(),
               bool(columns.from_batch[0]))
        assert expected is not None and np.array_equal(np.array(got[2]), np.array(expected[2]), equal_nan=True)
        assert (got[:2], got[3:]) == (expected[:2], expected[3:])

    check()
    assert len(answered) > 50  # the typed path is exercised, not only refused
    assert typed.decode(_line(valid[0]).encode()) is not None
    # Left to the exact path (which accepts the last: True == 1 there).
    for refused in ({**valid[0], "model_version": "other"}, {**valid[0], "origin": "elsewhere"},
                    feedback_for(valid[0], 1), {**valid[0], "schema_version": True}):
        assert typed.decode(_line(refused).encode()) is None
    # Above the largest float by less than half an ulp: msgspec reads the largest float, json an
    # int too large for one, which the exact path refuses.
    near_max = _line({**valid[0], "inputs": {**valid[0]["inputs"], "f0": 17976931348623158 * 10**292}}).encode()
    assert _exact(near_max, accumulator) is None and typed.decode(near_max) is None


def _read_window(baseline, objects: dict[str, bytes], typed: bool, monkeypatch) -> tuple:
    """Both passes of a run over `objects`, with or without the typed decoder."""
    with monkeypatch.context() as patch:
        if not typed:
            patch.setattr(window_module, "typed_predictions", lambda *args: None)
        window = MonitorWindow(WINDOW_START, WINDOW_END, WINDOW_END)
        manifest = SimpleNamespace(name=MODEL[0], version=MODEL[1])
        join = run.label_join(SimpleNamespace(name=MODEL[0], version=MODEL[1]), baseline, window)
        prefixes = ["capture/"]
        run.read_labels(join, CaptureReader(ObjectsS3(objects), "bucket"), window, prefixes)
        reader = CaptureReader(ObjectsS3(objects), "bucket")
        profile = run.profile_predictions(baseline, manifest, window, join, reader, prefixes)
        quality = join.finish(profile.volume.predictions, 1, {})
    return profile.model_dump(), quality.model_dump(), join.matches().model_dump(), reader.stats


def test_a_window_read_with_the_typed_decoder_equals_it_read_without(synthetic, monkeypatch):
    rng = random.Random(23)
    valid = synthetic.records(synthetic.fresh[:3000])
    lines = []
    for index, record in enumerate(valid):
        roll = rng.random()
        if roll < 0.05:  # a bad record: wrong field, value, type or version
            where = rng.choice(["field", "input", "probability", "delete"])
            key = rng.choice(["schema_version", "model_version", "inputs", "output", "f0", "f3", "0", "1", "origin",
                              "prediction_id", "unknown", "record_type"])
            record = mutated(record, (where, key, rng.choice([None, 1, 0, True, "x", 1.5, -0.5, 10**30, [1], {}])))
        line = _line(record)
        if roll > 0.98:  # a malformed line: cut short, or bytes that are not UTF-8
            line = rng.choice([line[:rng.randrange(len(line))], line + "\xff", "{" + line])
        if 0.05 <= roll < 0.06:  # a text edit on a valid line: whitespace, a duplicate key, an int
            line = rng.choice([" " + line + " ", line[:-1] + ',"time":"' + record["time"] + '"}',
                               line.replace('"f0":', '"f0":7,"f0":', 1), line.replace('"f1":', '"f1":-0,"f2":', 1)])
        lines.append(line)
        if rng.random() < 0.15:  # labels: some twice (a tie or a later change), some unknown, some for old ids
            label = rng.choice([0, 1, 1, 0, "maybe", 1.5])
            lines.append(_line(feedback_for(valid[index], label)))
            if rng.random() < 0.3:
                lines.append(_line(feedback_for(valid[index], rng.choice([0, 1]))))
        if rng.random() < 0.01:
            lines.append(_line(record))  # captured twice
            lines.append("")
    body = ("\n".join(lines) + "\n").encode("utf-8", errors="surrogateescape")
    half = len(body) // 2
    objects = {"capture/a.gz": gzip.compress(body[:half]), "capture/b.gz": gzip.compress(body[half:]),
               "capture/c": body[:1000]}
    with_typed = _read_window(synthetic.baseline, objects, True, monkeypatch)
    without = _read_window(synthetic.baseline, objects, False, monkeypatch)
    assert with_typed[:3] == without[:3]
    assert with_typed[3] == without[3]
    profile, quality = with_typed[0], with_typed[1]
    assert profile["volume"]["invalid"] > 20 and profile["volume"]["malformed_lines"] > 5
    assert quality["ledger"]["labelled"] > 200 and quality["ledger"]["duplicate_labels"] > 20


def test_a_typed_prediction_is_read_as_the_record_it_stands_for(synthetic):
    accumulator = WindowAccumulator(synthetic.baseline, *MODEL, WINDOW_START, WINDOW_END)
    record = synthetic.records(synthetic.fresh[:1])[0]
    del record["inputs"]["f3"]
    answer = accumulator.typed.decode(_line(record).encode())
    assert as_record(answer) == {**record, "inputs": {**record["inputs"], "f3": None}, "origin": "live",
                                 "output": {"probabilities": record["output"]["probabilities"]}}
