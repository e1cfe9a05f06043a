import numpy as np
import pytest

from modelops.artifacts.features import UnknownFeatures, instances_to_matrix


def test_rows_follow_training_column_order_and_missing_becomes_nan():
    matrix = instances_to_matrix([{"b": 2.0, "a": 1.0}, {"a": None}], ["a", "b"])
    assert matrix[0].tolist() == [1.0, 2.0]
    assert np.isnan(matrix[1, 0]) and np.isnan(matrix[1, 1])
    assert matrix.dtype == np.float64


def test_unknown_feature_names_are_reported_per_instance():
    with pytest.raises(UnknownFeatures) as caught:
        instances_to_matrix([{"a": 1.0}, {"a": 1.0, "zz": 2.0}], ["a"])
    assert list(caught.value.details) == [{"location": "instances.1.zz", "message": "Unknown feature name."}]


@pytest.mark.parametrize("instances, expected", [
    ([{"b": 2.0, "a": 1.0}, {"a": 3.0, "b": None}], [[1.0, 2.0], [3.0, None]]),  # every feature sent
    ([{"b": 2.0, "a": 1.0}, {"b": 4.0}], [[1.0, 2.0], [None, 4.0]]),  # one left out
    ([], []),
])
def test_complete_and_incomplete_batches_give_the_same_matrix_shape_and_values(instances, expected):
    matrix = instances_to_matrix(instances, ["a", "b"])
    assert matrix.shape == (len(instances), 2)
    assert [[None if np.isnan(v) else v for v in row] for row in matrix.tolist()] == expected


def test_a_single_feature_model_gets_a_column():
    assert instances_to_matrix([{"a": 1.0}, {"a": 2.0}], ["a"]).tolist() == [[1.0], [2.0]]
