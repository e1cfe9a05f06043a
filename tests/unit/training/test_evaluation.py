"""Regression held-out metrics against the best constant of each."""
import numpy as np
import pytest

from training.evaluation import evaluate_regression


class Constant:
    def __init__(self, value: float):
        self.value = value

    def predict(self, features):
        return np.full(len(features), self.value)


def test_the_best_constants_are_the_training_median_for_mae_and_the_mean_for_rmse():
    train = np.array([0.0, 0.0, 0.0, 10.0])  # median 0, mean 2.5
    truth = np.array([0.0, 0.0, 10.0])
    result = evaluate_regression(Constant(0.0), np.zeros((3, 1)), truth, train)
    constant = result["best_constant"]
    assert constant["median"] == 0.0 and constant["mean"] == 2.5
    assert constant["mae"] == pytest.approx(10 / 3)  # answering the median
    assert constant["rmse"] == pytest.approx(np.sqrt((2.5 ** 2 * 2 + 7.5 ** 2) / 3))  # answering the mean
    assert result["model"]["mae"] == constant["mae"]  # the model here is the median constant
