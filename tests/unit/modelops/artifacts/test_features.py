import numpy as np
import pytest

from modelops.artifacts.features import UnknownFeatures, instances_to_matrix


def test_rows_follow_training_column_order_and_missing_becomes_nan():
    matrix = instances_to_matrix([{"b": 2.0, "a": 1.0}, {"a": None}], ["a", "b"])
    assert matrix[0].tolist() == [1.0, 2.0]
    assert np.isnan(matrix[1, 0]) and np.isnan(matrix[1, 1])
    assert matrix.dtype == np.float64


def test_unknown_feature_names_are_reported_per_instance():
    with pytest.raises(UnknownFeatures) as caught:
        instances_to_matrix([{"a": 1.0}, {"a": 1.0, "zz": 2.0}], ["a"])
    assert list(caught.value.details) == [{"location": "instances.1.zz", "message": "Unknown feature name."}]


@pytest.mark.parametrize("instances, expected", [
    ([{"b": 2.0, "a": 1.0}, {"a": 3.0, "b": None}], [[1.0, 2.0], [3.0, None]]),  # every feature sent
    ([{"b": 2.0, "a": 1.0}, {"b": 4.0}], [[1.0, 2.0], [None, 4.0]]),  # one left out
    ([], []),
])
def test_complete_and_incomplete_batches_give_the_same_matrix_shape_and_values(instances, expected):
    matrix = instances_to_matrix(instances, ["a", "b"])
    assert matrix.shape == (len(instances), 2)
    assert [[None if np.isnan(v) else v for v in row] for row in matrix.tolist()] == expected


def test_a_single_feature_model_gets_a_column():
    assert instances_to_matrix([{"a": 1.0}, {"a": 2.0}], ["a"]).tolist() == [[1.0], [2.0]]


# ---- InputSchema: each value by its feature's kind ------------------------------------------------
from modelops.artifacts.features import InputSchema, InvalidValues, ValuesOutOfRange  # noqa: E402
from modelops.statistics.feature_summary import CategoryCount, FeatureSummary  # noqa: E402


def _feature(name: str, kind: str = "numeric", categories: tuple[str, ...] = ()) -> FeatureSummary:
    return FeatureSummary(name=name, kind=kind, dtype="str" if kind == "categorical" else "float64", count=10,
                          missing_rate=0.0, min=None, max=None, mean=None,
                          categories=[CategoryCount(value=c, count=5, frequency=0.5) for c in categories]
                          if kind == "categorical" else None)


MIXED = InputSchema([_feature("size"), _feature("island", "categorical", ("Biscoe", "Dream")),
                     _feature("adult", "boolean"), _feature("pclass", "categorical", ("1", "2", "3"))])


def test_a_mixed_instance_becomes_the_pipelines_object_matrix_and_the_captured_values():
    taken = MIXED.model_input([{"size": 3.0, "island": " Dream ", "adult": True, "pclass": 2.0},
                               {"island": "NA", "adult": None}, {}])
    assert taken.matrix.dtype == object
    assert taken.matrix[0].tolist() == [3.0, "Dream", 1.0, "2"]
    assert np.isnan(taken.matrix[1, 0]) and taken.matrix[1, 1] == "" and taken.matrix[2, 3] == ""
    assert taken.instances[0] == {"size": 3.0, "island": "Dream", "adult": 1.0, "pclass": "2"}
    assert taken.instances[1] == {"size": None, "island": "", "adult": None, "pclass": ""}
    assert taken.unseen == {}


def test_an_unseen_category_is_kept_and_noted_per_row():
    taken = MIXED.model_input([{"island": "Biscoe"}, {"island": "Anvers", "pclass": 7.0}])
    assert taken.matrix[1, 1] == "Anvers" and taken.matrix[1, 3] == "7"
    assert taken.unseen == {1: [("island", "Anvers"), ("pclass", "7")]}


@pytest.mark.parametrize("instance, location, fragment", [
    ({"size": "12"}, "instances.0.size", "not a string"),
    ({"size": True}, "instances.0.size", "not a boolean"),
    ({"island": 3.0}, "instances.0.island", "not a number"),
    ({"island": False}, "instances.0.island", "not a boolean"),
    ({"adult": "yes"}, "instances.0.adult", "true or false"),
    ({"pclass": 1.5}, "instances.0.pclass", "integer"),
    ({"pclass": 2.0 ** 53}, "instances.0.pclass", "integer"),
])
def test_a_value_its_kind_refuses_is_a_validation_error_at_its_place(instance, location, fragment):
    with pytest.raises(InvalidValues) as refused:
        MIXED.model_input([instance])
    assert refused.value.code == "validation_error" and refused.value.status == 422
    assert [detail["location"] for detail in refused.value.details] == [location]
    assert fragment in refused.value.details[0]["message"]


def test_numbers_beyond_float32_are_out_of_range_on_the_careful_path_too():
    with pytest.raises(ValuesOutOfRange) as refused:
        MIXED.model_input([{"size": 1e39}])
    assert refused.value.details == [{"location": "instances.0.size", "message": "1e+39 is beyond +/-3.402823e+38."}]


def test_an_all_numeric_model_takes_numbers_as_before_and_booleans_only_for_boolean_features():
    schema = InputSchema([_feature("a"), _feature("flag", "boolean")])
    instances = [{"a": 1.0}, {"a": None, "flag": 0.0}]
    fast, careful = schema.model_input(instances, numbers_only=True), schema.model_input(instances)
    assert fast.matrix.dtype == np.float64 and np.array_equal(fast.matrix, careful.matrix, equal_nan=True)
    assert fast.instances is instances and careful.instances is instances  # captured as sent
    converted = schema.model_input([{"flag": True}])
    assert converted.matrix.tolist()[0][1] == 1.0 and converted.instances == [{"a": None, "flag": 1.0}]


def test_a_lone_surrogate_category_becomes_valid_text():
    taken = MIXED.model_input([{"island": "\ud800x"}])
    assert taken.matrix[0, 1] == "?x" and taken.unseen == {0: [("island", "?x")]}


def test_kind_problems_lists_only_strings_and_booleans_a_kind_refuses():
    body = {"instances": [{"size": "big", "island": "Dream", "adult": float("nan"), "nope": "x"}, 7]}
    assert MIXED.kind_problems(body) == [{"location": "instances.0.size", "message": "Expects a number or null, not a string."}]
    assert MIXED.kind_problems({"size": True}) == [{"location": "instances.0.size",
                                                    "message": "Expects a number or null, not a boolean."}]


def _value_at_a_time(schema: InputSchema, instances: list[dict]):
    """model_input with the column-at-a-time path turned off: the reference it must equal."""
    original = InputSchema._columnwise
    InputSchema._columnwise = lambda self, instances: None
    try:
        return schema.model_input(instances)
    finally:
        InputSchema._columnwise = original


CELLS = {
    "size": [None, 0, 3, -2.5, 1e30, 12.0, 3.4e38],
    "island": [None, "Biscoe", " Dream ", "Dream", "NA", "", "n/a", "Anvers", "  Torgersen", "\ud800"],
    "adult": [None, True, False, 0, 1, 1.0, 0.5],
    "pclass": [None, "1", " 2", "3", "7", "NA"],
}


def test_the_columnwise_path_gives_what_the_value_at_a_time_path_gives():
    rng = np.random.default_rng(7)
    for _ in range(300):
        instances = []
        for _row in range(int(rng.integers(1, 12))):
            names = [name for name in CELLS if rng.random() < 0.8]  # some features left out
            order = rng.permutation(len(names))  # in any key order
            instances.append({names[i]: CELLS[names[i]][rng.integers(len(CELLS[names[i]]))] for i in order})
        assert MIXED._columnwise(instances) is not None, instances  # all of these take the fast path
        fast, careful = MIXED.model_input(instances), _value_at_a_time(MIXED, instances)
        assert fast.matrix.dtype == careful.matrix.dtype == object
        assert [[("nan" if isinstance(c, float) and np.isnan(c) else c) for c in row] for row in fast.matrix.tolist()] == \
               [[("nan" if isinstance(c, float) and np.isnan(c) else c) for c in row] for row in careful.matrix.tolist()]
        assert fast.instances == careful.instances and fast.unseen == careful.unseen


@pytest.mark.parametrize("value", [{"size": True}, {"size": "3"}, {"island": 3}, {"pclass": 2}, {"adult": "yes"},
                                   {"size": 1e39}, {"size": 10 ** 400}, {"size": float("nan")}, {"island": ["x"]}])
def test_anything_unusual_takes_the_value_at_a_time_path(value):
    assert MIXED._columnwise([{"island": "Dream"}, value]) is None


def test_unseen_categories_are_listed_in_feature_order_whatever_the_key_order():
    taken = MIXED.model_input([{"pclass": 7.0, "island": "Anvers"}])  # a number: the value-at-a-time path
    assert taken.unseen == {0: [("island", "Anvers"), ("pclass", "7")]}
    assert MIXED.model_input([{"pclass": "7", "island": "Anvers"}]).unseen == taken.unseen  # the columnwise path
