"""Why one prediction came out as it did: signed per-feature contributions, largest first.

The method is chosen at training time and stored in the manifest (`Manifest.explainer`), with
every number it needs, so the scikit-learn and the ONNX runtime explain with the same numbers and
neither needs the other's library:

- linear_exact: logistic regression behind the pipeline's median imputer and standard scaler.
  contribution_j = w_cj * (x_j - mean_j) / scale_j, with x_j after imputation and mean_j the
  training mean the scaler centres on (the baseline: a feature at its mean contributes 0). The
  intercept plus every contribution is the decision value for the explained class c (the
  predicted one): with two classes the log-odds of c (scikit-learn's decision_function, negated
  when c is the first class), with more the class's column of decision_function (its multinomial
  score). Exact, no sampling.
- baseline_substitution: any other estimator. contribution_j = P(c | x) - P(c | x with feature j
  set to its training median): how much the probability of the predicted class would drop if
  that one feature were typical. A whole request goes to the model as one extra batch (see
  MAX_SUBSTITUTION_ROWS). Not additive: interactions between features are not attributed, so
  `remainder` is null.

numpy and pydantic only: this runs on the ONNX runtime, where scikit-learn is not installed.
"""
from typing import Callable, Literal

import numpy as np
from pydantic import BaseModel, Field

from modelops.artifacts.explainer_spec import ExplainerSpec, Method
from modelops.artifacts.manifest import Label
from modelops.serving.scoring import UnscorableInstances

Output = Literal["log_odds", "class_score", "probability"]

DEFAULT_TOP_K = 5
MAX_TOP_K = 100
# Rows per substitution batch (instances x features + 1). 100 instances of 30 features fit in one
# batch; the bound keeps memory flat for data sets with thousands of features.
MAX_SUBSTITUTION_ROWS = 20_000


class UnexplainableInstances(UnscorableInstances):
    row_message = "Values too large to explain."


class Contribution(BaseModel):
    feature: str
    value: float = Field(description="The value the model used: the request's, or the training median when it was missing.")
    imputed: bool = Field(description="True when the request left the feature out or sent null.")
    baseline: float = Field(description="The value this contribution is measured from: the training mean "
                                        "(linear_exact) or the training median (baseline_substitution).")
    contribution: float = Field(description="Signed push toward (+) or away from (-) the explained class, in `output` units.")


class Explanation(BaseModel):
    method: Method
    label: Label = Field(description="The class explained: the predicted label.")
    output: Output = Field(description="What value, baseline_value and the contributions measure: log_odds of "
                                       "the label (two classes, linear_exact), the label's class_score "
                                       "(decision_function column, more classes, linear_exact), or its "
                                       "probability (baseline_substitution).")
    value: float = Field(description="The output for this instance.")
    baseline_value: float = Field(description="The output with every feature at its baseline (linear_exact: the intercept).")
    contributions: list[Contribution] = Field(description="The top_k features by |contribution|, largest first.")
    remainder: float | None = Field(description="linear_exact: the sum of the contributions not listed, so that "
                                                "baseline_value + sum(contributions) + remainder == value. "
                                                "baseline_substitution: null (not additive).")


class Explainer:
    """Explains predictions of one model version (its spec, feature order and classes)."""

    def __init__(self, spec: ExplainerSpec, feature_names: list[str], classes: list[Label]):
        if len(spec.medians) != len(feature_names):
            raise ValueError(f"explainer has {len(spec.medians)} features, the model {len(feature_names)}")
        self.spec = spec
        self.names = feature_names
        self.classes = classes
        self.medians = np.asarray(spec.medians, dtype=np.float64)

    def explain(self, matrix: np.ndarray, probabilities: np.ndarray, winners: np.ndarray,
                predict_proba: Callable[[np.ndarray], np.ndarray], top_k: int = DEFAULT_TOP_K) -> list[Explanation]:
        """One explanation per row of `matrix` (NaN = missing) for the class at index winners[row] of
        `classes` (the label the API returns), whose probabilities are probabilities[row].
        predict_proba is only called by baseline_substitution."""
        winners = np.asarray(winners, dtype=np.intp)
        missing = np.isnan(matrix)
        used = np.where(missing, self.medians, matrix)
        if self.spec.method == "linear_exact":
            with np.errstate(over="ignore", invalid="ignore"):  # absurd values overflow: refused below
                output, baselines, base_values, values, contributions = self._linear(used, winners)
        else:
            output, baselines, base_values, values, contributions = self._substitution(matrix, probabilities, winners, predict_proba)
        # A scorable row can still overflow here: two features near 1e308 each contribute a finite
        # term whose sum is inf. JSON has no inf, so such rows are refused like unscorable ones.
        finite = np.isfinite(contributions).all(axis=1) & np.isfinite(values) & np.isfinite(base_values)
        if not finite.all():
            raise UnexplainableInstances(np.flatnonzero(~finite).tolist())
        return [
            self._top(output, winners[row], used[row], missing[row], baselines, float(base_values[row]),
                      float(values[row]), contributions[row], top_k)
            for row in range(matrix.shape[0])
        ]

    def _linear(self, used: np.ndarray, winners: np.ndarray) -> tuple[Output, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        terms = self.spec.linear
        means = np.asarray(terms.means, dtype=np.float64)
        standardized = (used - means) / np.asarray(terms.scales, dtype=np.float64)
        weights = np.asarray(terms.coefficients, dtype=np.float64)
        intercepts = np.asarray(terms.intercepts, dtype=np.float64)
        if weights.shape[0] == 1:
            # Two classes: scikit-learn keeps one row, the log-odds of classes[1]; the log-odds of
            # classes[0] is its negative, so explaining the predicted class flips the sign.
            sign = np.where(winners == 1, 1.0, -1.0)
            contributions = sign[:, None] * standardized * weights[0]
            base_values = sign * intercepts[0]
            output: Output = "log_odds"
        else:
            contributions = standardized * weights[winners]
            base_values = intercepts[winners]
            output = "class_score"
        return output, means, base_values, base_values + contributions.sum(axis=1), contributions

    def _substitution(self, matrix: np.ndarray, probabilities: np.ndarray, winners: np.ndarray,
                      predict_proba: Callable[[np.ndarray], np.ndarray]) -> tuple[Output, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        rows, width = matrix.shape
        per_batch = max(1, (MAX_SUBSTITUTION_ROWS - 1) // width)
        substituted = np.empty((rows, width), dtype=np.float64)
        baseline_probabilities = None
        for start in range(0, rows, per_batch):
            chunk = matrix[start:start + per_batch]
            # Each instance repeated once per feature, with that feature set to its median, and a last
            # row with every feature at its median (baseline_value; the first chunk's is used). One
            # predict_proba call per chunk, and one chunk for any request within the batch limit.
            batch = np.repeat(chunk, width, axis=0)
            position = np.arange(batch.shape[0])
            batch[position, position % width] = self.medians[position % width]
            scored = predict_proba(np.vstack([batch, self.medians[None, :]]))
            baseline_probabilities = scored[-1] if baseline_probabilities is None else baseline_probabilities
            chosen = winners[start:start + per_batch]
            per_feature = scored[:-1].reshape(len(chunk), width, -1)
            substituted[start:start + len(chunk)] = per_feature[np.arange(len(chunk)), :, chosen]
        values = probabilities[np.arange(rows), winners]
        return "probability", self.medians, baseline_probabilities[winners], values, values[:, None] - substituted

    def _top(self, output: Output, winner: int, used: np.ndarray, missing: np.ndarray, baselines: np.ndarray,
             base_value: float, value: float, contributions: np.ndarray, top_k: int) -> Explanation:
        # Stable: equal contributions keep the training column order, so answers are reproducible.
        order = np.argsort(-np.abs(contributions), kind="stable")
        shown, rest = order[:top_k], order[top_k:]
        additive = self.spec.method == "linear_exact"
        return Explanation(
            method=self.spec.method,
            label=self.classes[int(winner)],
            output=output,
            value=value,
            baseline_value=base_value,
            contributions=[
                Contribution(feature=self.names[j], value=float(used[j]), imputed=bool(missing[j]),
                             baseline=float(baselines[j]), contribution=float(contributions[j]))
                for j in shown
            ],
            remainder=float(contributions[rest].sum()) if additive else None,
        )
