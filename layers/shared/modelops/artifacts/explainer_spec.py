"""How a version explains its predictions, as its manifest stores it: the method chosen at training
time and every number it needs, so either runtime explains with the same numbers
(modelops.serving.explanations computes them; training/explainer.py fits them).

Features are split by kind, each list in manifest order: the numeric ones (numeric and boolean
features; every feature of an all-numeric model) go through the imputer and scaler, the
categorical ones through the one-hot encoder (training/pipeline.py)."""
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

Method = Literal["linear_exact", "baseline_substitution"]


class CategoricalTerms(BaseModel):
    """One categorical feature's one-hot columns in a linear model. A category without a column
    (rare in training, or never seen) is encoded as all zeros: its weight is 0."""
    model_config = ConfigDict(allow_inf_nan=False)

    categories: list[str]  # the encoder's categories for the feature, in its column order
    coefficients: list[list[float]]  # one row per coefficient row of the model, one weight per category


class LinearTerms(BaseModel):
    """The fitted numbers of an imputer -> scaler (-> one-hot) -> linear model pipeline."""
    model_config = ConfigDict(allow_inf_nan=False)

    means: list[float]  # StandardScaler.mean_ per numeric feature: the baseline each contribution is measured from
    scales: list[float]  # StandardScaler.scale_
    # coef_ of the numeric features: one row per class; one row (for classes[1]) with two classes; one
    # row for a regressor.
    coefficients: list[list[float]]
    intercepts: list[float]
    categorical: list[CategoricalTerms] = []  # per categorical feature; [] for an all-numeric model


class ExplainerSpec(BaseModel):
    """What the manifest stores so either runtime can explain a prediction."""
    model_config = ConfigDict(allow_inf_nan=False)

    method: Method
    reason: str  # why this method, in words (GET /model shows it)
    # SimpleImputer.statistics_ per numeric feature: what a missing value becomes; substitution's baseline.
    medians: list[float]
    # Per categorical feature, its most frequent training category: the baseline a categorical
    # contribution is measured from (both methods). [] for an all-numeric model.
    modes: list[str] = []
    linear: LinearTerms | None = None
    # linear_exact: the largest |difference| between these terms' decision values and the pipeline's
    # own (decision_function, or predict for a regressor) on the held-out rows (with and without
    # missing values), checked at training.
    max_abs_difference: float | None = None

    @model_validator(mode="after")
    def _consistent(self) -> "ExplainerSpec":
        width = len(self.medians)
        if self.method == "linear_exact":
            terms = self.linear
            if terms is None:
                raise ValueError("linear_exact needs linear terms")
            if {len(terms.means), len(terms.scales), *map(len, terms.coefficients)} - {width}:
                raise ValueError("linear terms must have one value per numeric feature")
            if not terms.coefficients or len(terms.coefficients) != len(terms.intercepts):
                raise ValueError("one intercept per coefficient row")
            if any(scale <= 0 for scale in terms.scales):
                raise ValueError("scales must be positive")
            if len(terms.categorical) != len(self.modes):
                raise ValueError("linear terms must have one entry per categorical feature")
            for feature in terms.categorical:
                if len(feature.coefficients) != len(terms.intercepts) or any(
                        len(row) != len(feature.categories) for row in feature.coefficients):
                    raise ValueError("categorical terms need one weight per category in every coefficient row")
        return self
