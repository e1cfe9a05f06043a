"""Why one prediction came out as it did: signed contributions per original feature, largest first.

The method is chosen at training time and stored in the manifest (`Manifest.explainer`), with
every number it needs, so the scikit-learn and the ONNX runtime explain with the same numbers and
neither needs the other's library. Each contribution is measured from a baseline row: a numeric
feature at its training mean (linear_exact) or median (baseline_substitution), a categorical
feature at its most frequent training category (the mode).

- linear_exact: logistic regression (or ridge) behind the median imputer and standard scaler, and
  for categorical features a one-hot encoder. A numeric feature contributes
  w_cj * (x_j - mean_j) / scale_j, with x_j after imputation; a categorical feature
  w_c[x_j] - w_c[mode_j], its one-hot terms summed back to the feature (a category without a
  column, rare or never seen, has weight 0). baseline_value (the decision value of the baseline
  row: the intercept plus the modes' weights) plus every contribution is the decision value for
  the explained output: with two classes the log-odds of the predicted class c (scikit-learn's
  decision_function, negated when c is the first class), with more the class's column of
  decision_function (its multinomial score), for a regressor the predicted value. Exact, no sampling.
- baseline_substitution: any other estimator. contribution_j = f(x) - f(x with feature j set to
  its baseline), f the probability of the predicted class (a regressor: the predicted value, in
  the target's units): how much the output would move if that one feature were typical. A whole
  request goes to the model as one extra batch (see MAX_SUBSTITUTION_ROWS). Not additive:
  interactions between features are not attributed, so `remainder` is null.

numpy and pydantic only: this runs on the ONNX runtime, where scikit-learn is not installed.
"""
from typing import Callable, Literal

import numpy as np
from pydantic import BaseModel, Field

from modelops.artifacts.explainer_spec import ExplainerSpec, Method
from modelops.artifacts.features import InputSchema
from modelops.artifacts.manifest import Label
from modelops.serving.scoring import UnscorableInstances

Output = Literal["log_odds", "class_score", "probability", "value"]

DEFAULT_TOP_K = 5
MAX_TOP_K = 100
# Rows per substitution batch (instances x features + 1). 100 instances of 30 features fit in one
# batch; the bound keeps memory flat for data sets with thousands of features.
MAX_SUBSTITUTION_ROWS = 20_000


class UnexplainableInstances(UnscorableInstances):
    row_message = "Values too large to explain."


class Contribution(BaseModel):
    feature: str
    value: float | str = Field(description="The value the model used: the request's, or the training median when a "
                                           "number was missing; a categorical feature's category (\"\" missing).")
    imputed: bool = Field(description="True when the request left the feature out or sent null (or \"\" for a "
                                      "categorical feature).")
    baseline: float | str = Field(description="The value this contribution is measured from: the training mean "
                                              "(linear_exact) or the training median (baseline_substitution); for a "
                                              "categorical feature its most frequent training category.")
    contribution: float = Field(description="Signed push toward (+) or away from (-) the explained class (a regressor: "
                                            "up or down), in `output` units.")


class Explanation(BaseModel):
    method: Method
    label: Label | None = Field(description="The class explained: the predicted label (null for a regressor).")
    output: Output = Field(description="What value, baseline_value and the contributions measure: log_odds of "
                                       "the label (two classes, linear_exact), the label's class_score "
                                       "(decision_function column, more classes, linear_exact), its "
                                       "probability (baseline_substitution), or a regressor's predicted value "
                                       "in the target's units.")
    value: float = Field(description="The output for this instance.")
    baseline_value: float = Field(description="The output with every feature at its baseline (linear_exact: the "
                                              "intercept, plus the weights of the categorical features' modes).")
    contributions: list[Contribution] = Field(description="The top_k features by |contribution|, largest first.")
    remainder: float | None = Field(description="linear_exact: the sum of the contributions not listed, so that "
                                                "baseline_value + sum(contributions) + remainder == value. "
                                                "baseline_substitution: null (not additive).")


# The model's outputs for a batch of rows: (rows, classes) probabilities, or (rows, 1) a regressor's values.
Score = Callable[[np.ndarray], np.ndarray]


class Explainer:
    """Explains predictions of one model version (its spec, its input schema and classes; no
    classes: a regressor)."""

    def __init__(self, spec: ExplainerSpec, inputs: InputSchema, classes: list[Label]):
        self.numeric, self.categorical = inputs.numeric, inputs.categorical
        if len(spec.medians) != len(self.numeric) or len(spec.modes) != len(self.categorical):
            raise ValueError(f"explainer has {len(spec.medians)} numeric and {len(spec.modes)} categorical features, "
                             f"the model {len(self.numeric)} and {len(self.categorical)}")
        self.spec = spec
        self.inputs = inputs
        self.names = inputs.names
        self.classes = classes
        self.medians = np.asarray(spec.medians, dtype=np.float64)
        # Substitution's baseline row, in the pipeline's input form: medians and modes.
        self.baselines = inputs.missing_rows(1)[0]
        self.baselines[self.numeric] = self.medians
        self.baselines[self.categorical] = spec.modes
        if spec.linear is not None:
            # The linear baseline row shown beside each contribution: means and modes.
            self.linear_baselines = self.baselines.copy()
            self.linear_baselines[self.numeric] = spec.linear.means
            # Per categorical feature: category -> its one-hot column; a category without one is
            # the extra last column of its weight table, all zeros.
            self.positions = [{category: column for column, category in enumerate(terms.categories)}
                              for terms in spec.linear.categorical]
            self.tables = [np.column_stack([np.asarray(terms.coefficients, dtype=np.float64),
                                            np.zeros(len(spec.linear.intercepts))])
                           for terms in spec.linear.categorical]

    def explain(self, matrix: np.ndarray, outputs: np.ndarray, winners: np.ndarray | None, score: Score,
                top_k: int = DEFAULT_TOP_K) -> list[Explanation]:
        """One explanation per row of `matrix` (the pipeline's input: NaN or "" missing) of the output
        the API returned: a classifier's class at index winners[row] of `classes`, whose probabilities
        are outputs[row]; a regressor's value outputs[row, 0] (winners None). score is only called
        by baseline_substitution."""
        chosen = np.zeros(len(matrix), dtype=np.intp) if winners is None else np.asarray(winners, dtype=np.intp)
        used, missing = self._used(matrix)
        if self.spec.method == "linear_exact":
            with np.errstate(over="ignore", invalid="ignore"):  # absurd values overflow: refused below
                output, baselines, base_values, values, contributions = self._linear(used, chosen)
        else:
            output, baselines, base_values, values, contributions = self._substitution(matrix, outputs, chosen, score)
        # A scorable row can still overflow here: two features near 1e308 each contribute a finite
        # term whose sum is inf. JSON has no inf, so such rows are refused like unscorable ones.
        finite = np.isfinite(contributions).all(axis=1) & np.isfinite(values) & np.isfinite(base_values)
        if not finite.all():
            raise UnexplainableInstances(np.flatnonzero(~finite).tolist())
        return [
            self._top(output, None if winners is None else chosen[row], used[row], missing[row], baselines,
                      float(base_values[row]), float(values[row]), contributions[row], top_k)
            for row in range(matrix.shape[0])
        ]

    def _used(self, matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(the values the model used: missing numbers as their medians; which values were missing)."""
        if not self.categorical:
            missing = np.isnan(matrix)
            return np.where(missing, self.medians, matrix), missing
        numbers = np.asarray(matrix[:, self.numeric], dtype=np.float64)
        missing = np.zeros(matrix.shape, dtype=bool)
        missing[:, self.numeric] = np.isnan(numbers)
        missing[:, self.categorical] = matrix[:, self.categorical] == ""
        used = matrix.copy()
        used[:, self.numeric] = np.where(np.isnan(numbers), self.medians, numbers)
        return used, missing

    def _linear(self, used: np.ndarray, chosen: np.ndarray) -> tuple[Output, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        terms = self.spec.linear
        numbers = np.asarray(used[:, self.numeric], dtype=np.float64)
        standardized = (numbers - np.asarray(terms.means, dtype=np.float64)) / np.asarray(terms.scales, dtype=np.float64)
        weights = np.asarray(terms.coefficients, dtype=np.float64)
        intercepts = np.asarray(terms.intercepts, dtype=np.float64)
        if not self.classes:  # a regressor: one row, its predicted value
            sign, row, output = np.ones(len(used)), np.zeros(len(used), dtype=np.intp), "value"
        elif weights.shape[0] == 1:
            # Two classes: scikit-learn keeps one row, the log-odds of classes[1]; the log-odds of
            # classes[0] is its negative, so explaining the predicted class flips the sign.
            sign, row, output = np.where(chosen == 1, 1.0, -1.0), np.zeros(len(used), dtype=np.intp), "log_odds"
        else:
            sign, row, output = np.ones(len(used)), chosen, "class_score"
        contributions = np.empty(used.shape, dtype=np.float64)
        contributions[:, self.numeric] = sign[:, None] * standardized * weights[row]
        at_modes = np.zeros(len(used))
        for table, positions, mode, index in zip(self.tables, self.positions, self.spec.modes, self.categorical):
            columns = np.array([positions.get(value, len(positions)) for value in used[:, index].tolist()], dtype=np.intp)
            mode_weights = table[row, positions.get(mode, len(positions))]
            contributions[:, index] = sign * (table[row, columns] - mode_weights)
            at_modes += mode_weights
        base_values = sign * (intercepts[row] + at_modes)
        return output, self.linear_baselines, base_values, base_values + contributions.sum(axis=1), contributions

    def _substitution(self, matrix: np.ndarray, outputs: np.ndarray, chosen: np.ndarray,
                      score: Score) -> tuple[Output, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rows, width = matrix.shape
        per_batch = max(1, (MAX_SUBSTITUTION_ROWS - 1) // width)
        substituted = np.empty((rows, width), dtype=np.float64)
        baseline_outputs = None
        for start in range(0, rows, per_batch):
            chunk = matrix[start:start + per_batch]
            # Each instance repeated once per feature, with that feature set to its baseline, and a
            # last row with every feature at its baseline (baseline_value; the first chunk's is used).
            # One model call per chunk, and one chunk for any request within the batch limit.
            batch = np.repeat(chunk, width, axis=0)
            position = np.arange(batch.shape[0])
            batch[position, position % width] = self.baselines[position % width]
            scored = score(np.vstack([batch, self.baselines[None, :]]))
            baseline_outputs = scored[-1] if baseline_outputs is None else baseline_outputs
            picked = chosen[start:start + per_batch]
            per_feature = scored[:-1].reshape(len(chunk), width, -1)
            substituted[start:start + len(chunk)] = per_feature[np.arange(len(chunk)), :, picked]
        values = outputs[np.arange(rows), chosen]
        output: Output = "probability" if self.classes else "value"
        return output, self.baselines, baseline_outputs[chosen], values, values[:, None] - substituted

    def _top(self, output: Output, winner: int | None, used: np.ndarray, missing: np.ndarray, baselines: np.ndarray,
             base_value: float, value: float, contributions: np.ndarray, top_k: int) -> Explanation:
        # Stable: equal contributions keep the training column order, so answers are reproducible.
        order = np.argsort(-np.abs(contributions), kind="stable")
        shown, rest = order[:top_k], order[top_k:]
        additive = self.spec.method == "linear_exact"
        return Explanation(
            method=self.spec.method,
            label=None if winner is None else self.classes[int(winner)],
            output=output,
            value=value,
            baseline_value=base_value,
            contributions=[
                Contribution(feature=self.names[j], value=_plain(used[j]), imputed=bool(missing[j]),
                             baseline=_plain(baselines[j]), contribution=float(contributions[j]))
                for j in shown
            ],
            remainder=float(contributions[rest].sum()) if additive else None,
        )


def _plain(value: object) -> float | str:
    """A category stays its string; a number becomes a Python float."""
    return value if isinstance(value, str) else float(value)


def linear_decision_values(spec: ExplainerSpec, inputs: InputSchema, classes: list[Label],
                           matrix: np.ndarray) -> np.ndarray:
    """The decision values the linear terms give, in scikit-learn's shape (decision_function; a
    regressor's predict): what training checks against the pipeline before storing the terms."""
    explainer = Explainer(spec, inputs, classes)
    used, _ = explainer._used(matrix)
    if not classes:
        return explainer._linear(used, np.zeros(len(matrix), dtype=np.intp))[3]
    if len(spec.linear.intercepts) == 1:  # two classes: the log-odds of classes[1]
        return explainer._linear(used, np.ones(len(matrix), dtype=np.intp))[3]
    return np.column_stack([explainer._linear(used, np.full(len(matrix), column, dtype=np.intp))[3]
                            for column in range(len(spec.linear.intercepts))])
