"""The shape of a prediction request, validated at the edge before the model runs.

A request is one instance (an object of feature name to value) or {"instances": [...]}. A value
is a number, a string, a boolean or null; which of them a feature takes is its kind's business,
known from the deployed manifest and checked by modelops.artifacts.features.InputSchema (a
number for a numeric feature, true/false too for a boolean one, a category string for a
categorical one). A feature given as null, or left out, is a missing value: the model's own
imputer fills it in, exactly as it did in training. NaN, Infinity, arrays and objects are refused.

Two request models with the same JSON: PredictRequest (any value type: the route's, and the
document's) and, for the fast path of an all-numeric model, one whose values are numbers or null
only (`numbers_only=True`), validated as fast as before categorical features existed: a body it
refuses goes to the route, which answers with the first model and the kind checks.
"""
from typing import Annotated, Any, Optional, Union

from pydantic import (BaseModel, ConfigDict, Field, GetCoreSchemaHandler, GetPydanticSchema, StrictBool, StrictFloat,
                      StrictStr, WithJsonSchema, create_model, model_validator)
from pydantic_core import CoreSchema

from modelops.api.shapes import batch_or_single_schema, wrap_single_item
from modelops.artifacts.features import FLOAT32_MAX, MAX_INTEGER_CODE, integer_coded
from modelops.statistics.feature_summary import FeatureSummary
from modelops.serving.settings import DEFAULT_MAX_BATCH_SIZE

# The range is the schema's as well as the route's (refuse_out_of_range answers 422
# value_out_of_range): a client generated from the document never sends what is refused.
NUMBER_SCHEMA = {"type": "number", "minimum": -FLOAT32_MAX, "maximum": FLOAT32_MAX}
NumberValue = Annotated[Optional[StrictFloat], WithJsonSchema({"anyOf": [NUMBER_SCHEMA, {"type": "null"}]})]


def _one_error_per_value(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    """The union below, tried left to right (a number is tried as a float first and taken there;
    an integer becomes a float, as it always did), and one error per refused value at the value's
    own location, instances.0.name, not one per member at instances.0.name.float, .str, .bool."""
    schema = handler(source)
    union = schema["schema"] if schema["type"] == "nullable" else schema
    union.update(mode="left_to_right", custom_error_type="feature_value_type",
                 custom_error_message="Input should be a finite number, a string, a boolean or null")
    return schema


FeatureValue = Annotated[Optional[Union[StrictFloat, StrictStr, StrictBool]], GetPydanticSchema(_one_error_per_value),
                         WithJsonSchema({"anyOf": [NUMBER_SCHEMA, {"type": "string"}, {"type": "boolean"},
                                                   {"type": "null"}]})]
# The generic document cannot list the names (the committed openapi.json serves any model), so it says
# where they are; the served GET /openapi.json lists them with each one's type (modelops.api.contract.model_document).
INSTANCE_DESCRIPTION = (
    "Feature name -> value: a number for a numeric feature; a number or true/false for a boolean one; a string "
    "for a categorical one (an integer too where every category is an integer); null (or \"\" for a category) for "
    "a missing value. The names and types are the deployed model's features: GET /model lists them, and GET "
    "/openapi.json describes each in this schema; any other name is a 422 unknown_feature, a value of another "
    "type a 422 validation_error.")
Instance = Annotated[dict[str, FeatureValue], Field(description=INSTANCE_DESCRIPTION)]
NumberInstance = Annotated[dict[str, NumberValue], Field(description=INSTANCE_DESCRIPTION)]


class PredictRequest(BaseModel):
    """{"instances": [...]}: up to the batch limit of objects of feature name to value (null or
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


def predict_request_model(max_batch_size: int, numbers_only: bool = False) -> type[PredictRequest]:
    """PredictRequest with the deployment's batch limit (MaxBatchSize, ServingSettings): the limit
    is the schema's maxItems, so validation and the served OpenAPI document both say it.
    numbers_only: the fast path's model for an all-numeric model (module docstring)."""
    if max_batch_size == DEFAULT_MAX_BATCH_SIZE and not numbers_only:
        return PredictRequest
    return create_model("PredictRequest", __base__=PredictRequest, __doc__=PredictRequest.__doc__,
                        instances=(list[NumberInstance if numbers_only else Instance],
                                   Field(min_length=1, max_length=max_batch_size)))


# Categories listed per feature in the served document (GET /model lists every one): enough to
# show what to send, bounded for a column with thousands of values.
MAX_DOCUMENTED_CATEGORIES = 100


def feature_value_schema(feature: FeatureSummary) -> dict[str, Any]:
    """What one feature of the deployed model takes, as JSON Schema: exactly what
    modelops.artifacts.features.InputSchema accepts for its kind, so a client generated from the
    served document sends what is scored (the schema fuzzer holds the two to it)."""
    null = {"type": "null"}
    if feature.kind == "numeric":
        return {"anyOf": [NUMBER_SCHEMA, null], "description": "Numeric."}
    if feature.kind == "boolean":
        return {"anyOf": [NUMBER_SCHEMA, {"type": "boolean"}, null], "description": "Boolean: true or false (or 1, 0)."}
    categories = [category.value for category in feature.categories or ()]
    listed = categories[:MAX_DOCUMENTED_CATEGORIES]
    more = f" (and {len(categories) - len(listed)} more: GET /model lists them)" if len(categories) > len(listed) else ""
    forms = [{"type": "string"}]
    if integer_coded(feature):
        forms.append({"type": "integer", "exclusiveMinimum": -MAX_INTEGER_CODE, "exclusiveMaximum": MAX_INTEGER_CODE})
    return {"anyOf": [*forms, null], "examples": listed,
            "description": (f"Categorical{': a category, or its integer code' if len(forms) > 1 else ''}. Training saw, "
                            f"most frequent first: {', '.join(map(repr, listed)) or 'none'}{more}. Another value is "
                            "scored as a category training never saw (as a rare one is) and flagged in the "
                            "prediction's `warnings`; \"\" or null is a missing value.")}
