"""Hypothesis strategies for API Gateway events: the files in events/ with the parts a client
controls (method, path, query string, headers, body, base64 flag) replaced by generated ones."""
import base64
import json
from typing import Any

from hypothesis import strategies as st

from devtools.local.lambda_local import load_event

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# Media types are case-insensitive (RFC 9110); only UTF-8 JSON is accepted.
JSON_TYPES = ("application/json", "application/json; charset=utf-8", "Application/JSON", "APPLICATION/JSON ; Charset=\"UTF-8\"",
              'application/json; profile="a;b"')
OTHER_TYPES = ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
               "multipart/form-data", "application/xml", "*/*", "application/jsonx", "application/json-patch+json",
               "application/json; charset=latin-1", "application/json, text/plain",
               "application/json; charset=utf-8; charset=latin-1")
PREDICTION_ID = st.from_regex(r"[0-9a-f]{32}", fullmatch=True)

# Numbers as JSON text that Python's json module parses to something other than a finite float.
ODD_NUMBERS = ("NaN", "-NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e-400", "1" * 5000, "-" + "9" * 4301,
               "1" * 4300, "0.0000000000000000000000000000001", "1E308", "-0", "1.7976931348623157e308")


STANDARD_HEADERS: dict[str, str] = load_event("predict_single.json")["headers"]


def event(method: str, path: str, body: str | None, headers: dict[str, str] | None = STANDARD_HEADERS,
          query: dict[str, str] | None = None, base64_encoded: bool = False) -> dict[str, Any]:
    """A REST API proxy event as API Gateway sends it, built from the event files. API Gateway
    sends null, not {}, for a request without headers or query string."""
    proxy = load_event("model_info.json" if method == "GET" else "predict_single.json")
    headers = None if headers is None else dict(headers)
    proxy.update(httpMethod=method, path=path, resource=path, body=body, isBase64Encoded=base64_encoded,
                 headers=headers, multiValueHeaders=None if headers is None else {k: [v] for k, v in headers.items()},
                 queryStringParameters=query,
                 multiValueQueryStringParameters=None if query is None else {k: [v] for k, v in query.items()})
    proxy["requestContext"].update(httpMethod=method, resourcePath=path, path=f"/dev{path}")
    return proxy


# Any JSON document, including NaN/Infinity tokens (json.dumps writes them for float nan/inf),
# huge integers and unicode (lone surrogates included: JSON's \ud800 escape makes them).
unicode_text = st.text(st.characters(codec=None), max_size=30)
scalars = (st.none() | st.booleans() | st.integers() | st.integers(min_value=10**300, max_value=10**320)
           | st.floats() | unicode_text)
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=6)
                           | st.dictionaries(unicode_text, inner, max_size=6), max_leaves=25)


def odd_json_text() -> st.SearchStrategy[str]:
    """Bodies that are not a JSON document of the right shape, as text."""
    nested = st.integers(1, 200_000).flatmap(
        lambda depth: st.sampled_from(["[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth,
                                       '{"instances":' + "[" * depth, "[" * depth]))
    return st.one_of(
        st.sampled_from(["", " ", "0", "null", "true", "[]", "{}", '""', "[{}]", "{", "}", "\u0000", "\ufeff{}"]),
        st.sampled_from(ODD_NUMBERS),
        st.sampled_from(ODD_NUMBERS).map(lambda number: '{"mean_radius": %s}' % number),
        st.sampled_from(ODD_NUMBERS).map(lambda number: '{"prediction_id": "%s", "label": %s}' % ("a" * 32, number)),
        nested,
        unicode_text,
        json_values.map(json.dumps),
        st.binary(max_size=40).map(lambda raw: raw.decode("latin-1")),
    )


def feature_values() -> st.SearchStrategy[Any]:
    """Values for a feature: valid ones, extremes and wrong types."""
    return st.one_of(st.none(), st.floats(), st.integers(), st.integers(min_value=10**308, max_value=10**330),
                     st.booleans(), unicode_text, st.lists(st.floats(), max_size=3), json_values)


def instances(feature_names: list[str], values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(feature_names) | unicode_text
    return st.dictionaries(keys, values, max_size=len(feature_names) + 2)


def valid_instances(feature_names: list[str]) -> st.SearchStrategy[dict[str, float | None]]:
    """What the schema accepts and the model can score: any subset of the features, each a
    number of a plausible magnitude or null (missing, imputed)."""
    value = st.none() | st.floats(-1e6, 1e6) | st.integers(-10**6, 10**6)
    return st.dictionaries(st.sampled_from(feature_names), value, max_size=len(feature_names))


def base64_body(text: str) -> str:
    return base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()
