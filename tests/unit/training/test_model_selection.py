"""Cross-validated model selection: budget, held-out isolation, reproducibility, the tie rule."""
import json
from dataclasses import replace

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split

from training.cleaning import clean
from training.data import load_bundled
from training.model_selection import (CandidateResult, SelectionImpossible, SelectionSettings, choose, describe,
                                      scoring_for, select)
from training.pipeline import CANDIDATES, simplicity

ESTIMATORS, SIMPLICITY = CANDIDATES["classification"], simplicity("classification")

# Small enough to keep the suite fast, large enough to exercise every candidate and fold.
SMALL = SelectionSettings(metric="roc_auc", folds=3, iterations=2, seed=42)
TIMINGS = {"fit_seconds", "search_seconds"}


def _rows(matrix: np.ndarray) -> set[bytes]:
    return {row.tobytes() for row in np.ascontiguousarray(matrix, dtype=np.float64)}


@pytest.fixture(scope="module")
def split():
    dataset, _ = clean(load_bundled())
    return train_test_split(dataset.features, dataset.labels, test_size=0.25, random_state=42, stratify=dataset.labels)


@pytest.fixture(scope="module")
def spied(split):
    """Selection on the bundled training split, with every matrix any candidate pipeline was
    fitted on or scored on recorded: all of them pass through the pipeline's imputer."""
    x_train, _, y_train, _ = split
    fitted, transformed = [], []
    real_fit, real_transform = SimpleImputer.fit, SimpleImputer.transform

    def fit(self, X, y=None):
        fitted.append(np.array(X))
        return real_fit(self, X, y)

    def transform(self, X):
        transformed.append(np.array(X))
        return real_transform(self, X)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SimpleImputer, "fit", fit)
        patch.setattr(SimpleImputer, "transform", transform)
        selection = select(x_train, y_train, SMALL)
    return selection, fitted, transformed


def test_selection_on_the_bundled_data_picks_a_candidate_with_a_complete_table(spied):
    selection, _, _ = spied
    assert selection.chosen in ESTIMATORS
    assert [c.estimator for c in selection.candidates] == list(SIMPLICITY)
    for candidate in selection.candidates:
        assert 0.9 < candidate.mean <= 1.0 and 0.0 <= candidate.std < 0.1  # ROC AUC on an easy data set
        assert candidate.best_params and candidate.fit_seconds > 0 and candidate.verdict
    assert selection.scoring == "roc_auc" and selection.train_rows == 426
    json.dumps(selection.to_json())  # stored in the manifest as is
    assert selection.chosen in selection.reason


def test_the_budget_is_draws_times_folds_per_candidate_and_nothing_more(spied):
    selection, fitted, _ = spied
    assert all(c.draws == SMALL.iterations for c in selection.candidates)
    # No refit on the whole split: training fits only the chosen candidate, once.
    assert len(fitted) == len(SIMPLICITY) * SMALL.iterations * SMALL.folds


def test_selection_never_fits_or_scores_a_held_out_row(split, spied):
    x_train, x_test, _, _ = split
    _, fitted, transformed = spied
    train_rows, held_out_rows = _rows(x_train), _rows(x_test)
    assert len(held_out_rows) == len(x_test)  # rows are distinct, so identity by value is sound
    seen = set().union(*map(_rows, fitted + transformed))
    assert seen and not seen & held_out_rows
    assert seen == train_rows  # every training row served in some fold


def test_same_seed_gives_the_same_table_and_choice(split, spied):
    x_train, _, y_train, _ = split
    first, _, _ = spied
    again = select(x_train, y_train, SMALL)

    def without_timings(selection):
        table = selection.to_json()
        table["candidates"] = [{k: v for k, v in c.items() if k not in TIMINGS} for c in table["candidates"]]
        return table

    assert without_timings(again) == without_timings(first)


def test_the_printed_table_has_every_candidate_its_figures_and_the_choice(spied):
    selection, _, _ = spied
    text = "\n".join(describe(selection.to_json()))
    assert "roc_auc mean ± std" in text and "3-fold stratified CV on the 426 training rows" in text
    for candidate in selection.candidates:
        assert f"{candidate.mean:.4f} ± {candidate.std:.4f}" in text
        assert candidate.verdict in text
    assert f"Chosen: {selection.chosen}." in text


def test_build_chosen_applies_the_winning_parameters(spied):
    selection, _, _ = spied
    model = selection.build_chosen().named_steps["model"]
    assert type(model) is type(ESTIMATORS[selection.chosen].build(0))
    assert {key: model.get_params()[key] for key in selection.chosen_params()} == selection.chosen_params()


def _result(estimator: str, mean: float, std: float) -> CandidateResult:
    return CandidateResult(estimator, {}, mean, std, fit_seconds=0.1, search_seconds=1.0, draws=1)


def test_a_simpler_model_within_one_std_of_the_best_is_chosen():
    choice = choose([_result("logistic_regression", 0.935, 0.01), _result("hist_gradient_boosting", 0.94, 0.01),
                     _result("random_forest", 0.95, 0.02)], "roc_auc")
    assert (choice.best, choice.chosen) == ("random_forest", "logistic_regression")
    assert choice.verdicts["logistic_regression"].startswith("chosen by the simplicity rule")
    assert "logistic_regression is within 1 std and simpler" in choice.verdicts["random_forest"]
    assert "but logistic_regression is simpler" in choice.verdicts["hist_gradient_boosting"]
    assert "within one standard deviation" in choice.reason


def test_outside_one_std_the_rule_moves_to_the_next_simplest_in_the_band():
    choice = choose([_result("logistic_regression", 0.92, 0.01), _result("hist_gradient_boosting", 0.94, 0.01),
                     _result("random_forest", 0.95, 0.02)], "roc_auc")
    assert choice.chosen == "hist_gradient_boosting"
    assert choice.verdicts["logistic_regression"] == "0.0300 below the best, more than its std"


def test_a_clear_winner_is_chosen_for_its_mean():
    choice = choose([_result("logistic_regression", 0.90, 0.01), _result("random_forest", 0.95, 0.01)], "roc_auc")
    assert choice.chosen == choice.best == "random_forest"
    assert choice.verdicts["random_forest"] == "chosen: best mean roc_auc"
    assert "no simpler candidate is within one standard deviation" in choice.reason


def test_for_log_loss_lower_is_better_and_the_band_lies_above_the_best():
    near = choose([_result("logistic_regression", 0.115, 0.01), _result("random_forest", 0.10, 0.02)], "log_loss")
    assert (near.best, near.chosen) == ("random_forest", "logistic_regression")
    far = choose([_result("logistic_regression", 0.13, 0.01), _result("random_forest", 0.10, 0.02)], "log_loss")
    assert far.chosen == "random_forest"
    assert far.verdicts["logistic_regression"] == "0.0300 above the best, more than its std"


def test_an_exact_tie_goes_to_the_simpler_model():
    choice = choose([_result("random_forest", 0.96, 0.0), _result("hist_gradient_boosting", 0.96, 0.0)], "f1")
    assert choice.best == choice.chosen == "hist_gradient_boosting"


def test_metric_variants_for_two_and_more_classes():
    assert scoring_for("roc_auc", np.array([0, 1]))[1] == "roc_auc"
    assert scoring_for("roc_auc", np.array([0, 1, 2]))[1] == "roc_auc_ovr"
    assert scoring_for("f1", np.array([0, 1, 2]))[1] == "f1_macro"
    assert scoring_for("f1", np.array(["no", "yes"]))[1] == "f1 (positive class 'yes')"
    assert scoring_for("log_loss", np.array([0, 1]))[0] == "neg_log_loss"


@pytest.mark.parametrize("metric,scoring", [("roc_auc", "roc_auc_ovr"), ("f1", "f1_macro"), ("log_loss", "log_loss")])
def test_three_string_classes_select_with_each_metric(metric, scoring):
    iris = load_iris()
    labels = np.array([iris.target_names[i] for i in iris.target], dtype=object)
    selection = select(iris.data, labels, SelectionSettings(metric, folds=3, iterations=1),
                       candidates=("logistic_regression", "hist_gradient_boosting"))
    assert selection.scoring == scoring
    for candidate in selection.candidates:
        # log loss is reported as a loss (positive), the others as scores in [0, 1]
        assert candidate.mean > 0 and (metric == "log_loss" or candidate.mean <= 1)


def test_binary_string_labels_score_f1_on_the_second_class():
    iris = load_iris()
    labels = np.where(iris.target == 0, "yes", "no").astype(object)
    selection = select(iris.data, labels, SelectionSettings("f1", folds=3, iterations=1),
                       candidates=("logistic_regression",))
    assert selection.scoring == "f1 (positive class 'yes')"
    assert selection.candidates[0].mean == pytest.approx(1.0)  # setosa is linearly separable


def test_a_class_smaller_than_the_folds_is_refused_with_advice():
    features = np.arange(40, dtype=np.float64).reshape(20, 2)
    labels = np.array([0] * 17 + [1] * 3, dtype=object)
    with pytest.raises(SelectionImpossible, match="smallest class has 3 rows.*--cv-folds 3"):
        select(features, labels, SelectionSettings(folds=5))


def test_an_unknown_metric_is_refused():
    with pytest.raises(SelectionImpossible, match="roc_auc, log_loss, f1"):
        select(np.zeros((10, 1)), np.array([0, 1] * 5, dtype=object), SelectionSettings(metric="accuracy"))


def _regression(rows: int = 120, seed: int = 0):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(rows, 3))
    return features, features @ np.array([3.0, -2.0, 0.0]) + rng.normal(scale=0.5, size=rows)


def test_regression_selects_by_a_regression_metric_on_plain_folds():
    features, targets = _regression()
    settings = SelectionSettings("rmse", folds=3, iterations=2, task="regression")
    selection = select(features, targets, settings)
    assert [c.estimator for c in selection.candidates] == ["ridge", "hist_gradient_boosting", "random_forest"]
    assert selection.chosen == "ridge"  # the truth is linear
    ridge = selection.candidates[0]
    assert 0.3 < ridge.mean < 1.0  # RMSE as a loss, near the noise's 0.5
    assert "3-fold CV on the 120 training rows" in "\n".join(describe(selection.to_json()))
    with pytest.raises(SelectionImpossible, match="Unknown regression selection metric 'roc_auc'; choose one of r2"):
        select(features, targets, SelectionSettings("roc_auc", task="regression"))


def test_large_training_splits_are_searched_on_a_seeded_stratified_sample(split):
    x_train, _, y_train, _ = split
    settings = replace(SMALL, search_rows=200)
    first = select(x_train, y_train, settings, candidates=("logistic_regression",))
    again = select(x_train, y_train, settings, candidates=("logistic_regression",))
    assert (first.search_rows, first.train_rows) == (200, 426)
    assert first.candidates[0].mean == again.candidates[0].mean
    assert "a seeded sample of 200 of the 426 training rows" in "\n".join(describe(first.to_json()))


def test_the_table_does_not_depend_on_how_many_fits_run_at_once(split):
    x_train, _, y_train, _ = split
    one = select(x_train, y_train, replace(SMALL, jobs=1), candidates=("logistic_regression", "random_forest"))
    two = select(x_train, y_train, replace(SMALL, jobs=2), candidates=("logistic_regression", "random_forest"))
    assert [(c.best_params, c.mean, c.std) for c in one.candidates] == [(c.best_params, c.mean, c.std)
                                                                        for c in two.candidates]


def test_progress_names_the_candidate_draw_fold_elapsed_and_what_is_left(split):
    x_train, _, y_train, _ = split
    lines = []
    select(x_train, y_train, SMALL, candidates=("logistic_regression",), progress=lines.append)
    assert lines[-1].startswith("selection 1/1 logistic_regression: draw ")
    assert "6/6 fits" in lines[-1] and "s elapsed" in lines[-1]
