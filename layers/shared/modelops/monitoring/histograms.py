"""The bins a report's drift verdicts were computed on, both sides, in the report itself: the
report page charts them, and the reference counts are otherwise only in the model bucket's
baseline."""
from pydantic import BaseModel, ConfigDict, model_validator

from modelops.artifacts.baseline import Baseline
from modelops.monitoring.window import WindowProfile
from modelops.statistics.profile import DatasetProfile


class Histogram(BaseModel):
    """One column's bins as the drift tests counted them, in the profile layout of
    statistics.profile (underflow, the in-range bins, the point bin {edges[-1]}, overflow, missing).
    In the report so that it alone shows what a verdict was computed on (the report page charts
    these); the reference counts are otherwise only in the model bucket's baseline."""
    model_config = ConfigDict(allow_inf_nan=False)

    edges: list[float]
    reference: list[int]  # the baseline's counts
    current: list[int]  # this window's counts

    @model_validator(mode="after")
    def _layout(self) -> "Histogram":
        if not len(self.reference) == len(self.current) == len(self.edges) + 3:
            raise ValueError("reference and current must have len(edges) + 3 counts")
        return self


class CategoryHistogram(BaseModel):
    """A categorical feature's buckets (statistics.categories): the tracked categories, then
    `other`, then `missing`."""
    categories: list[str]
    reference: list[int]
    current: list[int]

    @model_validator(mode="after")
    def _layout(self) -> "CategoryHistogram":
        if not len(self.reference) == len(self.current) == len(self.categories) + 2:
            raise ValueError("reference and current must have len(categories) + 2 counts")
        return self


class Histograms(BaseModel):
    classes: list[int | str] = []  # the predicted_class column's in-range bin i is classes[i]
    features: dict[str, Histogram] = {}
    categories: dict[str, CategoryHistogram] = {}  # categorical features
    predictions: dict[str, Histogram] = {}


def histograms_of(window: WindowProfile, baseline: Baseline) -> Histograms:
    """Every column the window shares with the baseline, both sides' counts."""
    def pairs(reference: DatasetProfile, current: DatasetProfile) -> dict[str, Histogram]:
        return {name: Histogram(edges=reference.columns[name].edges, reference=reference.columns[name].counts,
                                current=column.counts)
                for name, column in current.columns.items() if name in reference.columns}

    categories = {name: CategoryHistogram(categories=reference.categories,
                                          reference=[*reference.counts, reference.other, reference.missing],
                                          current=[*current.counts, current.other, current.missing])
                  for name, reference in baseline.categories.items()
                  if (current := window.categories.get(name)) is not None}
    return Histograms(classes=baseline.classes, features=pairs(baseline.features, window.features),
                      categories=categories, predictions=pairs(baseline.predictions, window.predictions))
