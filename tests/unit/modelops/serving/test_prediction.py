"""Predictions stay arrays until the edge: ids, probabilities, the label index, and one per-row
output that the response and the capture record share."""
import boto3
import numpy as np
import pytest

from modelops.artifacts.features import instances_to_matrix
from modelops.artifacts.loader import load_verified_model
from modelops.artifacts.store import ModelStore
from modelops.platform.ids import prediction_time
from modelops.serving.prediction import predict


@pytest.fixture
def model(bucket, published_model):
    store = ModelStore(boto3.client("s3"), bucket)
    return load_verified_model(store, published_model.name, published_model.version, published_model.artifact.sha256)


def test_a_batch_is_arrays_in_the_models_class_order(model):
    matrix = instances_to_matrix([{"mean_radius": 25.0, "worst_area": 2500.0}, {"mean_radius": 9.0}, {}],
                                 model.manifest.feature_names)
    predictions = predict(model, matrix)
    assert len(predictions) == 3 and len(set(predictions.ids)) == 3
    assert all(prediction_time(i) is not None for i in predictions.ids)
    np.testing.assert_allclose(predictions.probabilities, model.pipeline.predict_proba(matrix))
    assert predictions.winners.tolist() == model.pipeline.predict_proba(matrix).argmax(axis=1).tolist()
    assert predictions.labels == [model.manifest.classes[w] for w in predictions.winners]


def test_outputs_are_built_once_and_name_classes_as_strings(model):
    predictions = predict(model, instances_to_matrix([{"mean_radius": 9.0}], model.manifest.feature_names))
    (output,) = predictions.outputs
    assert output["label"] == predictions.labels[0]
    assert list(output["probabilities"]) == [str(c) for c in model.manifest.classes]
    assert sum(output["probabilities"].values()) == pytest.approx(1.0)
    assert predictions.outputs is predictions.outputs  # the response and the capture share these dicts
