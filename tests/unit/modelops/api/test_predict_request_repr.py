from modelops.api.predict_request import PredictRequest


def test_the_repr_stays_short_however_large_the_batch():
    request = PredictRequest.model_validate({"instances": [{"a": float(i), "b": None} for i in range(100)]})
    assert repr(request) == "PredictRequest(<100 instances>)"
