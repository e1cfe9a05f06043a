"""The report page in a real browser: Debian's Chromium (make chromium), headless and offline,
opens the page the monitor wrote to S3 and a 100-feature page, from file://. Every chart must be
drawn (no script error, one SVG per chart), nothing may be requested from the network, and the
screenshots stay in .cache/test-artifacts/report-page/ for a person to look at."""
import contextlib
import io
import json
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import boto3
import pytest
from playwright.sync_api import sync_playwright

from devtools.local.aws import create_alert_queue, create_monitoring_bucket
from devtools.local.capture_delivery import deliver
from devtools.local.lambda_local import cold_start, invoker, load_event
from devtools.local.traffic import batches, predict_event, shifted
from modelops.artifacts.features import matrix_to_instances
from modelops.monitoring.page.data import PageLinks, page_data
from modelops.monitoring.page.render import render_page
from tests.support.report_pages import wide_report
from training.cleaning import clean
from training.data import load_bundled

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / ".cache" / "test-artifacts" / "report-page"
# The closed network here refuses Chromium's own background connections; these keep it quiet.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1200, "height": 900}


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make chromium` (make test does)")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield browser
        browser.close()


def open_page(browser, path: Path, viewport: dict) -> dict:
    """Open the page offline and wait for its charts; what happened, for the assertions."""
    context = browser.new_context(viewport=viewport, offline=True)
    page = context.new_page()
    errors, requests = [], []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: requests.append(request.url) if not request.url.startswith("file:") else None)
    started = time.perf_counter()
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-charts]", timeout=60_000)
    seconds = time.perf_counter() - started
    outcome = {
        "page": page, "context": context, "errors": errors, "requests": requests, "seconds": seconds,
        "state": page.get_attribute("body", "data-charts"),
        "charts": page.locator("[data-chart]").count(), "drawn": page.locator("[data-chart] > svg").count(),
        "overflow": page.evaluate("document.documentElement.scrollWidth - window.innerWidth"),
        "articles": page.locator("#features article h3").all_inner_texts(),
    }
    return outcome


def assert_drawn(outcome: dict, charts: int) -> None:
    assert outcome["errors"] == [] and outcome["state"] == "rendered"
    assert outcome["charts"] == outcome["drawn"] == charts
    assert outcome["requests"] == []  # opened with no network and asked for none


@pytest.mark.parametrize("inference_env", ["onnx"], indirect=True)  # the page does not depend on the runtime
def test_the_monitors_page_of_a_drifted_window_draws_every_chart(browser, aws, inference_env):
    suffix = uuid.uuid4().hex[:12]
    bucket, (topic, queue) = create_monitoring_bucket(f"page-{suffix}"), create_alert_queue(f"page-{suffix}")
    with contextlib.redirect_stdout(io.StringIO()) as logs:
        infer = invoker(cold_start("inference", inference_env))
        data = clean(load_bundled())[0]
        for batch in batches(shifted(matrix_to_instances(data.features, data.feature_names),
                                     {"mean_radius": 1.6, "worst_area": 2.0}), 100):
            infer(predict_event(batch))
    deliver(boto3.client("s3"), bucket, logs.getvalue())
    monitor = invoker(cold_start("monitor", {**inference_env, "MONITORING_BUCKET": bucket, "ALERT_TOPIC_ARN": topic,
                                             "WINDOW_MINUTES": "60", "LABEL_DELAY_MINUTES": "0", "MONITOR_THRESHOLDS": "{}",
                                             "POWERTOOLS_SERVICE_NAME": "monitor"}))
    event = {**load_event("monitor_scheduled.json"),
             "scheduled_time": (datetime.now(timezone.utc) + timedelta(minutes=1)).isoformat()}
    with contextlib.redirect_stdout(io.StringIO()):
        result = monitor(event)
    assert result["status"] == "alert" and result["page"].endswith(".html")
    s3 = boto3.client("s3")
    stored = s3.get_object(Bucket=bucket, Key=result["page"])
    assert stored["ContentType"] == "text/html; charset=utf-8"
    path = ARTIFACTS / "drifted-window.html"
    path.write_bytes(stored["Body"].read())
    alert = boto3.client("sqs").receive_message(QueueUrl=queue)["Messages"][0]["Body"]
    assert f"s3://{bucket}/{result['page']}" in alert and "https://console.aws.amazon.com/s3/object/" in alert

    report = json.loads(s3.get_object(Bucket=bucket, Key=result["report"])["Body"].read())
    features = len(report["feature_drift"]["columns"])
    outcome = open_page(browser, path, DESKTOP)
    assert_drawn(outcome, features + 2 + 1)  # one per feature, the two prediction columns, the trend
    drifted = set(report["feature_drift"]["drifted_columns"])
    assert {"mean_radius", "worst_area"} <= drifted
    assert {title.split(" ")[0] for title in outcome["articles"][:len(drifted)]} == drifted  # drifted first
    outcome["page"].screenshot(path=str(ARTIFACTS / "drifted-window.png"), full_page=True)
    outcome["context"].close()
    assert (ARTIFACTS / "drifted-window.png").stat().st_size > 50_000


def test_a_page_of_100_features_draws_at_phone_width(browser):
    path = ARTIFACTS / "100-features.html"
    path.write_text(render_page(page_data(wide_report(100), [], PageLinks("r.json", "reports/r.json", "models/w/"))))
    outcome = open_page(browser, path, PHONE)
    assert_drawn(outcome, 100 + 2 + 1)
    assert outcome["overflow"] <= 0  # nothing wider than the phone: no sideways scrolling
    outcome["page"].screenshot(path=str(ARTIFACTS / "100-features-phone.png"))
    (ARTIFACTS / "100-features.json").write_text(json.dumps(
        {"bytes": path.stat().st_size, "render_seconds": round(outcome["seconds"], 2)}))
    outcome["context"].close()
