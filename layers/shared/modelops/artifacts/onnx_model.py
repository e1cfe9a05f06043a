"""Serve a verified ONNX model with ONNX Runtime, behind the same predict_proba as scikit-learn.

Nothing here imports scikit-learn: on the ONNX runtime the layer holds only numpy and
onnxruntime. Inputs are float32 (the graph's type; training verified the float32 results against
scikit-learn's). Finiteness is the request validator's job: onnxruntime would accept inf silently.
"""
import os
from typing import Any

import numpy as np

INPUT_NAME = "features"
PROBABILITIES = "probabilities"
REGRESSION_OUTPUT = "variable"  # skl2onnx's name for a regressor's output
RUNTIME_DISTRIBUTION = "onnxruntime"


class OnnxPipeline:
    def __init__(self, model: bytes, classes: list[Any]):
        # Before the import: onnxruntime's telemetry otherwise writes under a read-only $HOME on Lambda.
        os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1  # one vCPU per 1769 MB: extra threads only contend
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        self.classes_ = np.asarray(classes)

    def predict_proba(self, matrix: np.ndarray) -> np.ndarray:
        features = np.ascontiguousarray(matrix, dtype=np.float32)
        return self.session.run([PROBABILITIES], {INPUT_NAME: features})[0].astype(np.float64)

    def predict(self, matrix: np.ndarray) -> np.ndarray:
        """A regressor's predicted values, one per row (a classifier's graph has no such output)."""
        features = np.ascontiguousarray(matrix, dtype=np.float32)
        return self.session.run([REGRESSION_OUTPUT], {INPUT_NAME: features})[0].astype(np.float64).reshape(len(matrix))
