import numpy as np
import pytest

from modelops.prediction import UnknownFeatures, instances_to_matrix


def test_rows_follow_training_column_order_and_missing_becomes_nan():
    matrix = instances_to_matrix([{"b": 2.0, "a": 1.0}, {"a": None}], ["a", "b"])
    assert matrix[0].tolist() == [1.0, 2.0]
    assert np.isnan(matrix[1, 0]) and np.isnan(matrix[1, 1])
    assert matrix.dtype == np.float64


def test_unknown_feature_names_are_reported_per_instance():
    with pytest.raises(UnknownFeatures) as caught:
        instances_to_matrix([{"a": 1.0}, {"a": 1.0, "zz": 2.0}], ["a"])
    assert caught.value.details == [{"location": "instances.1.zz", "message": "Unknown feature name."}]
