"""Prediction lines decoded straight into typed structs (msgspec), for all-numeric classifiers.

Why: the prediction pass's cost per line was orjson building a dict of dicts (~4-5 µs for a 30
feature record), then the envelope and column checks reading it back key by key. msgspec decodes
a line into a struct of the model's own fields and checks every type in the same C pass (about
half orjson's time), and the chunk's matrix is read from the structs' attributes.

Like columns.py, this only ever *accepts*: `decode` answers only for a line that the reader's
exact path would read as one valid prediction of the monitored version, with the same values
(the json module's reading decides). Anything else, such as feedback, another version, an integer
where a probability is, an unknown feature, a value it cannot vouch for, is None and takes the
exact path, which says what it is. Where msgspec and the json module could read the same bytes
differently, it does not answer: bytes that are not UTF-8 (json replaces them), an integer within
half a float ulp above the largest float (NEAR_FLOAT_MAX), NaN or ±Infinity literals, a number
beyond float range, a lone surrogate escape (msgspec refuses all of these).
tests/unit/modelops/monitoring/test_typed.py feeds the same mutated lines both ways.
"""
from itertools import chain
from operator import attrgetter
from typing import Annotated, Any, Literal

import numpy as np

from modelops.capture.reader import NEAR_FLOAT_MAX
from modelops.capture.records import BATCH, LIVE, PREDICTION, SCHEMA_VERSION
from modelops.monitoring.columns import Columns

try:  # pinned in the layer; without it every line takes the exact path, as before
    import msgspec
    from msgspec.structs import astuple
except ImportError:
    msgspec = None


class TypedPredictions:
    """The decoder of one monitored version's prediction lines, and the chunk columns of what it
    decoded. Field names are generated (f0.., c0..): feature names and class keys need not be
    Python identifiers; `rename` maps them to the JSON keys."""

    def __init__(self, feature_names: list[str], class_keys: list[str], model_name: str, model_version: str):
        features = [f"f{index}" for index in range(len(feature_names))]
        classes = [f"c{index}" for index in range(len(class_keys))]
        # An absent feature is a missing value, as null is; a name the model lacks is refused
        # (the exact path counts it as unknown_feature). gc=False: these hold no containers.
        inputs = msgspec.defstruct("Inputs", [(field, float | None, None) for field in features],
                                   rename=dict(zip(features, feature_names)), forbid_unknown_fields=True, gc=False)
        # Every check of the envelope, output and origin is in the type, so msgspec makes it in C:
        # Literal[1] takes the int 1 only (the exact path decides on 1.0 and true), a probability
        # is a float (or an int: read as the same float) in [0, 1].
        probability = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
        probabilities = msgspec.defstruct("Probabilities", [(field, probability) for field in classes],
                                          rename=dict(zip(classes, class_keys)), forbid_unknown_fields=True, gc=False)
        output = msgspec.defstruct("Output", [("probabilities", probabilities)], gc=False)
        self.type = msgspec.defstruct("TypedPrediction", [
            ("record_type", Literal[PREDICTION]), ("schema_version", Literal[SCHEMA_VERSION]), ("prediction_id", str),
            ("time", str), ("model_name", Literal[model_name]), ("model_version", Literal[model_version]),
            ("inputs", inputs), ("output", output), ("origin", Literal[LIVE, BATCH], LIVE)], gc=False)
        self._decode = msgspec.json.Decoder(self.type).decode
        self._width = (len(features), len(classes))

    def decode(self, line: bytes) -> Any | None:
        """The line as a typed prediction of the monitored version, or None: the exact path decides."""
        if NEAR_FLOAT_MAX in line:
            return None
        try:
            return self._decode(line)
        except (msgspec.DecodeError, UnicodeDecodeError):  # (ValidationError is a DecodeError)
            return None

    def columns(self, records: list[Any]) -> Columns:
        """A chunk of decoded predictions as columns.py's Columns, every row accepted. The
        matrices hold the values instances_to_matrix would (None becomes NaN). A struct's fields
        are read in definition order by astuple (C), the order of `features` and `classes`."""
        count = len(records)
        features = _matrix(list(map(astuple, map(attrgetter("inputs"), records))), self._width[0])
        outputs = map(attrgetter("probabilities"), map(attrgetter("output"), records))
        probabilities = _matrix(list(map(astuple, outputs)), self._width[1])
        origins = list(map(attrgetter("origin"), records))
        from_batch = np.fromiter(map(BATCH.__eq__, origins), dtype=bool, count=count) if BATCH in origins \
            else np.zeros(count, dtype=bool)
        return Columns(np.ones(count, dtype=bool), features, probabilities, from_batch)


def _matrix(rows: list[tuple[float | None, ...]], width: int) -> np.ndarray:
    """Rows of floats as a float64 matrix; a None is NaN, as np.array (instances_to_matrix's
    conversion) reads it. np.fromiter over the flattened rows is a third faster, and refuses None."""
    try:
        flat = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=len(rows) * width)
    except TypeError:  # a missing value in the chunk
        flat = np.array(rows, dtype=np.float64)
    return flat.reshape(len(rows), width)


def typed_predictions(feature_names: list[str], class_keys: list[str], model_name: str,
                      model_version: str) -> TypedPredictions | None:
    """The typed decoder, or None when msgspec is not installed."""
    return None if msgspec is None else TypedPredictions(feature_names, class_keys, model_name, model_version)


def as_record(value: Any) -> dict[str, Any]:
    """A typed prediction as the dict the exact path would have read (an absent feature as null,
    an absent origin as "live": the same prediction to every check)."""
    return value if type(value) is dict else msgspec.to_builtins(value)
