"""The model card says what the manifest says, and derives its limits from the version's figures."""
from dataclasses import replace

from modelops.statistics.feature_summary import FeatureSummary
from training.model_card import known_limits, render
from training.model_selection import CandidateResult, Selection, choose
from training.publish import build_manifest

CLEANING = {"rows_read": 210, "rows_without_target": 4, "duplicate_rows": 6, "rows_kept": 200,
            "non_numeric_values": {"age": 3}, "missing_values": {"age": 5}, "constant_columns": ["site"]}


def _metrics(passed: bool = True) -> dict:
    model = {"count": 50, "accuracy": 0.9, "precision": 0.8, "recall": 0.7, "f1": 0.75, "roc_auc": 0.93,
             "log_loss": 0.31, "confusion_matrix": [[36, 4], [1, 9]]}
    constant = {"count": 50, "accuracy": 0.8, "precision": 0.0, "recall": 0.0, "f1": 0.0, "roc_auc": 0.5,
                "log_loss": 0.5, "confusion_matrix": [[40, 0], [10, 0]]}
    gate = {"metric": "roc_auc", "threshold": 0.95 if not passed else 0.8, "passed": passed,
            "reasons": [] if passed else ["roc_auc 0.9300 is below the threshold 0.9500."], "compared_with": None}
    return {"model": model, "best_constant": constant, "gate": gate}


def _selection() -> dict:
    results = [CandidateResult("logistic_regression", {"C": 0.5, "class_weight": None}, 0.91, 0.02, 0.004, 0.3, 4),
               CandidateResult("random_forest", {"max_depth": 8}, 0.92, 0.03, 0.2, 9.0, 4)]
    choice = choose(results, "roc_auc")
    return Selection(metric="roc_auc", scoring="roc_auc", folds=4, iterations=4, seed=7, train_rows=150,
                     candidates=[replace(r, verdict=choice.verdicts[r.estimator]) for r in results],
                     best=choice.best, chosen=choice.chosen, reason=choice.reason).to_json()


def _manifest(estimator: str = "logistic_regression", selection: dict | None = None, passed: bool = True,
              missing_rate: float = 0.025):
    features = [FeatureSummary(name="age", count=146, missing_rate=missing_rate, min=18.0, max=90.0, mean=40.0),
                FeatureSummary(name="site", count=150, missing_rate=0.0, min=1.0, max=1.0, mean=1.0)]
    return build_manifest(
        name="churn", artifact=b"model bytes", target="left", classes=[0, 1], features=features,
        metrics=_metrics(passed), cleaning=CLEANING, data_fingerprint="ab" * 32,
        training={"source": "churn.csv", "estimator": estimator, "params": {}, "selection": selection,
                  "test_size": 0.25, "seed": 7, "train_rows": 150, "test_rows": 50, "fit_seconds": 0.01},
    )


def test_data_and_cleaning_summary():
    card = render(_manifest(selection=_selection()))
    assert card.startswith("# Model card: churn ")
    assert "rows read: 210; dropped without a target: 4; exact duplicates (dropped): 6; kept: 200" in card
    assert "values in numeric columns that were not numbers, made missing: 3 (age: 3)" in card
    assert "constant columns (kept): site" in card
    assert "150 training rows, 50 held-out rows (stratified, test size 0.25, seed 7)" in card


def test_auto_selection_shows_the_table_the_reason_and_the_tuned_parameters():
    selection = _selection()
    card = render(_manifest(selection=selection))
    assert "| candidate | best parameters | roc_auc mean ± std | fit s/fold | search s | chosen / why |" in card
    assert ("| logistic_regression | C=0.5, class_weight=None | 0.9100 ± 0.0200 | 0.004 | 0.3 "
            "| chosen by the simplicity rule") in card
    assert "| random_forest | max_depth=8 | 0.9200 ± 0.0300 |" in card
    assert selection["reason"] in card and "within one standard deviation" in selection["reason"]
    assert "Tuned parameters: C=0.5, class_weight=None" in card
    assert "4-fold stratified cross-validation on the 150 training rows only" in card
    assert "estimator given by the user" not in card.lower()


def test_a_user_given_estimator_is_said_to_be_so():
    card = render(_manifest(estimator="random_forest"))
    assert "Estimator given by the user (`--estimator random_forest`)" in card
    assert "| candidate |" not in card


def test_held_out_metrics_against_the_best_constant_and_the_confusion_matrix():
    card = render(_manifest())
    assert "| roc_auc | 0.9300 | 0.5000 |" in card
    assert "| log_loss | 0.3100 | 0.5000 |" in card
    assert "positive class 1" in card
    assert "| 0 | 36 | 4 |" in card and "| 1 | 1 | 9 |" in card


def test_quality_gate_result_passed_and_forced():
    assert "Result: **passed**." in render(_manifest())
    forced = render(_manifest(passed=False))
    assert "Result: **refused**, published anyway with `--force`" in forced
    assert "- roc_auc 0.9300 is below the threshold 0.9500." in forced


def test_library_versions_are_those_of_the_manifest():
    manifest = _manifest()
    card = render(manifest)
    assert f"- scikit_learn: {manifest.libraries.scikit_learn}" in card
    assert f"- numpy: {manifest.libraries.numpy}" in card
    assert "refuses to load this artifact under other versions of scikit-learn, numpy, joblib" in card


def test_known_limits_come_from_the_versions_own_figures():
    limits = "\n".join(known_limits(_manifest(selection=_selection())))
    assert "rest on 50 rows: one row classified differently moves accuracy by 2.00%" in limits
    assert "Held-out class counts: 0: 40 (80%), 1: 10 (20%)" in limits
    assert "The smallest class, 1, has 10 held-out rows" in limits
    assert "already scores accuracy 0.8000" in limits
    assert "standard deviation of 0.0200" in limits  # the chosen candidate's, not the best's
    assert "1 of 2 features had missing values in the training split (most: age, 2%)" in limits
    assert "learned nothing from them: site" in limits
    assert "the linear model extends the trend it learned" in limits


def test_limits_follow_the_model_family_and_the_absence_of_missing_values():
    limits = "\n".join(known_limits(_manifest(estimator="hist_gradient_boosting", missing_rate=0.0)))
    assert "its trees answer as at the nearest value they saw" in limits
    assert "No feature had a missing value in the training split" in limits
    assert "cross-validation folds" not in limits  # no selection, no fold spread to report


def test_more_than_two_classes_are_described_as_macro_averages():
    manifest = _manifest().model_copy(update={"classes": ["a", "b", "c"]})
    manifest.metrics["model"]["confusion_matrix"] = [[10, 0, 0], [0, 20, 0], [1, 0, 19]]
    card = render(manifest)
    assert "macro averages over the classes (ROC AUC one-vs-rest)" in card
    assert "| 'c' | 1 | 0 | 19 |" in card
    assert "The smallest class, 'a', has 10 held-out rows" in card
