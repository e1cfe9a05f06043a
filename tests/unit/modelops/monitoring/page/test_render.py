"""The report page's HTML: self-contained (the pinned libraries inlined, nothing fetched), every
chart placed with its spec, names escaped, and within the size budget for 100 features."""
import hashlib
import json
from html.parser import HTMLParser

import pytest

from modelops.monitoring.page import scripts
from modelops.monitoring.page.data import PageLinks, page_data
from modelops.monitoring.page.render import render_page
from tests.support.report_pages import wide_report

LINKS = PageLinks("r.json", "reports/r.json", "models/wide/v/")
PAGE_BUDGET = 2_000_000  # bytes, with 100 features (issue 18)


class Elements(HTMLParser):
    """Every start tag with its attributes, and the text of each script."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self.scripts.append("")

    def handle_data(self, data):
        if self.tags and self.tags[-1][0] == "script":
            self.scripts[-1] += data


def parse(html: str) -> Elements:
    elements = Elements()
    elements.feed(html)
    return elements


@pytest.fixture(scope="module")
def wide():
    return wide_report(100)


def test_a_page_of_100_features_is_self_contained_and_within_budget(wide):
    html = render_page(page_data(wide, [], LINKS))
    assert len(html.encode()) < PAGE_BUDGET
    elements = parse(html)
    # Nothing the browser would fetch: no external script, stylesheet, image, font or frame.
    assert not [attrs for _, attrs in elements.tags if "src" in attrs]
    assert not [tag for tag, _ in elements.tags if tag in ("link", "img", "iframe", "object")]
    hrefs = [attrs["href"] for tag, attrs in elements.tags if tag == "a"]
    assert hrefs and all(href.startswith("#") or href == "r.json" for href in hrefs)
    # The pinned libraries, byte for byte, in load order.
    lock = json.loads(scripts.LOCK.read_text())["packages"]
    libraries = [attrs["data-library"] for tag, attrs in elements.tags if tag == "script" and "data-library" in attrs]
    assert libraries == [f"{p['name']}@{p['version']}" for p in lock]
    assert [hashlib.sha256(s.encode()).hexdigest() for s in elements.scripts[1:4]] == [p["sha256"] for p in lock]
    # One chart per feature, two for the predictions, one for the trend; each with its spec.
    specs = json.loads(elements.scripts[0])
    charts = [int(attrs["data-chart"]) for _, attrs in elements.tags if "data-chart" in attrs]
    assert charts == list(range(100 + 2 + 1)) and len(specs) == len(charts)
    assert all(spec["$schema"].endswith("/vega-lite/v6.json") and spec["description"] for spec in specs)
    for licence in ("Copyright (c) 2015-2023, University of Washington Interactive Data Lab",):
        assert licence in html


def test_the_charted_values_are_the_page_data(wide):
    data = page_data(wide, [], LINKS)
    specs = json.loads(parse(render_page(data)).scripts[0])
    feature_specs = specs[-len(data.features):]  # after the trend and the two prediction charts
    for view, spec in zip(data.features, feature_specs, strict=True):
        assert spec["description"].startswith(view.name)
        training = [v for v in spec["data"]["values"] if v["series"] == "training"]
        assert [(v["bin"], v["rows"]) for v in training] == [(b.label, b.reference) for b in view.bins]


def test_names_are_escaped_and_cannot_end_a_script(wide):
    name = '</script><img src=x onerror="alert(1)">'
    columns = {name if key == "feature_000" else key: value for key, value in wide.feature_drift.columns.items()}
    histograms = wide.histograms.model_copy(update={"features": {
        name if key == "feature_000" else key: value for key, value in wide.histograms.features.items()}})
    hostile = wide.model_copy(update={"feature_drift": wide.feature_drift.model_copy(update={"columns": columns}),
                                      "histograms": histograms})
    html = render_page(page_data(hostile, [], LINKS))
    elements = parse(html)
    assert not [tag for tag, _ in elements.tags if tag == "img"]
    assert "&lt;/script&gt;&lt;img" in html  # the heading shows the name as text
    assert any(spec["description"].startswith(name) for spec in json.loads(elements.scripts[0]))


def test_a_missing_or_altered_library_fails_the_page_loudly(tmp_path, monkeypatch):
    monkeypatch.setattr(scripts, "VENDOR", tmp_path)
    scripts.chart_scripts.cache_clear()
    try:
        with pytest.raises(scripts.ChartScriptsMissing, match="make page-scripts"):
            scripts.chart_scripts()
        for package in json.loads(scripts.LOCK.read_text())["packages"]:
            (tmp_path / package["name"]).mkdir()
            (tmp_path / package["name"] / "LICENSE").write_text("x")
            (tmp_path / package["name"] / package["script"].split("/")[-1]).write_text("altered")
        with pytest.raises(scripts.ChartScriptsMissing, match="is not the pinned vega@"):
            scripts.chart_scripts()
    finally:
        scripts.chart_scripts.cache_clear()
