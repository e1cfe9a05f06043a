"""The page's HTML: one file, the chart specs and the chart libraries inlined, no request made
when it is opened (no CDN, no font, no image), so it works from S3 or a local file offline.

Built as an ElementTree and serialised by the standard library, which escapes every text and
attribute (a feature may be called anything). Script elements are the exception HTML makes: their
text is written raw, so the one thing that could end them early, "</", is kept out of the JSON
(as "<\\/", the same string to JSON) and refused in the libraries.
"""
import json
import xml.etree.ElementTree as ET
from typing import Any

from modelops.monitoring.page import charts
from modelops.monitoring.page.data import HEADLINE, FeatureView, PageData
from modelops.monitoring.page.scripts import chart_scripts

STYLE = """
:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1b1b; }
body { margin: 0 auto; padding: 0 1rem 3rem; max-width: 62rem; line-height: 1.45; }
h1 { font-size: 1.35rem; margin: 1rem 0 0.3rem; overflow-wrap: anywhere; }
h2 { font-size: 1.15rem; margin-top: 2rem; border-bottom: 1px solid #bbb; }
h3 { font-size: 1rem; margin: 0; overflow-wrap: anywhere; }
a { color: #0b4f8a; }
.status { display: inline-block; font-weight: 700; padding: 0.15rem 0.6rem; border: 2px solid; border-radius: 4px; }
.status-alert { color: #8a1010; background: #fbeaea; }
.status-ok { color: #14571f; background: #e8f5ea; }
.status-insufficient_data { color: #5a4500; background: #fbf3d9; }
.note { font-weight: 700; }
.feature { border: 1px solid #ccc; border-radius: 6px; padding: 0.75rem; margin: 1rem 0; }
.feature.drift { border: 3px solid #8a1010; }
.verdict { font-weight: 700; }
.scroll { overflow-x: auto; max-width: 100%; }
table { border-collapse: collapse; font-size: 0.9rem; margin: 0.5rem 0; }
th, td { border-bottom: 1px solid #ddd; padding: 0.2rem 0.6rem 0.2rem 0; text-align: left; vertical-align: top; }
td.num { font-variant-numeric: tabular-nums; text-align: right; }
.chart { width: 100%; min-height: 150px; }
.chart svg { max-width: 100%; }
code, .key { overflow-wrap: anywhere; }
details pre { white-space: pre-wrap; font-size: 0.75rem; }
"""

# Draws every chart, then records the outcome on <body> for people (a failed chart says so in
# its place) and for the browser test (data-charts, data-chart-errors).
GLUE = """
(function () {
  var specs = JSON.parse(document.getElementById("chart-specs").textContent);
  var nodes = document.querySelectorAll("[data-chart]");
  var failed = 0;
  var jobs = Array.prototype.map.call(nodes, function (node) {
    return vegaEmbed(node, specs[Number(node.getAttribute("data-chart"))], {renderer: "svg", actions: false})
      .catch(function (error) {
        failed += 1;
        node.textContent = "This chart could not be drawn: " + error;
        console.error(error);
      });
  });
  Promise.all(jobs).then(function () {
    document.body.setAttribute("data-chart-errors", String(failed));
    document.body.setAttribute("data-charts", failed ? "failed" : "rendered");
  });
})();
"""


def _figure(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _general(value: float | None) -> str:
    """Four significant digits, so a p-value of 1e-30 does not read as 0."""
    return "n/a" if value is None else f"{value:.4g}"


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.1%}"


def _el(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, {key.rstrip("_").replace("_", "-"): value for key, value in attributes.items()})
    element.text = text
    return element


def _table(parent: ET.Element, header: list[str], rows: list[list[str]], numeric_from: int = 1) -> None:
    table = _el(_el(parent, "div", class_="scroll"), "table")
    head = _el(_el(table, "thead"), "tr")
    for cell in header:
        _el(head, "th", cell, scope="col")
    body = _el(table, "tbody")
    for row in rows:
        line = _el(body, "tr")
        for index, cell in enumerate(row):
            _el(line, "td", cell, **({"class_": "num"} if index >= numeric_from else {}))


class _Charts:
    """Collects specs; each chart is a <div data-chart="i"> whose spec is specs[i]."""

    def __init__(self) -> None:
        self.specs: list[dict[str, Any]] = []

    def place(self, parent: ET.Element, spec: dict[str, Any]) -> None:
        _el(parent, "div", class_="chart", data_chart=str(len(self.specs)))
        self.specs.append(spec)

    def json(self) -> str:
        return json.dumps(self.specs, separators=(",", ":"), allow_nan=False).replace("</", "<\\/")


def _verdict_text(view: FeatureView) -> str:
    # A word and a symbol, never colour alone.
    marks = {"drift": "▲ DRIFT", "ok": "✓ ok", "insufficient_data": "… insufficient data", "no_reference": "– no reference"}
    text = marks.get(view.verdict, view.verdict)
    return f"{text} ({', '.join(view.changes)})" if view.changes else text


def _column(parent: ET.Element, view: FeatureView, plot: _Charts) -> None:
    article = _el(parent, "article", id=view.anchor, class_=f"feature {view.verdict}")
    heading = _el(article, "h3", view.name + " ")
    _el(heading, "span", _verdict_text(view), class_="verdict")
    if view.bins:
        plot.place(article, charts.histogram_spec(view.name, view.bins))
    else:
        _el(article, "p", "No bins in this report (written before reports carried them).")
    rows = [[m.name, _general(m.value), _general(m.threshold),
             "n/a" if m.crossed is None else ("yes" if m.crossed else "no")] for m in view.measures]
    _table(article, ["measure", "value", "threshold", "at threshold?"], rows)
    _table(article, ["share of rows", "training", "this window"],
           [[what, _percent(reference), _percent(current)] for what, reference, current in view.rates])


def _header(body: ET.Element, data: PageData) -> None:
    report = data.report
    _el(body, "h1", f"Model monitor: {report.model_name} {report.model_version}")
    status = _el(body, "p")
    symbol = {"alert": "✖", "ok": "✓", "insufficient_data": "?"}[report.status]
    _el(status, "span", f"{symbol} {data.status_word}", class_=f"status status-{report.status}", role="status")
    _el(body, "p", f"Window {report.window_start.isoformat()} to {report.window_end.isoformat()}; generated "
                   f"{report.generated_at.isoformat(timespec='seconds')}.")
    for note in report.notes:
        _el(body, "p", note, class_="note")
    section = _el(body, "section", id="violations")
    _el(section, "h2", f"Violations ({len(data.violations)})")
    if not data.violations:
        _el(section, "p", "None.")
    items = _el(section, "ul") if data.violations else section
    for check, description, anchor in data.violations:
        item = _el(items, "li")
        link = _el(item, "a", check, href=f"#{anchor}")
        link.tail = f": {description}"


def _overview(body: ET.Element, data: PageData) -> None:
    report, volume = data.report, data.report.volume
    section = _el(body, "section", id="overview")
    _el(section, "h2", "Traffic and links")
    _table(section, ["records", "count"], [
        ["capture records read", f"{volume.records:,}"], ["predictions of this version (profiled)", f"{volume.predictions:,}"],
        ["of which from batch jobs", f"{volume.batch_predictions:,}"], ["labels", f"{volume.feedback:,}"],
        ["predictions of other versions", f"{volume.other_model:,}"], ["invalid records", f"{volume.invalid:,}"],
        ["malformed lines", f"{volume.malformed_lines:,}"], ["unreadable objects", f"{volume.unreadable_objects:,}"]])
    _table(section, ["model version seen", "predictions", "share"],
           [[f"{v.model_name} {v.model_version}{' (monitored)' if v.monitored else ''}", f"{v.predictions:,}",
             _percent(v.share)] for v in report.traffic.versions] or [["none", "0", "n/a"]])
    links = _el(section, "ul")
    item = _el(links, "li", "The full report: ")
    _el(item, "a", data.links.report_json, href=data.links.report_json).tail = f" (monitoring bucket: {data.links.report_key})"
    _el(links, "li", f"Model card and manifest: the model bucket, under {data.links.model_prefix}", class_="key")


def _quality(body: ET.Element, data: PageData, plot: _Charts) -> None:
    report = data.report
    estimate, ledger = report.estimated_quality, report.model_quality.ledger
    section = _el(body, "section", id="quality")
    _el(section, "h2", "Model quality")
    measure = HEADLINE[report.task]
    if report.task == "regression":
        _el(section, "p", "A regressor: its error is measured from labels only; no label-free estimate of it is sound.")
    else:
        if estimate.estimated_accuracy is None:
            text = f"none: {estimate.predictions} predictions, {estimate.min_count} needed"
        else:
            text = (f"{estimate.estimated_accuracy:.3f}, 95% interval {_figure(estimate.interval_low)} to "
                    f"{_figure(estimate.interval_high)}, over {estimate.predictions:,} predictions")
        _el(section, "p", f"Estimated accuracy without labels: {text}; training held-out accuracy "
                          f"{_figure(estimate.reference_accuracy)}.")
    _el(section, "p", f"Labels: {ledger.labelled:,} of {ledger.predictions:,} predictions "
                      f"({_percent(ledger.labelled_fraction)}); {ledger.labels_unmatched:,} matched no prediction.")
    if data.metrics:
        _table(section, ["on labels", "this window", "training"],
               [[name, _figure(window), _figure(training)] for name, window, training in data.metrics])
    else:
        _el(section, "p", f"Metrics on labels: not computed, {ledger.labelled} labels matched, "
                          f"{report.model_quality.min_labels} needed.")
    _el(section, "h3", f"Trend over the last {len(data.trend)} window(s) of this version")
    if data.unreadable_history:
        _el(section, "p", f"{data.unreadable_history} earlier report(s) could not be read and are left out.")
    reference = estimate.reference_accuracy if report.task == "classification" else report.model_quality.training_metrics.get(measure)
    plot.place(section, charts.trend_spec(data.trend, reference, measure))
    _table(section, ["window end", "status", "estimated", "on labels", "drifted features"],
           [[p.window_end, p.status, _figure(p.estimated_accuracy), _figure(p.accuracy), str(p.drifted_features)]
            for p in reversed(data.trend)], numeric_from=2)


def _footer(body: ET.Element, data: PageData) -> None:
    footer = _el(body, "footer")
    _el(footer, "h2", "Thresholds")
    _table(footer, ["threshold", "value"], [[k, str(v)] for k, v in data.report.thresholds.model_dump().items()])
    _el(footer, "p", "A p-value at or below alpha is needed for a significant change, not enough: the verdict "
                     "corrects for testing many features (Benjamini-Hochberg).")
    details = _el(footer, "details")
    scripts = chart_scripts()
    _el(details, "summary", "Charts: " + ", ".join(f"{s.name} {s.version} ({s.license_name})" for s in scripts))
    for script in scripts:
        _el(details, "h3", f"{script.name} {script.version}")
        _el(details, "pre", script.license_text)


def render_page(data: PageData) -> str:
    report = data.report
    plot = _Charts()
    html = ET.Element("html", lang="en")
    head = _el(html, "head")
    _el(head, "meta", charset="utf-8")
    _el(head, "meta", name="viewport", content="width=device-width, initial-scale=1")
    _el(head, "title", f"{data.status_word}: {report.model_name} {report.model_version} "
                       f"{report.window_start:%Y-%m-%d %H:%M} UTC")
    _el(head, "style", STYLE)
    body = _el(html, "body")
    _header(body, data)
    _overview(body, data)
    _quality(body, data, plot)
    section = _el(body, "section", id="predictions")
    _el(section, "h2", "Predictions: training vs this window")
    for view in data.predictions:
        _column(section, view, plot)
    section = _el(body, "section", id="features")
    drifted = sum(view.verdict == "drift" for view in data.features)
    _el(section, "h2", f"Features ({len(data.features)}, {drifted} drifted, drifted first)")
    for view in data.features:
        _column(section, view, plot)
    _footer(body, data)
    _el(body, "script", plot.json(), type="application/json", id="chart-specs")
    for script in chart_scripts():
        if "</script" in script.source.lower():  # would end the element early (module docstring)
            raise ValueError(f"{script.name} contains </script and cannot be inlined")
        _el(body, "script", script.source, data_library=f"{script.name}@{script.version}")
    _el(body, "script", GLUE)
    return "<!DOCTYPE html>\n" + ET.tostring(html, encoding="unicode", method="html") + "\n"
