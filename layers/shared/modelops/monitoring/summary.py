"""The monitoring report as a short Markdown page for people (summary.md beside report.json)."""
from urllib.parse import quote, urlencode

from modelops.monitoring.report import LABELLED_METRICS, STATUS_WORDS, EstimatedQuality, Report
from modelops.monitoring.store import page_key

TOP_FEATURES = 10


def _figure(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _estimate(estimated: EstimatedQuality) -> str:
    if estimated.estimated_accuracy is None:
        return f"none ({estimated.predictions} predictions, {estimated.min_count} needed)"
    return (f"{estimated.estimated_accuracy:.3f} (95% interval {_figure(estimated.interval_low)} to "
            f"{_figure(estimated.interval_high)}, {estimated.predictions} predictions)")


def summary_markdown(report: Report) -> str:
    volume, ledger = report.volume, report.model_quality.ledger
    estimated, quality = report.estimated_quality, report.model_quality
    status = STATUS_WORDS[report.status]
    lines = [
        f"# Model monitor: {report.model_name} {report.model_version}: {status}",
        "",
        f"Window {report.window_start.isoformat()} to {report.window_end.isoformat()} "
        f"(generated {report.generated_at.isoformat(timespec='seconds')}).",
        "",
    ]
    lines += [f"**{note}**" for note in report.notes] + ([""] if report.notes else [])
    lines += [
        f"- Records: {volume.records} ({volume.predictions} predictions, {volume.feedback} labels, "
        f"{volume.other_model} for other versions, {volume.invalid} invalid, {volume.malformed_lines} malformed lines)",
        f"- Predictions by origin: {report.traffic.live_predictions} live (the API), "
        f"{report.traffic.batch_predictions} from batch scoring jobs",
        "- Versions: " + (", ".join(f"{v.model_version}{' (monitored)' if v.monitored else ''} {v.share:.0%}"
                                    for v in report.traffic.versions) or "no predictions"),
        f"- Feature drift: {len(report.feature_drift.drifted_columns)} of {len(report.feature_drift.columns)} features "
        f"drifted ({', '.join(report.feature_drift.drifted_columns) or 'none'}); dataset verdict "
        f"{report.feature_drift.verdict} (drift from {report.thresholds.dataset_drift_share:.0%} of features)",
        f"- Prediction drift: {report.prediction_drift.verdict}; drifted: "
        f"{', '.join(report.prediction_drift.drifted_columns) or 'none'}",
        f"- Estimated accuracy (no labels): {_estimate(estimated)} vs training {_figure(estimated.reference_accuracy)}"
        if report.task == "classification" else "- No label-free estimate: a regressor's error is measured on labels only",
        f"- Labels: {ledger.labelled} of {ledger.predictions} predictions ({_percent(ledger.labelled_fraction)}); "
        f"{ledger.labels_unmatched} matched no prediction; {ledger.labels_other_windows} for other windows",
    ]
    if quality.metrics:
        trained = quality.training_metrics
        lines.append("- Model quality on labels: " + ", ".join(
            f"{name} {_figure(quality.metrics[name])} (training {_figure(trained.get(name))})"
            for name in LABELLED_METRICS[report.task]))
    else:
        lines.append(f"- Model quality: not computed, {ledger.labelled} labels matched; {quality.min_labels} needed")
    lines += ["", "## Violations", ""]
    lines += [f"- **{v.check}**: {v.description}" for v in report.violations] or ["None."]
    ranked = report.features_by_change()
    lines += ["", f"## Features by change (top {TOP_FEATURES})", "",
              "| feature | verdict | Wasserstein (sd) | PSI | JS distance | KS p | missing | out of range | ±inf |",
              "|---|---|---|---|---|---|---|---|---|"]
    for name, drift in ranked[:TOP_FEATURES]:
        data = report.data_quality.get(name)
        verdict = f"{drift.verdict} ({', '.join(drift.changes)})" if drift.changes else drift.verdict
        lines.append(f"| {name} | {verdict} | {_figure(drift.wasserstein)} | {_figure(drift.psi)} | "
                     f"{_figure(drift.js_distance)} | {_figure(drift.ks_p_value, 4)} | "
                     f"{_percent(data.missing_rate if data else None)} | "
                     f"{_percent(data.share_out_of_range if data else None)} | "
                     f"{_percent(data.non_finite_rate if data else None)} |")
    return "\n".join(lines) + "\n"


def alert_subject(report: Report) -> str:
    """SNS subjects are at most 100 characters."""
    checks = sorted({violation.check for violation in report.violations})
    subject = f"Model monitor ALERT {report.model_name}: {', '.join(checks)}"
    return subject if len(subject) <= 100 else subject[:97] + "..."


def console_url(bucket: str, key: str, region: str | None) -> str:
    """The S3 console's page of one object (its Open button shows an HTML page in the browser)."""
    query = {**({"region": region} if region else {}), "prefix": key}
    return f"https://console.aws.amazon.com/s3/object/{quote(bucket)}?{urlencode(query)}"


def alert_message(report: Report, bucket: str, keys: list[str], region: str | None = None) -> str:
    where = "\n".join(f"s3://{bucket}/{key}" for key in keys)
    page = page_key(report)
    return (f"{summary_markdown(report)}\nReport page with charts: s3://{bucket}/{page}\n"
            f"In the S3 console: {console_url(bucket, page, region)}\n\nFull report and profile:\n{where}\n")
