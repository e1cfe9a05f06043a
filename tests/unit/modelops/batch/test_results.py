"""The predictions file reads back exactly with a standard CSV reader, whatever the ids hold."""
import csv
import io

import numpy as np

from modelops.batch.results import predictions_csv
from modelops.batch.rows import ParsedRows
from modelops.serving.prediction import Predictions


def test_fields_that_need_quotes_are_quoted_by_csv_rules():
    ids = ['plain', 'with,comma', 'with "quote"', ' padded ', 'line\nbreak', '']
    parsed = ParsedRows(list(range(len(ids))), ids, np.zeros((len(ids), 1)))
    probabilities = np.array([[0.25, 0.75], [1e-300, 1.0], [0.5, 0.5], [0.9, 0.1], [0.0, 1.0], [0.7, 0.3]])
    classes = ["yes", 'no, "really"']
    predictions = Predictions([f"id{i}" for i in range(len(ids))], probabilities, probabilities.argmax(axis=1), classes)
    body = predictions_csv(parsed, "dir/a,b.csv", "customer id", predictions)
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [row["customer id"] for row in rows] == ids
    assert {row["source"] for row in rows} == {"dir/a,b.csv"}
    assert [row["label"] for row in rows] == [classes[i] for i in probabilities.argmax(axis=1)]
    assert [float(row['probability_no, "really"']) for row in rows] == probabilities[:, 1].tolist()
    assert [int(row["offset"]) for row in rows] == list(range(len(ids)))


def test_a_regressors_rows_carry_the_value():
    parsed = ParsedRows([0, 7], ["a", "b"], np.zeros((2, 1)))
    values = np.array([151.25, -0.1])
    predictions = Predictions(["id0", "id1"], np.empty((2, 0)), np.empty(0, dtype=np.int64), [], values)
    rows = list(csv.DictReader(io.StringIO(predictions_csv(parsed, "in.csv", None, predictions).decode())))
    assert [list(row) for row in rows] == [["source", "offset", "prediction_id", "value"]] * 2
    assert [float(row["value"]) for row in rows] == values.tolist() and [row["offset"] for row in rows] == ["0", "7"]


def _reference_csv(parsed, source, id_column, predictions, unseen=None) -> bytes:
    """predictions_csv as it was written before it was built column by column: a row at a time."""
    import json

    from modelops.batch.capture_text import number_rows
    from modelops.batch.results import UNSEEN_COLUMN, _field

    regression = predictions.values is not None
    outputs = ["value"] if regression else ["label"] + [f"probability_{c}" for c in predictions.classes]
    header = ([id_column] if id_column else []) + ["source", "offset", "prediction_id"] + outputs
    ids = [_field(row_id) + "," for row_id in parsed.ids] if id_column else [""] * len(parsed.offsets)
    if regression:
        rows = [f"{i}{_field(source)},{o},{p},{v}" for i, o, p, v in
                zip(ids, parsed.offsets, predictions.ids, number_rows(predictions.values.reshape(-1, 1)))]
    else:
        rows = [f"{i}{_field(source)},{o},{p},{_field(str(label))},{n}" for i, o, p, label, n in
                zip(ids, parsed.offsets, predictions.ids, predictions.labels, number_rows(predictions.probabilities))]
    if unseen is not None:
        header.append(UNSEEN_COLUMN)
        rows = [row + "," for row in rows]
        for row, pairs in unseen.items():
            rows[row] += _field(json.dumps(dict(pairs), ensure_ascii=False))
    return ("\n".join([",".join(map(_field, header)), *rows]) + "\n").encode()


def test_the_column_wise_file_is_the_row_by_row_one_byte_for_byte():
    rng = np.random.default_rng(16)
    spellings = ["plain", "a,b", 'q"q', " lead", "trail ", "x\ny", "é", "", "\t", "7"]
    for case in range(60):
        rows = int(rng.integers(0, 25))
        ids = [str(rng.choice(spellings)) + str(i) if rng.random() < 0.9 else str(rng.choice(spellings)) for i in range(rows)]
        if case % 3 == 0:
            ids = [f"r{i}" for i in range(rows)]  # the usual case: nothing to quote
        if case % 3 == 1 and rows > 2:  # one id needing quotes among plain ones, away from the ends
            ids = [f"r{i}" for i in range(rows)]
            ids[rows // 2] = str(rng.choice(spellings[1:7]))
        if case % 7 == 0 and rows:
            ids[0] = None
        parsed = ParsedRows(list(range(0, rows * 9, 9)), ids, np.zeros((rows, 1)))
        unseen = ({row: [("island", str(rng.choice(spellings))), ("pclass", "9")][: int(rng.integers(1, 3))]
                   for row in range(rows) if rng.random() < 0.4} if case % 2 else None)
        if case % 5 == 4:
            predictions = Predictions.of([f"{i:032x}" for i in range(rows)], rng.normal(size=rows) * 1e5, [])
        else:
            classes = [["no", "yes"], [0, 1, 2], ['a "b"', "c,d"]][case % 3]
            predictions = Predictions.of([f"{i:032x}" for i in range(rows)],
                                         rng.dirichlet(np.ones(len(classes)), size=rows), classes)
        for id_column in ("customer id", None):
            assert predictions_csv(parsed, "dir/a,b.csv", id_column, predictions, unseen) == _reference_csv(
                parsed, "dir/a,b.csv", id_column, predictions, unseen)
