"""Reports of synthetic models with any number of features, for the report page's tests: the page's
budget (size, render time) is stated for 100 features, and the bundled model has 30."""
from datetime import datetime, timedelta, timezone

import numpy as np
from sklearn.datasets import make_classification

from modelops.capture.records import prediction_records
from modelops.artifacts.features import matrix_to_instances
from modelops.monitoring.labels import LabelJoin
from modelops.monitoring.report import Report, build_report
from modelops.monitoring.settings import Thresholds
from modelops.monitoring.window import WindowAccumulator
from modelops.platform.ids import new_prediction_id
from training.baseline import build_baseline
from training.pipeline import build_pipeline

START = datetime(2026, 11, 30, 10, 0, tzinfo=timezone.utc)
MODEL = ("wide", "20261130T090000Z-00c0ffee")
SHIFTED, MISSING, SCALED = 2, 3, 4  # the columns the drifted window changes


def wide_report(features: int, rows: int = 1500, seed: int = 5) -> Report:
    """A drifted window of a model with `features` columns: column 2 shifted by 1 sd, column 3 missing
    in 15% of rows, column 4 doubled (out of range too); column 0 is discrete (value atoms)."""
    data, labels = make_classification(n_samples=6000 + rows, n_features=features, n_informative=5, n_redundant=0,
                                       random_state=seed)
    data[:, 0] = np.round(data[:, 0])
    names = [f"feature_{index:03d}" for index in range(features)]
    pipeline = build_pipeline("logistic_regression", seed).fit(data[:3000], labels[:3000])
    baseline = build_baseline(pipeline, [0, 1], names, data[:3000], data[3000:6000], labels[3000:6000],
                              training_split=(data[:3000], labels[:3000]))
    window = data[6000:].copy()
    window[:, SHIFTED] += window[:, SHIFTED].std()
    window[: rows * 15 // 100, MISSING] = np.nan
    window[:, SCALED] *= 2
    served = np.nan_to_num(window)  # the model only ever saw imputed rows; the capture keeps the NaN
    probabilities = pipeline.predict_proba(served)
    ids = [new_prediction_id(int(START.timestamp() * 1000) + index) for index in range(rows)]
    outputs = [{"label": int(p.argmax()), "probabilities": {"0": float(p[0]), "1": float(p[1])}} for p in probabilities]
    accumulator = WindowAccumulator(baseline, *MODEL, START, START + timedelta(hours=1))
    for index, record in enumerate(prediction_records(*MODEL, matrix_to_instances(window, names), ids, outputs)):
        record["time"] = (START + timedelta(milliseconds=index)).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        accumulator.add(record)
    profile = accumulator.finish()
    quality = LabelJoin([0, 1], *MODEL, START, START + timedelta(hours=1)).finish(rows, 30, {"accuracy": 0.9})
    return build_report(profile, baseline, quality, Thresholds(), START + timedelta(hours=1))
