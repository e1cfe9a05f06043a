"""Per-feature summary statistics of a numeric matrix (NaN = missing).

Training records them in the manifest; `GET /model` serves them; the monitor compares
production data against them. One implementation for all three.
"""
import numpy as np
from pydantic import BaseModel


class FeatureSummary(BaseModel):
    name: str
    dtype: str = "float64"
    count: int
    missing_rate: float
    min: float | None
    max: float | None
    mean: float | None


def summarize_features(matrix: np.ndarray, names: list[str]) -> list[FeatureSummary]:
    summaries = []
    rows = matrix.shape[0]
    for index, name in enumerate(names):
        column = matrix[:, index]
        present = column[~np.isnan(column)]
        summaries.append(
            FeatureSummary(
                name=name,
                count=int(present.size),
                missing_rate=float(1.0 - present.size / rows) if rows else 0.0,
                # A column with no values has no range: None, never NaN (NaN is not JSON).
                min=float(present.min()) if present.size else None,
                max=float(present.max()) if present.size else None,
                mean=float(present.mean()) if present.size else None,
            )
        )
    return summaries
