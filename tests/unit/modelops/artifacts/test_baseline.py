import numpy as np
import pytest

from modelops.artifacts.baseline import Baseline, Calibration, prediction_class_edges, prediction_matrix


def test_prediction_matrix_is_argmax_and_max_like_serving():
    matrix = prediction_matrix([[0.2, 0.8], [0.6, 0.4], [0.5, 0.5]])
    # A tie goes to the first class, as numpy's argmax (and so the inference function) decides.
    assert matrix.tolist() == [[1.0, 0.8], [0.0, 0.6], [0.0, 0.5]]
    assert prediction_matrix(np.empty((0, 3))).shape == (0, 2)
    with pytest.raises(ValueError):
        prediction_matrix([0.2, 0.8])


def test_class_edges_give_one_bin_per_class():
    assert prediction_class_edges(["a", "b", "c"]) == [0.0, 1.0, 2.0]


def test_calibration_interpolates_and_clips_at_the_ends():
    calibration = Calibration(confidence=[0.5, 0.9], accuracy=[0.4, 0.8])
    assert calibration.expected_correct([0.1, 0.5, 0.7, 1.0]).tolist() == pytest.approx([0.4, 0.4, 0.6, 0.8])


@pytest.mark.parametrize("confidence,accuracy", [([], []), ([0.9, 0.5], [0.1, 0.2]), ([0.5], [1.5]), ([0.5], [0.1, 0.2])])
def test_calibration_refuses_what_it_cannot_apply(confidence, accuracy):
    with pytest.raises(ValueError):
        Calibration(confidence=confidence, accuracy=accuracy)


def test_published_baseline_round_trips_and_describes_the_training_data(published_model, bucket):
    import boto3

    from modelops.artifacts.store import ModelStore

    baseline = Baseline.from_json(ModelStore(boto3.client("s3"), bucket).read_pinned(published_model, "baseline"))
    assert baseline.classes == published_model.classes
    assert list(baseline.features.columns) == published_model.feature_names
    assert baseline.features.rows == published_model.training["train_rows"]
    assert baseline.predictions.rows == published_model.training["test_rows"]
    assert baseline.reference_accuracy == pytest.approx(published_model.metrics["model"]["accuracy"])
    radius = baseline.features.columns["mean_radius"]
    summary = published_model.features[0]
    assert radius.min == summary.min and radius.max == summary.max and radius.missing == 0
