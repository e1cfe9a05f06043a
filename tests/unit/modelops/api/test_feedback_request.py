import pytest
from pydantic import ValidationError

from modelops.api.feedback_request import FeedbackRequest, UnknownLabels, check_labels

ID = "0123456789abcdef0123456789abcdef"


def test_one_label_or_a_list():
    assert check_labels(FeedbackRequest.model_validate({"prediction_id": ID, "label": 1}), [0, 1]) == [(ID, 1)]
    request = FeedbackRequest.model_validate({"labels": [{"prediction_id": ID, "label": "yes"}]})
    assert check_labels(request, ["no", "yes"]) == [(ID, "yes")]


@pytest.mark.parametrize("label", [2, "1", True])
def test_labels_must_be_classes_of_the_model(label):
    try:
        request = FeedbackRequest.model_validate({"prediction_id": ID, "label": label})
    except ValidationError:
        return  # refused earlier, by type: also fine
    with pytest.raises(UnknownLabels) as caught:
        check_labels(request, [0, 1])
    assert caught.value.details[0]["location"] == "labels.0.label"


@pytest.mark.parametrize(
    "payload",
    [{"prediction_id": "short", "label": 1}, {"label": 1}, {"labels": []}, {"prediction_id": ID, "label": [1]},
     {"prediction_id": ID, "label": 1, "extra": 0}],
)
def test_malformed_feedback_is_refused(payload):
    with pytest.raises(ValidationError):
        FeedbackRequest.model_validate(payload)


def test_a_fractional_label_is_no_class_of_a_classifier():
    request = FeedbackRequest.model_validate({"prediction_id": ID, "label": 1.5})
    with pytest.raises(UnknownLabels, match="classes of the deployed model"):
        check_labels(request, [0, 1])


@pytest.mark.parametrize("label, accepted", [(151.7, True), (3, True), (-0.5, True), ("151.7", False)])
def test_a_regressors_labels_are_finite_numbers(label, accepted):
    request = FeedbackRequest.model_validate({"prediction_id": ID, "label": label})
    if accepted:
        assert check_labels(request, [], regression=True) == [(ID, label)]
    else:
        with pytest.raises(UnknownLabels, match="the deployed model is a regressor") as refused:
            check_labels(request, [], regression=True)
        assert refused.value.details[0]["location"] == "labels.0.label"


def test_a_boolean_label_is_refused_by_type():
    with pytest.raises(ValidationError):
        FeedbackRequest.model_validate({"prediction_id": ID, "label": True})
