import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelops.api.json_body import NotAnObject, parse_json, parse_json_body


def test_json_parses_as_json_loads_does():
    assert parse_json_body('{"a": [1, 2.5, null, NaN]}')["a"][:3] == [1, 2.5, None]


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "1" * 4301, "{", "", "\ud800"])
def test_every_failure_is_a_json_decode_error(text):
    with pytest.raises(json.JSONDecodeError):
        parse_json(text)


def test_a_raw_lone_surrogate_in_a_string_is_read_as_json_loads_reads_it():
    # The fast parser cannot even read such text (TypeError); found by tests/fuzz.
    assert parse_json('"\ud800"') == json.loads('"\ud800"')


JSON_LEAVES = (st.none() | st.booleans() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False)
               | st.floats(allow_nan=True, allow_infinity=True) | st.text())
JSON_DOCUMENTS = st.recursive(JSON_LEAVES, lambda inner: st.lists(inner, max_size=4)
                              | st.dictionaries(st.text(max_size=4), inner, max_size=4), max_leaves=30)


def same(left, right) -> bool:
    """Equal, with NaN equal to NaN and ints told apart from floats."""
    if isinstance(left, float) and isinstance(right, float) and left != left:
        return right != right
    if type(left) is not type(right):
        return False
    if isinstance(left, list):
        return len(left) == len(right) and all(same(a, b) for a, b in zip(left, right))
    if isinstance(left, dict):
        return left.keys() == right.keys() and all(same(left[key], right[key]) for key in left)
    return left == right


@settings(max_examples=400, deadline=None, derandomize=True)
@given(JSON_DOCUMENTS, st.booleans())
def test_the_fast_parser_gives_exactly_what_json_loads_gives(document, ascii_only):
    text = json.dumps(document, ensure_ascii=ascii_only)
    assert same(parse_json(text), json.loads(text))


@pytest.mark.parametrize("text", ['{"a": 1, "a": 2}', "1e400", "-1e400", '"\\ud800"', "1" + "0" * 30, "-" + "9" * 25,
                                  "0.123456789012345678901234", "[" * 1500 + "]" * 1500, '{"a": -0.0}', "18446744073709551616"])
def test_text_the_fast_parser_refuses_is_read_as_json_loads_reads_it(text):
    try:
        expected = json.loads(text)
    except RecursionError:
        with pytest.raises(json.JSONDecodeError):
            parse_json(text)
        return
    assert same(parse_json(text), expected)


@pytest.mark.parametrize("text, kind", [('[{"mean_radius": 17.99}, {"mean_radius": "x"}]', "an array"), ("null", "null"),
                                        ('"x"', "a string"), ("1", "a number"), ("true", "a boolean")])
def test_a_body_that_is_json_but_not_an_object_is_refused_as_such(text, kind):
    # Powertools would hand an array's first element to the request model and drop the rest.
    with pytest.raises(NotAnObject) as refused:
        parse_json_body(text)
    assert (refused.value.status, refused.value.code) == (422, "invalid_body")
    assert f"not {kind}" in refused.value.message
