import json

from modelops.artifacts.manifest import Manifest


def test_versions_published_before_explanations_still_load(published_model):
    data = json.loads(published_model.to_json())
    del data["explainer"], data["importance"]
    manifest = Manifest.from_json(json.dumps(data).encode())
    assert manifest.explainer is None and manifest.importance is None
    summary = manifest.summary()
    assert summary["explanation"] is None and summary["importance"] is None


def test_summary_shows_how_predictions_are_explained_and_global_importance(published_model):
    summary = published_model.summary()
    assert summary["explanation"] == {"method": "linear_exact", "reason": published_model.explainer.reason}
    assert summary["importance"] == published_model.importance.model_dump()


def test_the_explainer_round_trips_through_the_published_json(published_model):
    assert Manifest.from_json(published_model.to_json()).explainer == published_model.explainer
