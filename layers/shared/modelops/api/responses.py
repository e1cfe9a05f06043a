"""The documents the API answers with, as pydantic models.

They describe the successful responses in the OpenAPI contract (modelops/api/contract.py), and
the contract tests validate every real response against them, so the document cannot drift from
what the handler returns. They are not used to build responses: a response validation failure in
Powertools would surface as a 422 "request does not match" and blame the caller. `predict_body`
builds the POST /predict body straight from the prediction arrays, in one orjson call.
"""
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from modelops.artifacts.features import Unseen
from modelops.artifacts.importance import GlobalImportance
from modelops.artifacts.library_versions import LibraryVersions
from modelops.artifacts.manifest import Label
from modelops.platform.ids import PREDICTION_ID_PATTERN
from modelops.platform.json_encoding import dumps
from modelops.serving.explanations import Explanation
from modelops.serving.prediction import Predictions
from modelops.serving.unseen import prediction_warnings
from modelops.statistics.feature_summary import FeatureSummary


class ResponseDocument(BaseModel):
    """A response's schema, for the contract and the contract tests only (see above): its validator
    is built when first used (GET /openapi.json, a test), not in every cold start."""
    model_config = ConfigDict(defer_build=True)


class ModelId(ResponseDocument):
    name: str
    version: str


class PredictionWarning(ResponseDocument):
    """Something about an instance that was scored anyway, and how."""
    code: Literal["unseen_category"] = Field(description="Stable, machine-readable: branch on this.")
    feature: str
    value: str = Field(description="The category as scored (stripped, as training read its CSV).")
    message: str = Field(description="For people; may change.")


WARNINGS_DESCRIPTION = ("Only when there is something to say: a category training never saw (`unseen_category`), "
                        "scored like a rare one, from the instance's other features.")


class Prediction(ResponseDocument):
    """A classifier's prediction."""
    prediction_id: str = Field(pattern=PREDICTION_ID_PATTERN, description="Send it back with POST /feedback.")
    label: Label
    probabilities: dict[str, float] = Field(description="Per class (classes as strings), summing to 1.")
    warnings: list[PredictionWarning] | None = Field(default=None, description=WARNINGS_DESCRIPTION)
    explanation: Explanation | None = Field(default=None, description="Only with ?explain=true.")


class ValuePrediction(ResponseDocument):
    """A regressor's prediction (GET /model says `task: regression`)."""
    prediction_id: str = Field(pattern=PREDICTION_ID_PATTERN, description="Send it back with POST /feedback.")
    value: float = Field(description="The predicted value, in the target's units.")
    warnings: list[PredictionWarning] | None = Field(default=None, description=WARNINGS_DESCRIPTION)
    explanation: Explanation | None = Field(default=None, description="Only with ?explain=true.")


class PredictResponse(ResponseDocument):
    model: ModelId
    predictions: list[Prediction | ValuePrediction] = Field(description="One per instance, in request order.")


class FeedbackAccepted(ResponseDocument):
    accepted: int = Field(description="Labels recorded.")


class ExplanationMethod(ResponseDocument):
    method: str
    reason: str


class ModelInfo(ResponseDocument):
    name: str
    version: str
    created_at: str
    artifact_sha256: str
    libraries: LibraryVersions
    target: str
    task: Literal["classification", "regression"] = Field(
        description="A regressor has no classes; its predictions are a value and its labels numbers.")
    classes: list[Label]
    metrics: dict[str, Any] = Field(description="Held-out metrics of the model and of the best constant classifier, "
                                                "and the quality gate's verdict.")
    features: list[FeatureSummary] = Field(description="In the order the model was trained on.")
    explanation: ExplanationMethod | None = Field(description="How ?explain=true explains this version; null for "
                                                             "versions published before explanations existed.")
    importance: GlobalImportance | None = Field(description="Global feature importance, computed at training time.")


def predict_body(model_name: str, model_version: str, predictions: Predictions,
                 explanations: list[Explanation] | None = None,
                 unseen: Unseen | None = None) -> str:
    """The 200 body of POST /predict (schema: PredictResponse), with each instance's warnings when
    it has any (its unseen categories) and explanations when asked for."""
    items = [{"prediction_id": prediction_id, **output}
             for prediction_id, output in zip(predictions.ids, predictions.outputs)]
    for row, warnings in prediction_warnings(unseen or {}).items():
        items[row]["warnings"] = warnings
    for item, explanation in zip(items, explanations or ()):
        item["explanation"] = explanation.model_dump(mode="json")
    return dumps({"model": {"name": model_name, "version": model_version}, "predictions": items})
