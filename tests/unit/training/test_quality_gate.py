from training.quality_gate import Incumbent, check


def evaluation(model, constant):
    return {"model": model, "best_constant": constant}


GOOD = evaluation({"roc_auc": 0.95, "log_loss": 0.2}, {"roc_auc": 0.5, "log_loss": 0.66})


def test_a_good_model_passes():
    decision = check(GOOD, "roc_auc", 0.8, None, 0.0)
    assert decision.passed and decision.reasons == []


def test_below_threshold_is_refused():
    decision = check(GOOD, "roc_auc", 0.99, None, 0.0)
    assert not decision.passed and "below the threshold" in decision.reasons[0]


def test_log_loss_threshold_is_a_maximum():
    assert check(GOOD, "log_loss", 0.3, None, 0.0).passed
    assert not check(GOOD, "log_loss", 0.1, None, 0.0).passed


def test_no_better_than_constant_is_refused():
    decision = check(evaluation({"roc_auc": 0.5}, {"roc_auc": 0.5}), "roc_auc", 0.0, None, 0.0)
    assert not decision.passed and "best constant" in decision.reasons[0]


def test_worse_than_published_is_refused_unless_within_tolerance():
    incumbent = Incumbent("20261130T090000Z-aaaaaaaa", {"roc_auc": 0.96})
    refused = check(GOOD, "roc_auc", 0.8, incumbent, 0.0)
    assert not refused.passed and "20261130T090000Z-aaaaaaaa" in refused.reasons[0]
    assert check(GOOD, "roc_auc", 0.8, incumbent, 0.02).passed
    assert check(GOOD, "roc_auc", 0.8, Incumbent("v", {"roc_auc": 0.95}), 0.0).passed  # equal is fine


def test_an_incomparable_incumbent_is_refused_with_the_reason():
    decision = check(GOOD, "roc_auc", 0.8, Incumbent("v1", None, "it was trained on different features."), 0.0)
    assert not decision.passed and "different features" in decision.reasons[0]


def test_undefined_metric_is_refused_not_compared():
    decision = check(evaluation({"roc_auc": None}, {"roc_auc": None}), "roc_auc", 0.8, None, 0.0)
    assert not decision.passed and "undefined" in decision.reasons[0]


def test_regression_gates_on_r2_and_on_errors_where_lower_is_better():
    evaluation = {"model": {"r2": 0.45, "mae": 40.0, "rmse": 50.0},
                  "best_constant": {"r2": -0.01, "mae": 60.0, "rmse": 75.0}}
    assert check(evaluation, "r2", 0.3, None, 0.0).passed
    refused = check(evaluation, "mae", 35.0, None, 0.0)
    assert not refused.passed and refused.reasons == ["mae 40.0000 is above the threshold 35.0000."]
    no_better = {"model": {"rmse": 80.0}, "best_constant": {"rmse": 75.0}}
    assert "no better than the best constant predictor (75.0000)" in check(no_better, "rmse", 100.0, None, 0.0).reasons[0]
