import pytest
from pydantic import ValidationError

from modelops.api.predict_request import PredictRequest
from modelops.serving.settings import DEFAULT_MAX_BATCH_SIZE as MAX_BATCH_SIZE


def errors(payload: str) -> list[tuple[str, str]]:
    with pytest.raises(ValidationError) as caught:
        PredictRequest.model_validate_json(payload)
    return [(".".join(map(str, e["loc"])), e["type"]) for e in caught.value.errors()]


def test_a_single_instance_is_a_batch_of_one():
    request = PredictRequest.model_validate_json('{"a": 1, "b": 2.5, "c": null}')
    assert request.instances == [{"a": 1.0, "b": 2.5, "c": None}]


def test_batch_form():
    request = PredictRequest.model_validate_json('{"instances": [{"a": 1}, {}]}')
    assert request.instances == [{"a": 1.0}, {}]


@pytest.mark.parametrize(
    "payload, location, kind",
    [
        ('{"a": NaN}', "instances.0.a", "feature_value_type"),
        ('{"a": Infinity}', "instances.0.a", "feature_value_type"),
        ('{"a": 1e400}', "instances.0.a", "feature_value_type"),
        ('{"a": [1]}', "instances.0.a", "feature_value_type"),
        ('{"a": {"b": 1}}', "instances.0.a", "feature_value_type"),
        ('{"instances": []}', "instances", "too_short"),
        ('{"instances": [{"a": 1}], "extra": 1}', "extra", "extra_forbidden"),
        ("[1, 2]", "", "model_type"),
    ],
)
def test_bad_values_are_refused_with_their_location(payload, location, kind):
    assert [(location, kind)] == [error for error in errors(payload) if error[0] == location]


def test_strings_and_booleans_pass_the_schema_for_the_feature_kinds_to_judge():
    """Whether "1.5" or true fits depends on the feature's kind (InputSchema): not refused here."""
    request = PredictRequest.model_validate_json('{"a": "1.5", "b": true, "c": "", "d": 2}')
    assert request.instances == [{"a": "1.5", "b": True, "c": "", "d": 2.0}]


@pytest.mark.parametrize("payload, kind", [
    ('{"a": NaN}', "finite_number"), ('{"a": 1e400}', "finite_number"), ('{"a": "1.5"}', "float_type"),
    ('{"a": true}', "float_type"), ('{"a": [1]}', "float_type"),
])
def test_the_numbers_only_model_refuses_all_but_numbers_and_null(payload, kind):
    """The fast path's model for an all-numeric version: what it refuses goes to the route."""
    from modelops.api.predict_request import predict_request_model

    numbers_only = predict_request_model(MAX_BATCH_SIZE, numbers_only=True)
    assert numbers_only.model_validate_json('{"a": 1, "b": null}').instances == [{"a": 1.0, "b": None}]
    with pytest.raises(ValidationError) as caught:
        numbers_only.model_validate_json(payload)
    assert [(".".join(map(str, e["loc"])), e["type"]) for e in caught.value.errors()] == [("instances.0.a", kind)]


def test_oversize_batches_are_refused():
    batch = ",".join(["{}"] * (MAX_BATCH_SIZE + 1))
    assert ("instances", "too_long") in errors(f'{{"instances": [{batch}]}}')


def test_the_deployments_batch_limit_is_the_schemas():
    from pydantic import ValidationError

    from modelops.api.predict_request import predict_request_model

    limited = predict_request_model(3)
    assert limited.__name__ == "PredictRequest"
    assert limited.model_json_schema()["oneOf"][0]["properties"]["instances"]["maxItems"] == 3
    assert len(limited.model_validate({"instances": [{}] * 3}).instances) == 3
    with pytest.raises(ValidationError):
        limited.model_validate({"instances": [{}] * 4})
    assert len(limited.model_validate({"mean_radius": 1.0}).instances) == 1  # the single form still works
    assert predict_request_model(MAX_BATCH_SIZE) is PredictRequest
