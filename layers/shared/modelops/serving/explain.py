"""Explanations for the predictions of the loaded model version (`POST /predict?explain=true`)."""
import numpy as np

from modelops.artifacts.loader import LoadedModel
from modelops.platform.errors import RequestError
from modelops.serving.explanations import Explainer, Explanation
from modelops.serving.prediction import Predictions


class ExplanationUnavailable(RequestError):
    """The deployed version was published without an explainer (before explanations existed)."""
    status, code = 422, "explanation_unavailable"


def explain(model: LoadedModel, matrix: np.ndarray, predictions: Predictions, top_k: int) -> list[Explanation]:
    """One explanation per prediction, of the label it carries and with the probabilities it
    returned, or of a regressor's value (see modelops.serving.explanations)."""
    manifest = model.manifest
    if manifest.explainer is None:
        raise ExplanationUnavailable(f"{manifest.name}/{manifest.version} was published without an explainer; "
                                     "retrain and deploy a new version to get explanations.")
    explainer = Explainer(manifest.explainer, model.inputs, manifest.classes)
    if predictions.values is not None:
        return explainer.explain(matrix, predictions.values[:, None], None,
                                 lambda rows: np.asarray(model.pipeline.predict(rows), dtype=np.float64).reshape(-1, 1),
                                 top_k)
    return explainer.explain(matrix, predictions.probabilities, predictions.winners, model.pipeline.predict_proba, top_k)
