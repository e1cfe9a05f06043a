"""The column path (monitoring/columns.py) gives the record-by-record path's profile, counters and
reasons, bit for bit, whatever the records hold: the same mutated windows go both ways."""
import copy
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelops.monitoring.window import WindowAccumulator
from tests.unit.modelops.conftest import MODEL, WINDOW_END, WINDOW_START
from tests.unit.modelops.monitoring.test_capture_records_fuzz import VALUES, feedback_for, mutated, mutation

# Edits the fuzz test's mutations rarely make, and the column path must still hand to the exact check.
TARGETED = st.sampled_from([
    ("input", "f0", 3), ("input", "f1", True), ("input", "f2", "1.5"), ("input", "f3", 10**400), ("input", "f4", None),
    ("input", "unknown", 1.0), ("probability", "0", 1), ("probability", "1", 1.5), ("probability", "0", float("nan")),
    ("field", "origin", "batch"), ("field", "origin", "elsewhere"), ("field", "origin", None), ("field", "origin", [1]),
    ("delete", "output", None), ("field", "output", {"probabilities": {"0": 0.5, "1": 0.5, "2": 0.0}}),
])


def _drop_input(record: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(record)
    record["inputs"].pop("f1", None)  # an absent feature is a missing value
    return record


def profile(records: list[dict[str, Any]], columnwise: bool, chunk_rows: int):
    accumulator = WindowAccumulator(_baseline, *MODEL, WINDOW_START, WINDOW_END, chunk_rows=chunk_rows)
    assert accumulator._columnwise  # an all-numeric classifier: the column path is the default
    accumulator._columnwise = columnwise
    for record in records:
        accumulator.add(record)
    return accumulator.finish()


def test_the_column_path_gives_the_record_path_profile(synthetic):
    global _baseline
    _baseline = synthetic.baseline
    valid = synthetic.records(synthetic.fresh[:60])
    windows = st.lists(st.tuples(st.integers(0, len(valid) - 1), st.lists(mutation() | TARGETED, max_size=2),
                                 st.booleans(), st.none() | st.sampled_from([0, 1]) | VALUES), max_size=60)

    @settings(derandomize=True, database=None, deadline=None, max_examples=200, print_blob=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(windows, st.sampled_from([1, 7, 64, 4096]))
    def check(window: list[tuple[int, list, bool, Any]], chunk_rows: int) -> None:
        records = []
        for index, changes, drop, label in window:
            record = _drop_input(valid[index]) if drop else valid[index]
            for change in changes:
                record = mutated(record, change)
            records.append(record)
            if label is not None:
                records.append(feedback_for(valid[index], label))
        by_columns, by_records = profile(records, True, chunk_rows), profile(records, False, chunk_rows)
        assert by_columns.model_dump() == by_records.model_dump()

    check()


def test_a_clean_window_takes_the_column_path_and_keeps_bad_records_exact(synthetic):
    records = synthetic.records(synthetic.fresh[:300])
    records[5] = {**records[5], "inputs": {**records[5]["inputs"], "f2": "1.5"}}  # refused: "inputs"
    records[9] = {**records[9], "inputs": {**records[9]["inputs"], "f2": 7}}  # an int: valid
    records[11] = {**records[11], "inputs": {**records[11]["inputs"], "extra": 1.0}}  # "unknown_feature"
    global _baseline
    _baseline = synthetic.baseline
    by_columns, by_records = profile(records, True, 128), profile(records, False, 128)
    assert by_columns.model_dump() == by_records.model_dump()
    assert by_columns.volume.invalid_reasons == {"inputs": 1, "unknown_feature": 1}
    assert by_columns.volume.predictions == 298 and by_columns.features.columns["f2"].max >= 7


_baseline = None
