"""A chunk of capture records to column arrays at once, for models whose features are all numeric.

The window's record path used to check each record's output, origin and inputs value by value in
Python, then build the matrix from the checked dicts: most of a monitor run's own time. Here the
same checks run over the whole chunk as a few C-level passes (type sets, itemgetter, one numpy
conversion). They only ever *accept*: a record they cannot vouch for is left to the exact
record-by-record check (`WindowAccumulator._prediction_parts`), which decides what it is, with
which reason. So speed never changes a verdict (tests/unit/modelops/monitoring/test_columns.py
feeds the same mutated records both ways and compares the profiles).

Accepted here means exactly what the record-by-record check accepts, for a record that is already
a valid prediction of the monitored version:
- "output" is a dict whose "probabilities" is a dict with exactly the class keys, each value a
  float in [0, 1] (an int 0 or 1 is valid too, but rare: the exact path takes it);
- "origin" is absent, "live" or "batch";
- "inputs" is a dict naming only known features, each value a float or null (an int is valid
  too: the exact path takes it, so this module never has to range-check one).
The matrix is made by the conversion `instances_to_matrix` uses (np.array of rows of floats and
None), so its values are the ones the general path gives, bit for bit.
"""
from dataclasses import dataclass
from itertools import chain, repeat
from operator import itemgetter
from typing import Any, Callable, Sequence

import numpy as np

from modelops.capture.records import BATCH, LIVE

_PLAIN_INPUTS = frozenset({float, type(None)})
_FLOATS = frozenset({float})
_ORIGINS = frozenset({LIVE, BATCH})


@dataclass
class Columns:
    clean: np.ndarray  # bool per record: accepted here; the others go to the exact check
    features: np.ndarray  # rows x features, float64; rows of records not clean are undefined
    probabilities: np.ndarray  # rows x classes, float64; likewise
    from_batch: np.ndarray  # bool per record ("origin": "batch"); likewise


def _getter(keys: Sequence[str]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """itemgetter that always returns a tuple (itemgetter of one key returns the bare value)."""
    get = itemgetter(*keys)
    return get if len(keys) > 1 else (lambda mapping: (get(mapping),))


def _field(records: list[Any], key: str, dicts: bool) -> list[Any]:
    if dicts:  # the usual case: one C-level pass
        return list(map(dict.get, records, repeat(key)))
    return [record.get(key) if type(record) is dict else None for record in records]


def _all_of_type(values: list[Any], kind: type) -> bool:
    return set(map(type, values)) == {kind} if values else True


def _rows(mappings: list[Any], keys: Sequence[str], usable: np.ndarray) -> tuple[list[tuple[Any, ...] | None], bool]:
    """Each usable mapping's values for `keys` (absent ones as None), else None; and whether every
    mapping had every key."""
    get = _getter(keys)
    if usable.all():
        try:
            return list(map(get, mappings)), True  # C-level
        except KeyError:
            pass
    return [tuple(map(mapping.get, keys)) if ok else None for mapping, ok in zip(mappings, usable)], False


def _plain_rows(rows: list[tuple[Any, ...] | None], allowed: frozenset[type], usable: np.ndarray) -> np.ndarray:
    """Which rows hold only values of the allowed types (one pass over all values when they all do)."""
    present = [row for row, ok in zip(rows, usable) if ok] if not usable.all() else rows
    if set(map(type, chain.from_iterable(present))) <= allowed:  # type: ignore[arg-type]
        return usable
    return usable & np.fromiter((ok and set(map(type, row)) <= allowed for row, ok in zip(rows, usable)),
                                dtype=bool, count=len(rows))


def _matrix(rows: list[tuple[Any, ...] | None], width: int, usable: np.ndarray) -> np.ndarray:
    matrix = np.empty((len(rows), width))
    if usable.all():
        matrix[:] = np.array(rows, dtype=np.float64).reshape(len(rows), width)
    elif usable.any():
        matrix[usable] = np.array([row for row, ok in zip(rows, usable) if ok], dtype=np.float64).reshape(-1, width)
    return matrix


def numeric_columns(records: list[Any], class_keys: Sequence[str], feature_names: Sequence[str]) -> Columns:
    """Columns of valid predictions of the monitored version (the caller checked the envelope)."""
    count = len(records)
    dicts = _all_of_type(records, dict)
    clean = np.ones(count, dtype=bool) if dicts else np.fromiter((type(r) is dict for r in records), bool, count)

    origins = [record.get("origin", LIVE) if type(record) is dict else None for record in records] if not dicts \
        else list(map(dict.get, records, repeat("origin"), repeat(LIVE)))
    try:
        origins_ok = set(origins) <= _ORIGINS
    except TypeError:  # an unhashable origin (a list): the exact check refuses it
        origins_ok = False
    if not origins_ok:
        clean &= np.fromiter((type(origin) is str and origin in _ORIGINS for origin in origins), bool, count)
    from_batch = np.fromiter((origin == BATCH for origin in origins), bool, count) if BATCH in origins \
        else np.zeros(count, dtype=bool)

    outputs = _field(records, "output", dicts)
    if not _all_of_type(outputs, dict):
        clean &= np.fromiter((type(output) is dict for output in outputs), bool, count)
    tables = [output.get("probabilities") if ok else None for output, ok in zip(outputs, clean)] \
        if not clean.all() else list(map(dict.get, outputs, repeat("probabilities")))
    # Exactly the class keys: as many keys as classes, and every class key present (_rows).
    sizes_ok = _all_of_type(tables, dict) and set(map(len, tables)) <= {len(class_keys)}
    if not sizes_ok:
        clean &= np.fromiter((type(table) is dict and len(table) == len(class_keys) for table in tables), bool, count)
    probability_rows, _ = _rows(tables, class_keys, clean)
    clean = _plain_rows(probability_rows, _FLOATS, clean)  # a missing class key reads as None: not a float
    probabilities = _matrix(probability_rows, len(class_keys), clean)
    with np.errstate(invalid="ignore"):  # NaN compares False: refused, as `0 <= p <= 1` refuses it
        clean &= ((probabilities >= 0) & (probabilities <= 1)).all(axis=1)

    inputs = _field(records, "inputs", dicts)
    if not _all_of_type(inputs, dict):
        clean &= np.fromiter((type(instance) is dict for instance in inputs), bool, count)
    width = len(feature_names)
    feature_rows, complete = _rows(inputs, feature_names, clean)
    # Only known names: when every dict has every feature and as many keys as there are features,
    # none names anything else; otherwise each dict is checked name by name.
    if not (complete and set(map(len, inputs)) <= {width}):
        known = frozenset(feature_names)
        clean &= np.fromiter((ok and known.issuperset(instance) for instance, ok in zip(inputs, clean)), bool, count)
    clean = _plain_rows(feature_rows, _PLAIN_INPUTS, clean)
    return Columns(clean, _matrix(feature_rows, width, clean), probabilities, from_batch)
