"""What training writes into the manifest about tasks and feature types, and that older manifests still read."""
import json

import numpy as np
import pytest
from pydantic import ValidationError

from modelops.artifacts.manifest import Manifest
from modelops.statistics.feature_summary import summarize_features
from tests.support.manifests import small_manifest


def test_a_manifest_written_before_tasks_and_types_reads_as_a_numeric_classifier():
    data = json.loads(small_manifest().to_json())
    del data["task"]
    for feature in data["features"]:
        del feature["kind"], feature["categories"]
    old = Manifest.from_json(json.dumps(data).encode())
    assert old.task == "classification" and {f.kind for f in old.features} == {"numeric"}


def test_classes_must_fit_the_task():
    data = json.loads(small_manifest().to_json())
    with pytest.raises(ValidationError, match="a regressor's manifest lists no classes"):
        Manifest.model_validate({**data, "task": "regression"})
    assert Manifest.model_validate({**data, "task": "regression", "classes": []}).classes == []
    with pytest.raises(ValidationError, match="a classifier's manifest lists at least two classes"):
        Manifest.model_validate({**data, "classes": [1]})


def test_feature_summaries_by_kind():
    matrix = np.array([[1.0, "b", 1.0], [np.nan, "a", 0.0], [3.0, "b", 1.0], [5.0, "", np.nan]], dtype=object)
    number, category, flag = summarize_features(matrix, ["n", "c", "f"], ["numeric", "categorical", "boolean"])
    assert (number.kind, number.count, number.mean, number.categories) == ("numeric", 3, 3.0, None)
    assert (category.kind, category.dtype, category.count, category.missing_rate) == ("categorical", "str", 3, 0.25)
    assert [(c.value, c.count) for c in category.categories] == [("b", 2), ("a", 1)]
    assert category.categories[0].frequency == pytest.approx(2 / 3) and category.mean is None
    assert (flag.kind, flag.mean, flag.missing_rate) == ("boolean", pytest.approx(2 / 3), 0.25)  # mean: share of true
