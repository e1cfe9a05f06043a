from collections import Counter

import pytest
from hypothesis import given, settings, strategies as st
from pydantic import ValidationError

from modelops.statistics.categories import (
    MAX_TRACKED_CATEGORIES,
    CategoryProfile,
    fit_categories,
    profile_categories,
)


def test_values_are_counted_into_tracked_categories_other_and_missing():
    training = ["b", "a", "b", "c", "b", "a", None, ""]
    categories = fit_categories(training)
    assert categories == ["b", "a", "c"]  # most frequent first; missing is not a category
    window = profile_categories(["a", "a", "zebra", None, "", "c", "B", " a"], categories)
    # "B" and " a" are not "b" and "a": compared exactly, as the model's encoder compares them
    assert (window.counts, window.other, window.missing) == ([0, 2, 1], 3, 2)
    assert (window.present, window.total) == (6, 8)
    assert window.value_counts == [0, 2, 1, 3]


def test_ties_are_broken_by_value_and_the_tail_beyond_the_limit_is_other():
    training = ["y", "x", "z", "z", "w", "w", "v"]
    assert fit_categories(training) == ["w", "z", "v", "x", "y"]
    tracked = fit_categories(training, limit=2)
    assert tracked == ["w", "z"]
    reference = profile_categories(training, tracked)
    assert (reference.counts, reference.other, reference.missing) == ([2, 2], 3, 0)
    many = [f"level{i:03d}" for i in range(250) for _ in range(250 - i)]  # 250 levels, level000 commonest
    assert fit_categories(many) == [f"level{i:03d}" for i in range(MAX_TRACKED_CATEGORIES)]
    with pytest.raises(ValueError):
        fit_categories(many, limit=MAX_TRACKED_CATEGORIES + 1)


def test_non_string_values_count_as_their_str():
    categories = ["3", "True", "1.5"]
    profile = profile_categories([3, 3.0, True, 1, 1.5, float("nan"), None, "3"], categories)
    # 3 and "3" are one category; 3.0 ("3.0"), 1 ("1") and NaN ("nan") are others, not merged
    # with 3, True or missing even though 1 == 1.0 == True as dict keys.
    assert (profile.counts, profile.other, profile.missing) == ([2, 1, 1], 3, 1)
    assert fit_categories([1, 1.0, True, None]) == ["1", "1.0", "True"]


def test_merge_adds_counts_and_needs_the_same_categories():
    categories = ["a", "b"]
    first = profile_categories(["a", "c", None], categories)
    second = profile_categories(["b", "b", "", "d"], categories)
    assert first.merge(second) == profile_categories(["a", "c", None, "b", "b", "", "d"], categories)
    with pytest.raises(ValueError, match="different categories"):
        first.merge(profile_categories(["a"], ["b", "a"]))  # same set, other order: counts would swap


def test_profile_like_uses_the_reference_categories_and_survives_json():
    reference = profile_categories(["a", "b", "a"], ["a", "b"])
    window = reference.profile_like(["b", "new"])
    assert window.categories == ["a", "b"] and (window.counts, window.other) == ([0, 1], 1)
    assert CategoryProfile.model_validate_json(reference.model_dump_json()) == reference


@pytest.mark.parametrize("fields, message", [
    ({"categories": ["a"], "counts": [1, 2]}, "one entry per category"),
    ({"categories": ["a", "a"], "counts": [1, 2]}, "distinct"),
    ({"categories": ["", "a"], "counts": [1, 2]}, "missing"),
    ({"categories": ["a"], "counts": [-1]}, "non-negative"),
    ({"categories": ["a"], "counts": [1], "other": -1}, "non-negative"),
    ({"categories": ["a"], "counts": [1], "missing": -1}, "non-negative"),
    ({"categories": [str(i) for i in range(MAX_TRACKED_CATEGORIES + 1)],
      "counts": [0] * (MAX_TRACKED_CATEGORIES + 1)}, "at most"),
])
def test_inconsistent_profiles_are_refused(fields, message):
    with pytest.raises(ValidationError, match=message):
        CategoryProfile(**fields)


_VALUES = st.one_of(st.sampled_from(["a", "b", "c", "d", ""]), st.none(), st.integers(-2, 2),
                    st.text(max_size=2))


@settings(max_examples=300, deadline=None)
@given(training=st.lists(_VALUES, max_size=40), window=st.lists(_VALUES, max_size=60), cut=st.integers(0, 60),
       limit=st.integers(0, 5))
def test_merged_parts_equal_the_profile_of_the_union(training, window, cut, limit):
    categories = fit_categories(training, limit)
    whole = profile_categories(window, categories)
    assert profile_categories(window[:cut], categories).merge(profile_categories(window[cut:], categories)) == whole
    # Every value lands in exactly one bucket, and each count is the number of values with that text.
    texts = Counter("" if value is None else str(value) for value in window)
    assert whole.total == len(window) and whole.missing == texts[""]
    assert whole.counts == [texts[category] for category in categories]
    reference = profile_categories(training, categories)
    present = [value for value in training if value is not None and value != ""]
    assert reference.present == len(present) and len(categories) == min(limit, len(set(map(str, present))))
    # The tracked categories are the commonest: none left in `other` is more frequent than a tracked one.
    tracked_counts = Counter(str(value) for value in present if str(value) in categories)
    untracked_counts = Counter(str(value) for value in present if str(value) not in categories)
    assert not tracked_counts or not untracked_counts or min(tracked_counts.values()) >= max(untracked_counts.values())
