"""Property-based: whatever the capture records of a window hold, the monitor's reduction of them
(window profile, label join, report, summary) never raises, and every record is accounted for.

The capture bucket is written by Firehose from log lines, so a record can be anything a writer
left: the generated windows are real records (as serving writes them) with fields replaced by
arbitrary JSON values, huge numbers, NaN/Infinity and wrong types, or removed. Seeded like the
API fuzzing (derandomize), so a failure reproduces by running the test again.
"""
import copy
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelops.monitoring.labels import LabelJoin
from modelops.monitoring.settings import Thresholds
from modelops.monitoring.report import build_report
from modelops.monitoring.summary import summary_markdown
from modelops.monitoring.window import WindowAccumulator
from tests.fuzz.strategies import json_values
from tests.unit.modelops.conftest import MODEL, WINDOW_END, WINDOW_START

EXTREMES = st.sampled_from([1.7e308, -1.7e308, 1e200, float("inf"), float("nan"), 10**400, -(10**330), 2**63, 0.5, -5])
VALUES = EXTREMES | json_values
# Where a writer can go wrong: a top-level field, an input, a probability, or the whole "output".
FIELDS = ("record_type", "schema_version", "prediction_id", "time", "model_name", "model_version", "inputs",
          "output", "label")


def mutation() -> st.SearchStrategy[tuple[str, str | None, Any]]:
    where = st.sampled_from(["field", "input", "probability", "delete"])
    key = st.sampled_from(FIELDS + ("f0", "f1", "f4", "0", "1", "unknown"))
    return st.tuples(where, key, VALUES)


def mutated(record: dict[str, Any], change: tuple[str, str, Any]) -> dict[str, Any]:
    where, key, value = change
    record = copy.deepcopy(record)
    if where == "delete":
        record.pop(key, None)
    elif where == "input" and isinstance(record.get("inputs"), dict):
        record["inputs"][key] = value
    elif where == "probability" and isinstance(record.get("output"), dict):
        record["output"].setdefault("probabilities", {})[key] = value
    elif key != "time":  # the reader only yields records whose time is in the window
        record[key] = value
    return record


def feedback_for(record: dict[str, Any], label: Any) -> dict[str, Any]:
    return {"record_type": "feedback", "schema_version": 1, "prediction_id": record["prediction_id"],
            "time": record["time"], "model_name": MODEL[0], "model_version": MODEL[1], "label": label}


def test_any_window_of_records_gives_a_report(synthetic):
    valid = synthetic.records(synthetic.fresh[:40])
    windows = st.lists(st.tuples(st.integers(0, len(valid) - 1), st.lists(mutation(), max_size=3),
                                 st.none() | st.sampled_from([0, 1]) | VALUES), max_size=40)
    thresholds = Thresholds(min_labels=1, min_count=1)

    @settings(derandomize=True, database=None, deadline=None, max_examples=250, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(windows)
    def check(window: list[tuple[int, list, Any]]) -> None:
        records = []
        for index, changes, label in window:
            record = valid[index]
            for change in changes:
                record = mutated(record, change)
            records.append(record)
            if label is not None:
                records.append(feedback_for(valid[index], label))
        profile = WindowAccumulator(synthetic.baseline, *MODEL, WINDOW_START, WINDOW_END)
        join = LabelJoin(synthetic.baseline.classes, *MODEL, WINDOW_START, WINDOW_END)
        for record in records:
            join.add_feedback(record)
        for record in records:
            profile.add(record)
            join.add_prediction(record)
        window_profile = profile.finish()
        volume = window_profile.volume
        assert volume.records == len(records)
        assert volume.predictions + volume.feedback + volume.other_model + volume.invalid == len(records)
        quality = join.finish(volume.predictions, thresholds.min_labels, {"accuracy": 0.9})
        report = build_report(window_profile, synthetic.baseline, quality, thresholds, WINDOW_END)
        json.loads(report.model_dump_json())  # the report S3 gets: strict JSON, no NaN
        assert summary_markdown(report)

    check()
