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
