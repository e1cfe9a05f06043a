import json

import pytest

from modelops.artifacts.manifest import Manifest
from tests.support.manifests import small_manifest


@pytest.fixture
def manifest() -> Manifest:
    return small_manifest()


def test_versions_published_before_explanations_still_load(manifest):
    data = json.loads(manifest.to_json())
    del data["explainer"], data["importance"]
    old = Manifest.from_json(json.dumps(data).encode())
    assert old.explainer is None and old.importance is None
    summary = old.summary()
    assert summary["explanation"] is None and summary["importance"] is None


def test_summary_shows_how_predictions_are_explained_and_global_importance(manifest):
    summary = manifest.summary()
    assert summary["explanation"] == {"method": "linear_exact", "reason": manifest.explainer.reason}
    assert summary["importance"] == manifest.importance.model_dump()
    assert summary["features"][0]["name"] == "a" and summary["classes"] == [0, 1]


def test_the_explainer_round_trips_through_the_published_json(manifest):
    assert Manifest.from_json(manifest.to_json()).explainer == manifest.explainer


def test_the_runtime_to_serve_with_and_the_file_it_pins(manifest):
    assert manifest.serving_file() == ("sklearn", manifest.artifact)  # no verified ONNX model
    with pytest.raises(ValueError, match="has no verified ONNX model: serve it with sklearn"):
        manifest.serving_file("onnx")
    onnx = manifest.model_copy(update={"files": {**manifest.files, "onnx": manifest.artifact}})
    assert onnx.serving_file() == ("onnx", manifest.artifact)
    assert onnx.serving_file("sklearn") == ("sklearn", manifest.artifact)
    with pytest.raises(ValueError, match="unknown runtime 'tensorflow'"):
        onnx.serving_file("tensorflow")
