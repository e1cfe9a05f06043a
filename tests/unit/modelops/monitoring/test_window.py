import numpy as np
import pytest

from modelops.statistics.profile import profile_matrix
from modelops.monitoring.window import MAX_OTHER_VERSIONS, WindowAccumulator
from tests.unit.modelops.conftest import MODEL, WINDOW_END, WINDOW_START


def accumulate(synthetic, records, chunk_rows=4096):
    window = WindowAccumulator(synthetic.baseline, *MODEL, WINDOW_START, WINDOW_END, chunk_rows=chunk_rows)
    for record in records:
        window.add(record)
    return window.finish()


def test_the_window_profile_is_the_profile_of_the_inputs_the_model_saw(synthetic):
    rows = synthetic.fresh[:1000]
    profile = accumulate(synthetic, synthetic.records(rows))
    edges = {name: column.edges for name, column in synthetic.baseline.features.columns.items()}
    assert profile.features == profile_matrix(rows, synthetic.names, edges)
    assert profile.volume.predictions == profile.volume.records == 1000
    assert profile.predictions.rows == 1000
    expected = synthetic.baseline.calibration.expected_correct(synthetic.pipeline.predict_proba(rows).max(axis=1))
    assert profile.estimated_accuracy == pytest.approx(expected.mean())
    assert profile.expected_correct_variance == pytest.approx((expected * (1 - expected)).sum())


def test_chunking_does_not_change_the_result_and_windows_merge_by_addition(synthetic):
    records = synthetic.records(synthetic.fresh[:900])
    whole = accumulate(synthetic, records)
    chunked = accumulate(synthetic, records, chunk_rows=64)
    merged = accumulate(synthetic, records[:300]).merge(accumulate(synthetic, records[300:]))
    for other in (chunked, merged):
        assert other.volume == whole.volume
        # Counts are integers: equal. Moments are floats merged in another order: equal to rounding.
        for name, column in whole.features.columns.items():
            assert other.features.columns[name].counts == column.counts
            assert other.features.columns[name].mean == pytest.approx(column.mean)
            assert other.features.columns[name].m2 == pytest.approx(column.m2)
        assert other.predictions.columns["confidence"].counts == whole.predictions.columns["confidence"].counts
        assert other.expected_correct == pytest.approx(whole.expected_correct)
        assert other.expected_correct_variance == pytest.approx(whole.expected_correct_variance)


def test_records_failing_the_schema_are_counted_by_reason_and_left_out(synthetic):
    good = synthetic.records(synthetic.fresh[:10])
    bad = [dict(r) for r in synthetic.records(synthetic.fresh[10:17])]
    bad[0]["schema_version"] = 2
    bad[1]["record_type"] = "audit"
    bad[2]["inputs"] = {**bad[2]["inputs"], "f0": "1.5"}  # numpy would have parsed the string
    bad[3]["inputs"] = {**bad[3]["inputs"], "colour": 1.0}
    bad[4]["output"] = {"label": 0, "probabilities": {"0": 1.0}}
    bad[5]["prediction_id"] = None
    bad[6]["inputs"] = [1, 2, 3]
    profile = accumulate(synthetic, good[:5] + bad + good[5:], chunk_rows=4)
    assert profile.volume.predictions == 10 and profile.volume.invalid == 7 and profile.volume.records == 17
    assert profile.volume.invalid_reasons == {"schema_version": 1, "record_type": 1, "inputs": 2,
                                              "unknown_feature": 1, "output": 1, "missing_field": 1}
    assert profile.features.rows == 10


def test_other_versions_and_feedback_are_counted_not_profiled(synthetic):
    records = synthetic.records(synthetic.fresh[:4])
    records[0] = {**records[0], "model_version": "20261201T000000Z-ffffffff"}
    feedback = {"record_type": "feedback", "schema_version": 1, "prediction_id": records[1]["prediction_id"],
                "time": records[1]["time"], "model_name": MODEL[0], "model_version": MODEL[1], "label": 1}
    profile = accumulate(synthetic, records + [feedback])
    assert (profile.volume.predictions, profile.volume.other_model, profile.volume.feedback) == (3, 1, 1)
    assert profile.volume.other_versions == {MODEL[0]: {"20261201T000000Z-ffffffff": 1}}


def test_other_versions_are_named_up_to_a_bound_and_merge_by_addition(synthetic):
    records = synthetic.records(synthetic.fresh[:30])
    for index, record in enumerate(records[:25]):
        record["model_version"] = f"v{index % 15}"  # 15 versions, some twice
    profile = accumulate(synthetic, records)
    named = profile.volume.other_versions[MODEL[0]]
    assert len(named) == MAX_OTHER_VERSIONS and profile.volume.other_model == 25
    assert named["v0"] == 2 and sum(named.values()) < 25  # the rest counted in other_model only
    twice = profile.merge(profile)
    assert twice.volume.other_versions[MODEL[0]]["v0"] == 4 and twice.volume.other_model == 50


def test_an_empty_window_is_a_valid_empty_profile(synthetic):
    profile = accumulate(synthetic, [])
    assert profile.volume.records == 0 and profile.features.rows == 0 and profile.estimated_accuracy is None


def test_missing_and_non_finite_inputs_are_counted_apart(synthetic):
    records = synthetic.records(synthetic.fresh[:3])
    records[0]["inputs"]["f0"] = None
    del records[1]["inputs"]["f0"]
    records[2]["inputs"]["f0"] = float("inf")  # json.loads accepts Infinity in a hand-made line
    column = accumulate(synthetic, records).features.columns["f0"]
    assert (column.missing, column.non_finite, column.count) == (2, 1, 0)
    assert np.isfinite(column.total)


def test_batch_predictions_are_profiled_with_live_ones_and_counted_apart(synthetic):
    from modelops.monitoring.traffic import traffic_of
    from modelops.monitoring.window import WindowAccumulator

    live = synthetic.records(synthetic.fresh[:30])
    batch = [dict(record, origin="batch") for record in synthetic.records(synthetic.fresh[30:80])]
    strange = [dict(record, origin="elsewhere") for record in synthetic.records(synthetic.fresh[80:83])]
    accumulator = WindowAccumulator(synthetic.baseline, *MODEL, WINDOW_START, WINDOW_END, chunk_rows=16)
    for record in live + batch + strange:
        accumulator.add(record)
    profile = accumulator.finish()
    assert (profile.volume.predictions, profile.volume.batch_predictions) == (80, 50)
    assert profile.volume.invalid_reasons == {"origin": 3}
    halves = [WindowAccumulator(synthetic.baseline, *MODEL, WINDOW_START, WINDOW_END) for _ in range(2)]
    for record in live:
        halves[0].add(record)
    for record in batch:
        halves[1].add(record)
    merged = halves[0].finish().merge(halves[1].finish())
    assert (merged.volume.predictions, merged.volume.batch_predictions) == (80, 50)
    traffic = traffic_of(profile.volume, *MODEL, 0.5)
    assert (traffic.live_predictions, traffic.batch_predictions) == (30, 50)


def test_categorical_profiles_merge_by_addition_and_only_with_the_same_features(synthetic):
    from modelops.statistics.categories import profile_categories

    categories = ["red", "green"]
    first = accumulate(synthetic, synthetic.records(synthetic.fresh[:100])).model_copy(
        update={"categories": {"colour": profile_categories(["red", "red", "", "blue"], categories)}})
    second = accumulate(synthetic, synthetic.records(synthetic.fresh[100:200])).model_copy(
        update={"categories": {"colour": profile_categories(["green", None], categories)}})
    merged = first.merge(second).categories["colour"]
    assert (merged.counts, merged.other, merged.missing) == ([2, 1], 1, 2)
    with pytest.raises(ValueError, match="different categorical features"):
        first.merge(second.model_copy(update={"categories": {}}))
