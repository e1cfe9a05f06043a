"""A chunk's capture sample as JSON text built column by column: each record's `inputs` and
`output` exactly as orjson writes the dicts prediction_records holds (modelops.capture.records),
without a dict per row. Numbers are formatted by one orjson call per array (the shortest
round-trip form, NaN as null, as orjson writes a float); texts once per distinct value."""
import numpy as np
import orjson

from modelops.platform.json_encoding import dumps
from modelops.serving.prediction import Predictions


def number_rows(matrix: np.ndarray) -> list[str]:
    """Each row's numbers joined by commas, formatted in one orjson call instead of one per number."""
    if not len(matrix):
        return []
    text = orjson.dumps(matrix, option=orjson.OPT_SERIALIZE_NUMPY).decode()
    return text[2:-2].split("],[")


def instance_texts(matrix: np.ndarray, names: list[str]) -> list[str] | None:
    """dumps(dict(zip(names, row))) of each row of the model's input matrix; None when a cell is
    neither a float nor a str (then only a dict per row says what orjson writes for it)."""
    if not names or len(set(names)) != len(names):  # a dict would keep one of each name
        return None
    if not len(matrix):
        return []
    template = "{" + ",".join(dumps(name).replace("%", "%%") + ":%s" for name in names) + "}"
    if matrix.dtype == np.float64:
        return [template % tuple(row.split(",")) for row in number_rows(matrix)]
    columns = []
    for column in matrix.T.tolist():
        types = set(map(type, column))
        if types <= {float}:
            columns.append(orjson.dumps(column).decode()[1:-1].split(","))
        elif types <= {str}:
            encoded = {text: dumps(text) for text in set(column)}
            columns.append([encoded[text] for text in column])
        else:
            return None
    return [template % row for row in zip(*columns)]


def output_texts(predictions: Predictions, rows: list[int]) -> list[str] | None:
    """dumps(output) of Predictions.outputs_at(rows); None when two classes share a name (the
    dict of probabilities would keep one)."""
    if predictions.values is not None:
        return [f'{{"value":{value}}}' for value in number_rows(predictions.values[rows].reshape(-1, 1))]
    names = [str(label) for label in predictions.classes]
    if len(set(names)) != len(names):
        return None
    labels = [dumps(label) for label in predictions.classes]
    template = ('{"label":%s,"probabilities":{' + ",".join(dumps(name).replace("%", "%%") + ":%s" for name in names)
                + "}}")
    winners, numbers = predictions.winners[rows].tolist(), number_rows(predictions.probabilities[rows])
    return [template % (labels[winner], *row.split(",")) for winner, row in zip(winners, numbers)]
