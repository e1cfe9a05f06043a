"""Ground truth sent back for earlier predictions: one {prediction_id, label} or {"labels": [...]}.
Labels must be classes of the deployed classifier, or finite numbers for a regressor; prediction
ids are joined by the monitor, which also counts labels that match no prediction."""
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictFloat, StrictInt, StrictStr, model_validator

from modelops.capture.records import finite_number

from modelops.api.shapes import batch_or_single_schema, wrap_single_item
from modelops.platform.errors import RequestError
from modelops.platform.ids import PREDICTION_ID_PATTERN

MAX_FEEDBACK_LABELS = 1000


def _integral_number_is_an_integer(value: Any) -> Any:
    # JSON has one number type: 1.0 is the integer 1 to JSON Schema (the document's "integer" and an
    # enum of classes [0, 1] both accept it), so the API does too. 1.5 stays a float: a regressor's
    # label, and not a class of any classifier (check_labels refuses it there).
    return int(value) if isinstance(value, float) and value.is_integer() else value


class GroundTruth(BaseModel):
    """One label for one earlier prediction."""
    model_config = ConfigDict(extra="forbid")

    prediction_id: str = Field(pattern=PREDICTION_ID_PATTERN, description="A prediction_id POST /predict returned.")
    label: Annotated[StrictInt | StrictFloat | StrictStr, BeforeValidator(_integral_number_is_an_integer)] = Field(
        description="One of the deployed classifier's classes (GET /model lists them, and GET /openapi.json names "
                    "them in this schema), or the true value for a regressor; any other is a 422 unknown_label.")


class FeedbackRequest(BaseModel):
    """{"labels": [...]} of {prediction_id, label}; one may also be sent alone, without "labels"."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=batch_or_single_schema("labels", "GroundTruth"))

    labels: list[GroundTruth] = Field(min_length=1, max_length=MAX_FEEDBACK_LABELS)

    @model_validator(mode="before")
    @classmethod
    def single_label_is_a_list_of_one(cls, data: Any) -> Any:
        return wrap_single_item(data, "labels")


class UnknownLabels(RequestError):
    status, code = 422, "unknown_label"

    def __init__(self, details: list[dict[str, str]], regression: bool = False):
        super().__init__("Labels must be finite numbers: the deployed model is a regressor." if regression else
                         "Labels must be classes of the deployed model.", details)


def check_labels(request: FeedbackRequest, classes: list[Any], regression: bool = False) -> list[tuple[str, Any]]:
    """(prediction_id, label) pairs, or UnknownLabels naming each label that is not a class (a
    regressor: not a finite number)."""
    if regression:
        details = [{"location": f"labels.{index}.label", "message": f"{item.label!r} is not a number."}
                   for index, item in enumerate(request.labels) if finite_number(item.label) is None]
        if details:
            raise UnknownLabels(details, regression=True)
        return [(item.prediction_id, item.label) for item in request.labels]
    details = [
        {"location": f"labels.{index}.label", "message": f"{item.label!r} is not one of the model's classes {classes}."}
        for index, item in enumerate(request.labels)
        if item.label not in classes or isinstance(item.label, (bool, float))
    ]
    if details:
        raise UnknownLabels(details)
    return [(item.prediction_id, item.label) for item in request.labels]
