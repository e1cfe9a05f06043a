"""Global feature importance of a model version: computed at training time, stored in the
manifest, shown by `GET /model` (training/importance.py computes it)."""
from pydantic import BaseModel, ConfigDict, Field


class FeatureImportance(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)

    feature: str
    importance: float
    std: float | None = Field(default=None, description="Spread across permutation repeats; null for coefficients.")


class PermutationImportance(BaseModel):
    """How much the held-out score drops when one feature's values are shuffled (model-agnostic,
    so it exists for every estimator)."""
    model_config = ConfigDict(allow_inf_nan=False)

    scoring: str  # the selection metric's scorer; log_loss as negative loss, so a drop is always a loss
    repeats: int
    rows: int  # held-out rows it was computed on
    features: list[FeatureImportance]  # largest first


class GlobalImportance(BaseModel):
    permutation: PermutationImportance
    # Linear pipelines only: |coefficient| per feature. The pipeline standardizes every feature, so
    # the coefficients are per standard deviation and comparable; more than two classes: the mean
    # |coefficient| over the classes' rows. Largest first.
    standardized_coefficients: list[FeatureImportance] | None = None
