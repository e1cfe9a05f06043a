"""The monitor's backfill (issue 16 item 4): the same window run once in one process and once the
way the MonitorBackfillStateMachine runs it (an hour prefix per child, partials merged) gives the
same report. The capture data has what makes merging hard: labels in other hours than their
predictions, a label sent twice in two hours, a prediction captured twice in two hours, records
delivered an hour late, records outside the window, other versions, batch records, bad lines and
a corrupt object, and drift in the later hours."""
import gzip
import json
import math
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from devtools.local.aws import create_monitoring_bucket
from devtools.local.lambda_local import LambdaContext, cold_start, load_event
from devtools.monitor_backfill.local_run import run_backfill
from modelops.artifacts.features import matrix_to_instances
from modelops.capture.records import BATCH, feedback_records, prediction_records
from modelops.monitoring import workers
from modelops.monitoring.backfill.errors import BackfillIncomplete, BackfillRefused
from modelops.monitoring.workers import shares
from modelops.monitoring.run import MonitorUnavailable, run_monitor
from modelops.monitoring.settings import MonitorSettings
from modelops.platform.aws_clients import client
from modelops.platform.ids import new_prediction_ids
from training.cleaning import clean
from training.data import load_bundled

START = datetime(2026, 11, 2, 0, 0, tzinfo=timezone.utc)
HOURS = 6
END = START + timedelta(hours=HOURS)
DELAY_MINUTES = 30  # labels are read until END + 30 min, as the scheduled run at END + 30 min would


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _line(record: dict) -> str:
    return json.dumps(record, separators=(",", ":"))  # compact, as the capture writer writes


def _put(s3, bucket: str, hour: datetime, name: str, lines: list[str], corrupt: bool = False) -> None:
    body = gzip.compress("".join(line + "\n" for line in lines).encode())
    key = f"capture/{hour:%Y/%m/%d/%H}/{name}.gz"
    s3.put_object(Bucket=bucket, Key=key, Body=body[: len(body) // 2] if corrupt else body)


def _capture(s3, bucket: str, manifest, rows: np.ndarray) -> None:
    """Six hours of traffic, 150 predictions an hour, about a third labelled; features shifted
    from hour 3 on so the report has drift to merge."""
    names = [feature.name for feature in manifest.features]
    rng = np.random.default_rng(7)
    labels_by_hour: dict[int, list[str]] = {hour: [] for hour in range(HOURS + 1)}
    repeated_prediction = None
    for hour in range(HOURS):
        moment = START + timedelta(hours=hour, minutes=10)
        sample = rows[rng.choice(len(rows), 150)] * (1.0 if hour < 3 else 1.4)
        ids = new_prediction_ids(150, int(moment.timestamp() * 1000))
        p = rng.uniform(0, 1, 150).round(6)
        outputs = [{"label": int(q > 0.5), "probabilities": {"0": float(1 - q), "1": float(q)}} for q in p]
        origin = BATCH if hour == 1 else "live"
        records = prediction_records(manifest.name, manifest.version, matrix_to_instances(sample, names), ids, outputs,
                                     _stamp(moment), origin)
        lines = [_line(record) for record in records]
        if hour == 1:
            repeated_prediction = lines[0]  # captured again two hours later (an at-least-once redelivery)
        if hour == 3:
            lines.append(repeated_prediction)
        other = prediction_records(manifest.name, "older-version", matrix_to_instances(sample[:5], names), ids[:5],
                                   outputs[:5], _stamp(moment))
        lines += [_line(record) for record in other] + ["not json", '{"no": "time"}']
        # Most objects arrive in their hour; the last 20 records of each hour arrive in the next one.
        _put(s3, bucket, START + timedelta(hours=hour), "a", lines[:-27] + lines[-7:])
        _put(s3, bucket, START + timedelta(hours=hour + 1), f"late-{hour}", lines[-27:-7])
        # Labels for a third of them, sent 40 to 100 minutes later (often in a later hour).
        chosen = rng.choice(150, 50, replace=False)
        for index in chosen:
            true = int(rng.uniform() < (0.9 * p[index] + 0.05))
            delay = timedelta(minutes=int(rng.integers(40, 100)))
            record = feedback_records(manifest.name, manifest.version, [(ids[index], true)])[0]
            record["time"] = _stamp(moment + delay)
            labels_by_hour[min(hour + int((10 + delay.total_seconds() / 60) // 60), HOURS)].append(_line(record))
        if hour == 2:  # one id labelled twice, in two hours: the later label wins
            again = feedback_records(manifest.name, manifest.version, [(ids[chosen[0]], 1)])[0]
            again["time"] = _stamp(END + timedelta(minutes=20))
            labels_by_hour[HOURS].append(_line(again))
            unknown = feedback_records(manifest.name, manifest.version, [(ids[1], "maybe")])[0]
            unknown["time"] = _stamp(moment + timedelta(minutes=5))
            labels_by_hour[4].append(_line(unknown))
    for hour, lines in labels_by_hour.items():
        _put(s3, bucket, START + timedelta(hours=hour), "labels", lines)
    before = prediction_records(manifest.name, manifest.version, matrix_to_instances(rows[:3], names),
                                new_prediction_ids(3, int((START - timedelta(minutes=1)).timestamp() * 1000)),
                                [{"label": 0, "probabilities": {"0": 0.6, "1": 0.4}}] * 3, _stamp(START - timedelta(minutes=1)))
    _put(s3, bucket, START, "early", [_line(record) for record in before])  # outside the window: not profiled
    _put(s3, bucket, START + timedelta(hours=2), "broken", ["{}"] * 50, corrupt=True)


@pytest.fixture(scope="module")
def window(aws, bucket, published_model):
    s3 = client("s3")
    monitoring = create_monitoring_bucket("backfill-monitoring")
    _capture(s3, monitoring, published_model, np.asarray(clean(load_bundled())[0].features, dtype=np.float64))
    env = {"MODEL_BUCKET": bucket, "MODEL_NAME": published_model.name, "MODEL_VERSION": published_model.version,
           "MONITORING_BUCKET": monitoring, "WINDOW_MINUTES": str(HOURS * 60), "LABEL_DELAY_MINUTES": str(DELAY_MINUTES),
           "MONITOR_THRESHOLDS": "{}", "POWERTOOLS_SERVICE_NAME": "monitor-backfill"}
    return {"s3": s3, "bucket": monitoring, "env": env}


@pytest.fixture
def invoke(window):
    module = cold_start("monitor", window["env"], handler_file="backfill.py")
    return lambda event: module.lambda_handler(event, LambdaContext())


def _single_run(window) -> dict:
    settings = MonitorSettings.model_validate(window["env"])
    run = run_monitor(settings, window["s3"], END + timedelta(minutes=DELAY_MINUTES))
    return json.loads(run.report.model_dump_json())


def _same(single, merged, path="report") -> None:
    """Equal, floats to rounding: the moments are combined in another order (Chan et al.)."""
    assert type(single) is type(merged) or {type(single), type(merged)} <= {int, float}, path
    if isinstance(single, dict):
        assert single.keys() == merged.keys(), path
        for key in single:
            _same(single[key], merged[key], f"{path}.{key}")
    elif isinstance(single, list):
        assert len(single) == len(merged), path
        for index, (a, b) in enumerate(zip(single, merged)):
            _same(a, b, f"{path}[{index}]")
    elif isinstance(single, float):
        assert math.isclose(single, merged, rel_tol=1e-9, abs_tol=1e-12), f"{path}: {single} != {merged}"
    else:
        assert single == merged, f"{path}: {single!r} != {merged!r}"


def test_the_merged_report_equals_the_single_run_report(window, invoke):
    single = _single_run(window)
    plan_event = load_event("monitor_backfill_plan.json")  # what `sam local invoke MonitorBackfillFunction -e` sends
    assert plan_event["request"] == {"start": _stamp(START)[:-5] + "Z", "end": _stamp(END)[:-5] + "Z"}
    outcome = run_backfill(invoke, plan_event["request"])
    merged = json.loads(window["s3"].get_object(Bucket=window["bucket"], Key=outcome["report"])["Body"].read())
    single.pop("generated_at"), merged.pop("generated_at")
    _same(single, merged)
    # The data really had what the test is about: a window where merging could go wrong.
    assert merged["status"] == "alert" and merged["feature_drift"]["drifted_columns"]
    ledger = merged["model_quality"]["ledger"]
    assert ledger["labelled"] > 250 and ledger["duplicate_labels"] == 1 and ledger["unknown_class_labels"] == 1
    volume = merged["volume"]
    assert volume["predictions"] == HOURS * 150 + 1 and volume["batch_predictions"] == 150 + 1  # the redelivered record is a batch one
    assert volume["other_model"] == HOURS * 5 and volume["unreadable_objects"] == 1
    assert volume["malformed_lines"] == HOURS * 2
    assert outcome["status"] == "alert" and outcome["window_start"] == START.isoformat()


@pytest.mark.parametrize("count", [2, 5, 64])
def test_a_run_spread_over_worker_processes_reports_what_one_process_reports(window, monkeypatch, count):
    """monitoring/workers.py: the same window's objects cut into `count` shares (64: one object
    each), read by forked workers, merged in object order."""
    one = _single_run({**window, "env": {**window["env"], "MONITOR_WORKERS": "1"}})
    cut = []
    monkeypatch.setattr(workers, "shares", lambda objects, wanted: cut.append(shares(objects, wanted)) or cut[-1])
    spread = _single_run({**window, "env": {**window["env"], "MONITOR_WORKERS": str(count)}})
    assert [len(parts) for parts in cut] == [min(count, sum(map(len, parts))) for parts in cut]  # labels, predictions
    assert all(len(parts) > 1 for parts in cut)  # really spread, both passes
    one.pop("generated_at"), spread.pop("generated_at")
    _same(one, spread)


def test_the_backfill_writes_the_report_where_the_single_run_does(window, invoke):
    settings = MonitorSettings.model_validate(window["env"])
    keys = run_monitor(settings, window["s3"], END + timedelta(minutes=DELAY_MINUTES)).keys
    outcome = run_backfill(invoke, {"start": START.isoformat(), "end": END.isoformat()})
    assert (outcome["report"], outcome["summary"]) == (keys[1], keys[2])


def test_a_missing_child_result_fails_the_report_instead_of_leaving_hours_out(window, invoke):
    fresh = {**window["env"], "MONITORING_BUCKET": create_monitoring_bucket("backfill-partial")}
    module = cold_start("monitor", fresh, handler_file="backfill.py")
    with pytest.raises(BackfillIncomplete, match="profiles/00002.json is missing"):
        run_backfill(lambda event: module.lambda_handler(event, LambdaContext()),
                     {"start": START.isoformat(), "end": END.isoformat()}, skip_profiles={2})


@pytest.mark.parametrize("request_, message", [
    ({"start": "2026-11-02T06:00:00Z", "end": "2026-11-02T00:00:00Z"}, "end must be after start"),
    ({"start": "2026-10-01T00:00:00Z", "end": "2026-11-02T00:00:00Z"}, "longer than 744 hours"),
    ({"start": "yesterday", "end": "2026-11-02T00:00:00Z"}, "start: Input should be a valid datetime"),
    ({"end": "2026-11-02T00:00:00Z"}, "start: Field required"),
    ({"start": "2026-11-02T00:00:00Z", "end": "2026-11-02T06:00:00Z", "window": 5}, "window: Extra inputs"),
    (None, "Input should be a valid dictionary"),
])
def test_a_request_that_cannot_run_is_refused_with_what_to_change(invoke, request_, message):
    with pytest.raises(BackfillRefused, match=message) as refused:
        invoke({"action": "plan", "request": request_})
    assert refused.value.reason == "invalid_request"


def test_a_window_not_over_yet_is_refused(invoke):
    start = datetime.now(timezone.utc) - timedelta(hours=1)
    with pytest.raises(BackfillRefused) as refused:
        invoke({"action": "plan", "request": {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}})
    assert refused.value.reason == "window_not_over"


def test_a_version_that_was_never_published_is_refused_at_plan(invoke):
    with pytest.raises(MonitorUnavailable) as refused:
        invoke({"action": "plan", "request": {"start": START.isoformat(), "end": END.isoformat(),
                                              "model_version": "20990101T000000Z-nope"}})
    assert refused.value.reason == "manifest_missing"


def test_an_unknown_action_is_refused(invoke):
    with pytest.raises(BackfillRefused, match="Unknown action 'merge'"):
        invoke({"action": "merge"})
