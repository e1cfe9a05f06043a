"""The monitor on a model with categorical features (issue 14 item 7): the bundled penguins
(island and sex are categories), published by training with its baseline, capture records made
the way serving makes them (categories as strings, "" missing), then one monitor run over S3.
Healthy traffic raises nothing; a shift of the islands, an island training never saw and numbers
where a category belongs each show where they should."""
import gzip
import io
import json
from datetime import timedelta

import joblib
import numpy as np
import pytest

from devtools.local.aws import create_monitoring_bucket
from modelops.artifacts.baseline import Baseline
from modelops.artifacts.store import ModelStore
from modelops.capture.records import prediction_records
from modelops.monitoring.run import run_monitor
from modelops.monitoring.settings import MonitorSettings
from modelops.platform.aws_clients import client
from modelops.platform.ids import new_prediction_ids
from tests.unit.modelops.conftest import WINDOW_END, WINDOW_START
from training.cleaning import clean
from training.data import load_bundled


@pytest.fixture(scope="module")
def penguins(aws, bucket):
    from training.train import parse_args, run

    manifest = run(parse_args(["--bucket", bucket, "--dataset", "penguins", "--name", "penguins-monitor",
                               "--estimator", "logistic_regression"]))
    store = ModelStore(client("s3"), bucket)
    # The published pipeline itself: the records below are made the way serving makes them.
    pipeline = joblib.load(io.BytesIO(store.read(manifest.name, manifest.version, manifest.artifact.file)))
    dataset = clean(load_bundled("penguins"))[0]
    return {"manifest": manifest, "pipeline": pipeline, "dataset": dataset,
            "baseline": Baseline.from_json(store.read_pinned(manifest, "baseline"))}


def _records(penguins, rows: np.ndarray) -> list[dict]:
    names, manifest = penguins["dataset"].feature_names, penguins["manifest"]
    probabilities = penguins["pipeline"].predict_proba(rows)
    outputs = [{"label": manifest.classes[int(p.argmax())],
                "probabilities": {str(c): float(q) for c, q in zip(manifest.classes, p)}} for p in probabilities]
    instances = [{name: (None if isinstance(value, float) and np.isnan(value) else value)
                  for name, value in zip(names, row)} for row in rows.tolist()]
    moment = (WINDOW_START + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    ids = new_prediction_ids(len(rows), int((WINDOW_START + timedelta(minutes=5)).timestamp() * 1000))
    return prediction_records(manifest.name, manifest.version, instances, ids, outputs, moment)


def _run(penguins, bucket, records: list[dict], name: str):
    monitoring = create_monitoring_bucket(f"mixed-{name}")
    body = gzip.compress("".join(json.dumps(record) + "\n" for record in records).encode())
    client("s3").put_object(Bucket=monitoring, Key=f"capture/{WINDOW_START:%Y/%m/%d/%H}/part.gz", Body=body)
    manifest = penguins["manifest"]
    settings = MonitorSettings.model_validate({
        "MODEL_BUCKET": bucket, "MODEL_NAME": manifest.name, "MODEL_VERSION": manifest.version,
        "MONITORING_BUCKET": monitoring, "WINDOW_MINUTES": str(int((WINDOW_END - WINDOW_START).total_seconds() // 60)),
        "LABEL_DELAY_MINUTES": "0", "MONITOR_THRESHOLDS": json.dumps({"min_count": 50})})
    return run_monitor(settings, client("s3"), WINDOW_END).report


def _sample(penguins, count: int, seed: int) -> np.ndarray:
    features = penguins["dataset"].features
    return features[np.random.default_rng(seed).choice(len(features), count)]


def test_the_baseline_holds_the_categorical_features_and_healthy_traffic_raises_nothing(penguins, bucket):
    assert set(penguins["baseline"].categories) == {"island", "sex"}
    report = _run(penguins, bucket, _records(penguins, _sample(penguins, 300, 1)), "healthy")
    assert report.volume.predictions == 300 and report.volume.invalid == 0
    for name in ("island", "sex"):
        assert report.feature_drift.columns[name].distribution_test == "chi_squared"
        assert report.feature_drift.columns[name].verdict == "ok"
        assert report.data_quality[name].count == 300
    assert [v for v in report.violations if v.feature in ("island", "sex")] == []


def test_a_shift_of_islands_and_an_island_never_seen_are_reported(penguins, bucket):
    rows = _sample(penguins, 300, 2)
    island = penguins["dataset"].feature_names.index("island")
    rows[:150, island] = "Torgersen"  # the smallest island becomes half the traffic
    rows[150:210, island] = "Anvers"  # 20%: an island training never saw
    report = _run(penguins, bucket, _records(penguins, rows), "shifted")
    checks = {(v.check, v.feature) for v in report.violations}
    assert ("feature_drift", "island") in checks and ("unseen_categories", "island") in checks
    assert report.data_quality["island"].unseen_share == pytest.approx(60 / 300)
    assert ("feature_drift", "sex") not in checks


def test_a_number_sent_for_a_categorical_feature_is_an_invalid_record(penguins, bucket):
    records = _records(penguins, _sample(penguins, 120, 3))
    for record in records[:20]:
        record["inputs"]["island"] = 1.5
    report = _run(penguins, bucket, records, "invalid")
    assert report.volume.invalid_reasons == {"inputs": 20} and report.volume.predictions == 100
