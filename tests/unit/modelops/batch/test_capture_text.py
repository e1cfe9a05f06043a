"""A chunk's capture sample built column by column is, byte for byte, what a dict per record
serialised by orjson gives (modelops.capture.records.prediction_records through json_lines)."""
import numpy as np
import pytest

from modelops.batch.capture_text import instance_texts, output_texts
from modelops.platform.json_encoding import dumps
from modelops.serving.prediction import Predictions


def _numbers(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    values = rng.normal(size=shape) * 10.0 ** rng.integers(-300, 300, size=shape)
    values[rng.random(shape) < 0.1] = np.nan
    values[rng.random(shape) < 0.05] = -0.0
    values[rng.random(shape) < 0.05] = 3.0  # integral: still written as a float
    return values


@pytest.mark.parametrize("seed", range(20))
def test_a_numeric_sample_is_the_dicts_json(seed):
    rng = np.random.default_rng(seed)
    names = [f"f{index}" for index in range(int(rng.integers(1, 8)))] + ['odd "name" %s é']
    matrix = _numbers(rng, (int(rng.integers(1, 30)), len(names)))
    assert instance_texts(matrix, names) == [dumps(dict(zip(names, row))) for row in matrix.tolist()]


@pytest.mark.parametrize("seed", range(20))
def test_a_mixed_sample_is_the_dicts_json(seed):
    rng = np.random.default_rng(seed)
    rows = int(rng.integers(1, 30))
    names = ["size", "island", "adult", "pclass"]
    matrix = np.empty((rows, 4), dtype=object)
    matrix[:, 0] = _numbers(rng, (rows,))
    matrix[:, 1] = [str(v) for v in rng.choice(["Dream", "", 'a "quoted" one', "Zürich", "tab\there", "\u2028"], rows)]
    matrix[:, 2] = rng.choice([0.0, 1.0, np.nan], rows)
    matrix[:, 3] = [str(v) for v in rng.choice(["1", "2", "%s"], rows)]
    assert instance_texts(matrix, names) == [dumps(dict(zip(names, row))) for row in matrix.tolist()]


def test_what_the_texts_cannot_stand_for_is_left_to_the_dicts():
    matrix = np.empty((1, 2), dtype=object)
    matrix[0] = [1, "x"]  # an int: only orjson on the value says how it is written
    assert instance_texts(matrix, ["a", "b"]) is None
    assert instance_texts(np.zeros((1, 2)), ["a", "a"]) is None  # a dict keeps one of each name


@pytest.mark.parametrize("classes", [[0, 1], ["yes", 'no "really" %s'], [1, 2, 3], [True, False]])
def test_a_classifiers_outputs_are_the_dicts_json(classes):
    rng = np.random.default_rng(len(classes))
    probabilities = rng.dirichlet(np.ones(len(classes)), size=40)
    probabilities[0] = 0.0
    probabilities[0, -1] = 1.0
    predictions = Predictions.of([f"{i:032x}" for i in range(40)], probabilities, classes)
    rows = sorted(rng.choice(40, size=15, replace=False).tolist())
    assert output_texts(predictions, rows) == [dumps(output) for output in predictions.outputs_at(rows)]


def test_a_regressors_outputs_are_the_dicts_json():
    values = np.array([151.25, -0.0, 1e-300, 3.0, 2.5e17])
    predictions = Predictions.of([f"{i:032x}" for i in range(5)], values, [])
    assert output_texts(predictions, [0, 1, 2, 4]) == [dumps(o) for o in predictions.outputs_at([0, 1, 2, 4])]


def test_classes_that_share_a_name_are_left_to_the_dicts():
    predictions = Predictions.of(["a" * 32], np.array([[0.5, 0.5]]), [1, "1"])
    assert output_texts(predictions, [0]) is None


def test_no_rows_give_no_texts():
    assert instance_texts(np.empty((0, 2), dtype=object), ["a", "b"]) == []
    assert instance_texts(np.empty((0, 2)), ["a", "b"]) == []
    assert output_texts(Predictions.of([], np.empty((0, 2)), [0, 1]), []) == []
