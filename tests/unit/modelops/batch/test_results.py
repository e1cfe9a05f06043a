"""The predictions file reads back exactly with a standard CSV reader, whatever the ids hold."""
import csv
import io

import numpy as np

from modelops.batch.results import predictions_csv
from modelops.batch.rows import ParsedRows


def test_fields_that_need_quotes_are_quoted_by_csv_rules():
    ids = ['plain', 'with,comma', 'with "quote"', ' padded ', 'line\nbreak', '']
    parsed = ParsedRows(list(range(len(ids))), ids, np.zeros((len(ids), 1)))
    probabilities = [[0.25, 0.75], [1e-300, 1.0], [0.5, 0.5], [0.1, 0.9], [0.0, 1.0], [0.3, 0.7]]
    body = predictions_csv(parsed, "dir/a,b.csv", "customer id", [f"id{i}" for i in range(len(ids))],
                           ["yes", "no, really", 1, 0, "x", "y"], np.array(probabilities), ["yes", 'no "x"'])
    rows = list(csv.DictReader(io.StringIO(body.decode())))
    assert [row["customer id"] for row in rows] == ids
    assert {row["source"] for row in rows} == {"dir/a,b.csv"}
    assert [row["label"] for row in rows] == ["yes", "no, really", "1", "0", "x", "y"]
    assert [float(row['probability_no "x"']) for row in rows] == [p[1] for p in probabilities]
    assert [int(row["offset"]) for row in rows] == list(range(len(ids)))
