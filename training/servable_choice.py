"""Prefer a model the fast serving path can run, when it is as good.

Selection picks the simplest candidate within one standard deviation of the best (the "band").
If that model's ONNX conversion does not verify, it would serve on scikit-learn (a slower cold
start and a larger layer); a candidate of the same band whose conversion does verify is as good
by the same evidence and serves on ONNX Runtime, so it is preferred. The check runs on the
training rows only: the held-out rows stay untouched until the final evaluation.
"""
from typing import Any, Callable

import numpy as np

from training.model_selection import Selection
from training.onnx_export import Verification, export, target_scale
from training.pipeline import fit_timed

Exporter = Callable[[Any, np.ndarray, int], tuple[bytes | None, Verification]]


def prefer_onnx_servable(selection: Selection, fitted: Any, fit_seconds: float, x_train: np.ndarray,
                         y_train: np.ndarray, seed: int, exporter: Exporter | None = None) -> tuple[Selection, Any, float]:
    """(selection, fitted pipeline, its fit time), switched to another candidate of the band only
    when the chosen one does not verify and that one does."""
    if exporter is None:
        def exporter(pipeline: Any, rows: np.ndarray, seed: int) -> tuple[bytes | None, Verification]:
            return export(pipeline, rows, seed, selection.columns, selection.task, target_scale(selection.task, y_train))
    _, verification = exporter(fitted, x_train, seed)
    if verification.passed:
        return selection, fitted, fit_seconds
    for estimator in selection.band:
        if estimator == selection.chosen:
            continue
        candidate = selection.build(estimator)
        candidate_seconds = fit_timed(candidate, x_train, y_train)
        if exporter(candidate, x_train, seed)[1].passed:
            why = (f"its ONNX conversion verifies, {selection.chosen}'s does not ({verification.reason}), "
                   "so it serves on ONNX Runtime")
            return selection.preferring(estimator, why), candidate, candidate_seconds
    return selection, fitted, fit_seconds
