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
