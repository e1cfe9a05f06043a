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
        ('{"a": NaN}', "instances.0.a", "finite_number"),
        ('{"a": Infinity}', "instances.0.a", "finite_number"),
        ('{"a": 1e400}', "instances.0.a", "finite_number"),
        ('{"a": "1.5"}', "instances.0.a", "float_type"),
        ('{"a": true}', "instances.0.a", "float_type"),
        ('{"a": [1]}', "instances.0.a", "float_type"),
        ('{"instances": []}', "instances", "too_short"),
        ('{"instances": [{"a": 1}], "extra": 1}', "extra", "extra_forbidden"),
        ("[1, 2]", "", "model_type"),
    ],
)
def test_bad_values_are_refused_with_their_location(payload, location, kind):
    assert (location, kind) in errors(payload)


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
