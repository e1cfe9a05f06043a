import json

import pytest

from modelops.json_body import parse_json_body


def test_json_parses_as_json_loads_does():
    assert parse_json_body('{"a": [1, 2.5, null, NaN]}')["a"][:3] == [1, 2.5, None]


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "1" * 4301, "{", ""])
def test_every_failure_is_a_json_decode_error(text):
    with pytest.raises(json.JSONDecodeError):
        parse_json_body(text)
