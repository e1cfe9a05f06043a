import dataclasses

import boto3
import numpy as np
import pytest

from modelops.artifacts.features import instances_to_matrix
from modelops.artifacts.loader import load_verified_model
from modelops.artifacts.store import ModelStore
from modelops.serving.explain import ExplanationUnavailable, explain
from modelops.serving.prediction import predict


@pytest.fixture
def model(bucket, published_model):
    store = ModelStore(boto3.client("s3"), bucket)
    return load_verified_model(store, published_model.name, published_model.version, published_model.artifact.sha256)


def test_each_prediction_gets_an_explanation_of_its_own_label(model):
    matrix = instances_to_matrix([{"mean_radius": 25.0, "worst_area": 2500.0}, {"mean_radius": 9.0}], model.manifest.feature_names)
    predictions = predict(model, matrix)
    explanations = explain(model, matrix, predictions, top_k=3)
    assert [e.label for e in explanations] == predictions.labels
    assert all(len(e.contributions) == 3 for e in explanations)


def test_the_explanation_follows_the_label_returned_not_a_recomputed_one(model):
    """If serving ever picks another label than the argmax (a tie rule), the explanation must be of
    the label the client received."""
    matrix = instances_to_matrix([{"mean_radius": 25.0}], model.manifest.feature_names)
    predictions = predict(model, matrix)
    relabelled = dataclasses.replace(predictions, winners=1 - predictions.winners)
    (mine,) = explain(model, matrix, predictions, top_k=3)
    (other,) = explain(model, matrix, relabelled, top_k=3)
    assert other.label == relabelled.labels[0] != predictions.labels[0]
    assert other.value == pytest.approx(-mine.value)


def test_a_version_published_without_an_explainer_cannot_explain(model):
    old = type(model)(manifest=model.manifest.model_copy(update={"explainer": None}), pipeline=model.pipeline,
                      load_seconds=0.0)
    matrix = instances_to_matrix([{}], old.manifest.feature_names)
    with pytest.raises(ExplanationUnavailable, match="published without an explainer"):
        explain(old, matrix, predict(old, matrix), top_k=3)
