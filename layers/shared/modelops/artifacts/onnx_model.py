"""Serve a verified ONNX model with ONNX Runtime, behind the same predict_proba as scikit-learn.

Nothing here imports scikit-learn: on the ONNX runtime the layer holds only numpy and
onnxruntime. Inputs are float32 (the graph's type; training verified the float32 results against
scikit-learn's). Finiteness is the request validator's job: onnxruntime would accept inf silently.

The graph's inputs (training/onnx_export.py converts it so): an all-numeric model has one input
INPUT_NAME of shape [rows, features]; a model with a categorical feature one input per feature,
column_input(index) in manifest order, shape [rows, 1], float32 or string ("" missing). `feed`
makes them from the pipeline's object matrix, for serving and for training's verification alike.
"""
import os
from typing import Any, Sequence

import numpy as np

INPUT_NAME = "features"
PROBABILITIES = "probabilities"
REGRESSION_OUTPUT = "variable"  # skl2onnx's name for a regressor's output
RUNTIME_DISTRIBUTION = "onnxruntime"


def column_input(index: int) -> str:
    """The graph input of feature `index` when the model has categorical features."""
    return f"feature_{index}"


def feed(matrix: np.ndarray, kinds: Sequence[str]) -> dict[str, np.ndarray]:
    """The per-feature inputs of a mixed model's graph, from the pipeline's input matrix."""
    return {column_input(index): (np.asarray(matrix[:, index].tolist(), dtype=object).reshape(-1, 1)
                                  if kind == "categorical" else
                                  np.asarray(matrix[:, index], dtype=np.float32).reshape(-1, 1))
            for index, kind in enumerate(kinds)}


class OnnxPipeline:
    def __init__(self, model: bytes, classes: list[Any], kinds: Sequence[str] = ()):
        # Before the import: onnxruntime's telemetry otherwise writes under a read-only $HOME on Lambda.
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one vCPU per 1769 MB: extra threads only contend
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.classes_ = np.asarray(classes)
        # Per-feature inputs only with a categorical feature: the all-numeric graph keeps its one input.
        self.kinds = tuple(kinds) if "categorical" in kinds else None

    def _inputs(self, matrix: np.ndarray) -> dict[str, np.ndarray]:
        if self.kinds is not None:
            return feed(matrix, self.kinds)
        return {INPUT_NAME: np.ascontiguousarray(matrix, dtype=np.float32)}

    def predict_proba(self, matrix: np.ndarray) -> np.ndarray:
        return self.session.run([PROBABILITIES], self._inputs(matrix))[0].astype(np.float64)

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """A regressor's predicted values, one per row (a classifier's graph has no such output)."""
        return self.session.run([REGRESSION_OUTPUT], self._inputs(matrix))[0].astype(np.float64).reshape(len(matrix))
