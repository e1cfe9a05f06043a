"""Mergeable profiles of a categorical column: integer counts per training category.

The categorical counterpart of `profile.ColumnProfile`. Training fixes the categories tracked
(`fit_categories`); the baseline profiles the training split with them and each monitoring run
profiles its window with the same list, so merging windows is adding counts and a day or a week
never re-reads raw data. Plain Python counting, no scipy: this runs in the monitor's Lambda layer.

Buckets of a profile, every row in exactly one:
    counts[i]  the value equals categories[i] (the tracked training categories, most frequent
               in training first, at most MAX_TRACKED_CATEGORIES of them);
    other      a present value that is not tracked: a category training never saw, or one of
               training's rarer categories beyond the tracked ones (so a profile stays small
               whatever the column's cardinality, and the training profile's `other` says how
               much of training lay beyond the list);
    missing    None or "" (MISSING_CATEGORY: the model's input contract, feature_summary.py).

How a value becomes a category: a str is itself, compared exactly (no stripping or case folding:
the profile counts what the model was given, and the model's encoder compares exactly too).
Anything else that is not None is counted as `str(value)`, the same text training's cleaning
makes of a cell (training/cleaning.py `str(cell)`): 3 counts as "3", but 3.0 as "3.0" and True
as "True", which are `other` unless training saw those strings; a float NaN counts as "nan",
`other`, not missing (JSON has no NaN; only None and "" mean missing).
"""
from collections import Counter
from typing import Iterable

from pydantic import BaseModel, ConfigDict, model_validator

from modelops.statistics.feature_summary import MISSING_CATEGORY

# Enough for any categorical feature the pipeline one-hot encodes, and small enough that a
# baseline with a 10,000-level column (a zip code) stays a few kilobytes: the long tail is `other`.
MAX_TRACKED_CATEGORIES = 100


class CategoryProfile(BaseModel):
    # No floats here today; refusing NaN/inf keeps the same guarantee as ColumnProfile if one is added.
    model_config = ConfigDict(allow_inf_nan=False)

    categories: list[str]  # tracked, most frequent in training first
    counts: list[int]  # one per tracked category
    other: int = 0  # present, not tracked
    missing: int = 0  # None or ""

    @model_validator(mode="after")
    def _consistent(self) -> "CategoryProfile":
        if len(self.counts) != len(self.categories):
            raise ValueError("counts must have one entry per category")
        if len(set(self.categories)) != len(self.categories):
            raise ValueError("categories must be distinct")
        if MISSING_CATEGORY in self.categories:
            raise ValueError("the missing value \"\" is counted in `missing`, not as a category")
        if len(self.categories) > MAX_TRACKED_CATEGORIES:
            raise ValueError(f"at most {MAX_TRACKED_CATEGORIES} categories are tracked")
        if min(self.counts, default=0) < 0 or self.other < 0 or self.missing < 0:
            raise ValueError("counts must be non-negative")
        return self

    @property
    def value_counts(self) -> list[int]:
        """The distribution of present values compared by drift: tracked categories, then other."""
        return [*self.counts, self.other]

    @property
    def present(self) -> int:
        return sum(self.counts) + self.other

    @property
    def total(self) -> int:
        """Every row seen: present and missing."""
        return self.present + self.missing

    def profile_like(self, values: Iterable[object]) -> "CategoryProfile":
        """A window's profile with this profile's categories: what is compared and merged with it."""
        return profile_categories(values, self.categories)

    def merge(self, window: "CategoryProfile") -> "CategoryProfile":
        """The profile of both together; the same categories in the same order required (else a
        count would be added to another category's)."""
        if self.categories != window.categories:
            raise ValueError("category profiles with different categories cannot be merged")
        return CategoryProfile(categories=self.categories,
                               counts=[a + b for a, b in zip(self.counts, window.counts)],
                               other=self.other + window.other, missing=self.missing + window.missing)


def _text(value: object) -> str:
    """The category a value counts as (module docstring); MISSING_CATEGORY for a missing one."""
    if value is None:
        return MISSING_CATEGORY
    return value if isinstance(value, str) else str(value)


def _tally(values: Iterable[object]) -> Counter[str]:
    # Converted one by one before counting: 1, 1.0 and True are equal as dict keys, but are
    # the different categories "1", "1.0" and "True".
    return Counter(map(_text, values))


def fit_categories(values: Iterable[object], limit: int = MAX_TRACKED_CATEGORIES) -> list[str]:
    """The training column's categories to track: the `limit` most frequent present values,
    ties broken by value (as the manifest's category list, feature_summary.py), so the same
    column always gives the same list."""
    if not 0 <= limit <= MAX_TRACKED_CATEGORIES:
        raise ValueError(f"limit must be in [0, {MAX_TRACKED_CATEGORIES}]")
    tally = _tally(values)
    tally.pop(MISSING_CATEGORY, None)
    ranked = sorted(tally.items(), key=lambda item: (-item[1], item[0]))
    return [value for value, _ in ranked[:limit]]


def profile_categories(values: Iterable[object], categories: list[str]) -> CategoryProfile:
    """Count a column of str/None (other values as in the module docstring) into `categories`,
    `other` and `missing`."""
    tally = _tally(values)
    missing = tally.pop(MISSING_CATEGORY, 0)
    counts = [tally.pop(category, 0) for category in categories]
    return CategoryProfile(categories=list(categories), counts=counts, other=sum(tally.values()), missing=missing)
