"""The shape of a prediction request, validated at the edge before the model runs.

A request is one instance (an object of feature name to number) or {"instances": [...]}.
A feature given as null, or left out, is a missing value: the model's own imputer fills it in,
exactly as it did in training. NaN, Infinity, strings and booleans are refused.
"""
from typing import Annotated, Any, Optional

from pydantic import BaseModel, ConfigDict, Field, StrictFloat, WithJsonSchema, create_model, model_validator

from modelops.api.shapes import batch_or_single_schema, wrap_single_item
from modelops.artifacts.features import FLOAT32_MAX
from modelops.serving.settings import DEFAULT_MAX_BATCH_SIZE

# The range is the schema's as well as the route's (refuse_out_of_range answers 422
# value_out_of_range): a client generated from the document never sends what is refused.
FeatureValue = Annotated[Optional[StrictFloat], WithJsonSchema(
    {"anyOf": [{"type": "number", "minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX}, {"type": "null"}]})]
# The generic document cannot list the names (the committed openapi.json serves any model), so it says
# where they are; the served GET /openapi.json lists them (modelops.api.contract.model_document).
Instance = Annotated[dict[str, FeatureValue], Field(description=(
    "Feature name -> number or null. The names are the deployed model's features: GET /model lists them, "
    "and GET /openapi.json names them in this schema; any other name is a 422 unknown_feature."))]


class PredictRequest(BaseModel):
    """{"instances": [...]}: up to the batch limit of objects of feature name to number or null (null or
    absent: missing, imputed as in training). One instance may also be sent alone, without
    "instances": it is read as a batch of one."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False,
                              json_schema_extra=batch_or_single_schema("instances", "Instance"))

    instances: list[Instance] = Field(min_length=1, max_length=DEFAULT_MAX_BATCH_SIZE)

    @model_validator(mode="before")
    @classmethod
    def single_instance_is_a_batch_of_one(cls, data: Any) -> Any:
        return wrap_single_item(data, "instances")

    def __repr__(self) -> str:
        # Powertools formats its route arguments into a debug message on every request, even with
        # DEBUG off; pydantic's full repr of 100 instances cost about 1 ms of each request.
        return f"PredictRequest(<{len(self.instances)} instances>)"


def predict_request_model(max_batch_size: int) -> type[PredictRequest]:
    """PredictRequest with the deployment's batch limit (MaxBatchSize, ServingSettings): the limit
    is the schema's maxItems, so validation and the served OpenAPI document both say it."""
    if max_batch_size == DEFAULT_MAX_BATCH_SIZE:
        return PredictRequest
    return create_model("PredictRequest", __base__=PredictRequest, __doc__=PredictRequest.__doc__,
                        instances=(list[Instance], Field(min_length=1, max_length=max_batch_size)))
