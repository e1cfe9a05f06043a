import io
import json

from modelops.capture.records import CaptureWriter, feedback_records, prediction_records

OUTPUT = {"label": 1, "probabilities": {"0": 0.25, "1": 0.75}}


def test_prediction_record_format():
    (record,) = prediction_records("m", "v1", [{"x": 1.0, "y": None}], ["a" * 32], [OUTPUT])
    assert record["prediction_id"] == "a" * 32
    assert record["record_type"] == "prediction" and record["schema_version"] == 1
    assert record["time"].endswith("Z")
    assert record["inputs"] == {"x": 1.0, "y": None}
    assert record["output"] == {"label": 1, "probabilities": {"0": 0.25, "1": 0.75}}


def test_writer_emits_one_json_line_per_record():
    stream = io.StringIO()
    records = feedback_records("m", "v1", [("a" * 32, 0), ("b" * 32, 1)])
    assert CaptureWriter(stream=lambda: stream).write(records) == 0
    lines = stream.getvalue().splitlines()
    assert [json.loads(line)["label"] for line in lines] == [0, 1]


def test_unserialisable_records_are_counted_not_raised():
    stream = io.StringIO()
    bad = {"record_type": "prediction", "inputs": {"x": object()}}
    assert CaptureWriter(stream=lambda: stream).write([bad, {"record_type": "prediction"}]) == 1
    assert len(stream.getvalue().splitlines()) == 1


def test_a_non_finite_value_is_written_as_null_which_the_monitor_reads_as_missing():
    stream = io.StringIO()
    assert CaptureWriter(stream=lambda: stream).write([{"inputs": {"x": float("nan"), "y": float("inf")}}]) == 0
    assert json.loads(stream.getvalue()) == {"inputs": {"x": None, "y": None}}


def test_a_broken_stream_counts_every_record_as_failed():
    def broken():
        raise OSError("closed")

    assert CaptureWriter(stream=broken).write([{"a": 1}, {"b": 2}]) == 2


def test_sampling_keeps_the_share_asked_for():
    draws = iter([0.1, 0.6, 0.2, 0.9])
    writer = CaptureWriter(sample_rate=0.5, draw=lambda: next(draws))
    assert writer.sampled([{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]) == [{"n": 1}, {"n": 3}]
    assert CaptureWriter(sample_rate=1.0).sampled([{"n": 1}]) == [{"n": 1}]


def test_prediction_lines_are_the_records_json_lines_byte_for_byte():
    from modelops.capture.records import BATCH, prediction_lines
    from modelops.platform.json_encoding import dumps, json_lines

    instances = [{"x": 1.5, "y": None, 'q"%s': "é\n"}, {"x": -0.0, "y": 1e-300, 'q"%s': ""}]
    outputs = [OUTPUT, {"value": 151.25}]
    ids = ["a" * 32, "b" * 32]
    for name, version, origin in (("m", "v1", BATCH), ('m"%d', "v\u2028", "live"), ("m", "v", "other")):
        expected = json_lines(prediction_records(name, version, instances, ids, outputs, moment="2026-12-04T12:00:00.000Z",
                                                 origin=origin))
        assert prediction_lines(name, version, ids, [dumps(i) for i in instances], [dumps(o) for o in outputs],
                                "2026-12-04T12:00:00.000Z", origin) == expected
