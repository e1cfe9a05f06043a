import numpy as np

from modelops.monitoring.labels import LabelJoin
from modelops.monitoring.settings import Thresholds
from modelops.monitoring.report import build_report
from modelops.monitoring.summary import alert_message, alert_subject, summary_markdown
from modelops.monitoring.window import WindowAccumulator
from tests.unit.modelops.conftest import MODEL, WINDOW_END, WINDOW_START


def report_for(synthetic, rows):
    window = WindowAccumulator(synthetic.baseline, *MODEL, WINDOW_START, WINDOW_END)
    for record in synthetic.records(rows):
        window.add(record)
    profile = window.finish()
    quality = LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_END).finish(len(rows), 30, {"accuracy": 0.8})
    return build_report(profile, synthetic.baseline, quality, Thresholds(), WINDOW_END)


def test_summary_names_status_window_drifted_features_and_why_no_quality(synthetic):
    rows = synthetic.fresh[:1000].copy()
    rows[:, 2] += 2.0
    text = summary_markdown(report_for(synthetic, rows))
    lines = text.splitlines()
    assert lines[0] == f"# Model monitor: {MODEL[0]} {MODEL[1]}: ALERT"
    assert "Window 2026-11-30T10:00:00+00:00 to 2026-11-30T11:00:00+00:00" in text
    assert "- **feature_drift**: f2 drifted" in text
    assert "Model quality: not computed, 0 labels matched; 30 needed" in text
    table = [line for line in lines if line.startswith("| f") and not line.startswith("| feature")]
    assert table[0].startswith("| f2 | drift (distribution) |") and len(table) == 5
    assert "- Estimated accuracy (no labels): 0." in text and "95% interval" in text


def test_a_clean_window_says_none_and_the_alert_subject_fits_sns(synthetic):
    clean = report_for(synthetic, synthetic.fresh[:500])
    assert "## Violations\n\nNone." in summary_markdown(clean)
    rows = synthetic.fresh[:1000].copy()
    rows[:, :] *= 3
    rows[:300, 0] = np.nan
    alert = report_for(synthetic, rows)
    subject = alert_subject(alert)
    assert subject.startswith(f"Model monitor ALERT {MODEL[0]}: ") and len(subject) <= 100
    assert "dataset_drift" in subject or subject.endswith("...")
    message = alert_message(alert, "bucket", ["reports/x.json"])
    assert message.startswith(summary_markdown(alert)) and "s3://bucket/reports/x.json" in message


def test_a_small_window_of_mostly_another_version_says_both_at_the_top(synthetic):
    records = synthetic.records(synthetic.fresh[:300])
    for record in records[30:]:
        record["model_version"] = "20261201T000000Z-fedcba98"
    window = WindowAccumulator(synthetic.baseline, *MODEL, WINDOW_START, WINDOW_END)
    for record in records:
        window.add(record)
    quality = LabelJoin([0, 1], *MODEL, WINDOW_START, WINDOW_END).finish(30, 30, {"accuracy": 0.8})
    text = summary_markdown(build_report(window.finish(), synthetic.baseline, quality, Thresholds(), WINDOW_END))
    lines = text.splitlines()
    assert lines[0] == f"# Model monitor: {MODEL[0]} {MODEL[1]}: INSUFFICIENT DATA"
    assert lines[4].startswith("**This window is mostly another model version: synthetic 20261201T000000Z-fedcba98 (90%)")
    assert lines[5].startswith("**Insufficient data: 30 predictions of this version in the window, 100 needed")
    assert f"- Versions: 20261201T000000Z-fedcba98 90%, {MODEL[1]} (monitored) 10%" in text
    assert "- Estimated accuracy (no labels): none (30 predictions, 100 needed)" in text


def test_the_alert_names_the_report_page_and_its_console_link(synthetic):
    from modelops.monitoring.store import page_key

    rows = synthetic.fresh[:1000].copy()
    rows[:, 2] += 2.0
    report = report_for(synthetic, rows)
    page = page_key(report)
    assert page == f"reports/{MODEL[0]}/{MODEL[1]}/2026/11/30/20261130T100000Z_20261130T110000Z.html"
    message = alert_message(report, "my-bucket", ["reports/x.json"], "eu-west-1")
    assert f"Report page with charts: s3://my-bucket/{page}" in message
    assert ("In the S3 console: https://console.aws.amazon.com/s3/object/my-bucket?region=eu-west-1&prefix="
            + page.replace("/", "%2F")) in message
    assert "region=" not in alert_message(report, "my-bucket", [], None)
