"""How a version explains its predictions, as its manifest stores it: the method chosen at training
time and every number it needs, so either runtime explains with the same numbers
(modelops.serving.explanations computes them; training/explainer.py fits them)."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

Method = Literal["linear_exact", "baseline_substitution"]


class LinearTerms(BaseModel):
    """The fitted numbers of an imputer -> scaler -> linear model pipeline."""
    model_config = ConfigDict(allow_inf_nan=False)

    means: list[float]  # StandardScaler.mean_: the baseline each contribution is measured from
    scales: list[float]  # StandardScaler.scale_
    coefficients: list[list[float]]  # coef_: one row per class; one row (for classes[1]) with two classes
    intercepts: list[float]


class ExplainerSpec(BaseModel):
    """What the manifest stores so either runtime can explain a prediction."""
    model_config = ConfigDict(allow_inf_nan=False)

    method: Method
    reason: str  # why this method, in words (GET /model shows it)
    medians: list[float]  # SimpleImputer.statistics_: what a missing value becomes; substitution's baseline
    linear: LinearTerms | None = None
    # linear_exact: the largest |difference| between these terms' decision values and the pipeline's
    # decision_function on the held-out rows (with and without missing values), checked at training.
    max_abs_difference: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ExplainerSpec":
        width = len(self.medians)
        if self.method == "linear_exact":
            terms = self.linear
            if terms is None:
                raise ValueError("linear_exact needs linear terms")
            if {len(terms.means), len(terms.scales), *map(len, terms.coefficients)} != {width}:
                raise ValueError("linear terms must have one value per feature")
            if not terms.coefficients or len(terms.coefficients) != len(terms.intercepts):
                raise ValueError("one intercept per coefficient row")
            if any(scale <= 0 for scale in terms.scales):
                raise ValueError("scales must be positive")
        return self
