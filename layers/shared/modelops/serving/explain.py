"""Explanations for the predictions of the loaded model version (`POST /predict?explain=true`)."""
from typing import Any

import numpy as np

from modelops.serving.explanations import Explainer
from modelops.artifacts.loader import LoadedModel


class ExplanationUnavailable(Exception):
    """The deployed version was published before explanations existed (no explainer in its manifest)."""


def explain_predictions(model: LoadedModel, matrix: np.ndarray, predictions: list[dict[str, Any]], top_k: int) -> None:
    """Add an "explanation" to each prediction, for the label it carries (see modelops.serving.explanations)."""
    manifest = model.manifest
    if manifest.explainer is None:
        raise ExplanationUnavailable(f"{manifest.name}/{manifest.version} was published without an explainer; "
                                     "retrain and deploy a new version to get explanations.")
    classes = manifest.classes
    # The response's own numbers, so each explanation is of exactly the label and probability returned.
    probabilities = np.array([[p["probabilities"][str(label)] for label in classes] for p in predictions])
    winners = np.array([classes.index(p["label"]) for p in predictions])
    explainer = Explainer(manifest.explainer, manifest.feature_names, classes)
    explanations = explainer.explain(matrix, probabilities, winners, model.pipeline.predict_proba, top_k)
    for prediction, explanation in zip(predictions, explanations):
        prediction["explanation"] = explanation.model_dump(mode="json")
